"""Job: record, for each new booking, the first free slot its team had to offer."""

from __future__ import annotations

from booking.clock import now
from booking.db import write_intent
from booking.extensions import db
from booking.stats.first_free import bookings_to_measure, measure, store


def measure_first_free_slots() -> str:
    """Measure the bookings made since the last run; one short write transaction at the end."""
    moment = now()
    # The searches only read: they run before the write lock is taken, so bookings go on.
    measurements = [measure(booking) for booking in bookings_to_measure(now=moment)]
    db.session.rollback()
    if not measurements:
        return "nothing to measure"
    with write_intent():
        stored = store(measurements, now=moment)
        db.session.commit()
    return f"measured {stored} of {len(measurements)}"
