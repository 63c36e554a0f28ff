"""Bookings: create, read, cancel, reschedule — never two at once for one officer."""
