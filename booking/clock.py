"""The application's clock: real time, or the one a test injects through the config."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from booking.db import utcnow


def now() -> datetime:
    """Return the current aware instant from `BOOKING_CLOCK` (a callable) or the system clock."""
    clock = current_app.config.get("BOOKING_CLOCK")
    value: datetime = clock() if clock is not None else utcnow()
    if value.tzinfo is None:
        raise ValueError("BOOKING_CLOCK must return an aware datetime")
    return value
