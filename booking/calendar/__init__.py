"""Calendar interchange for bookings: iCalendar invitations (RFC 5545 / iTIP RFC 5546)."""

from __future__ import annotations

from booking.calendar.ics import InviteEvent, Person, build_calendar, parse_events

__all__ = ["InviteEvent", "Person", "build_calendar", "parse_events"]
