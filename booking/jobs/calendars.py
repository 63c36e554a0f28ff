"""Job: import the busy time of the officers' own calendars (ICS addresses and CalDAV)."""

from __future__ import annotations

from booking.calendar.imports import import_calendars
from booking.clock import now


def import_officer_calendars() -> str:
    """Import every calendar source once; return counts by outcome."""
    return import_calendars(now_fn=now).summary()
