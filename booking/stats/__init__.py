"""The department's figures: bookings, no-shows, lead times, call-back promises, NKI."""
