"""The wait for the first free slot: each booking's team's earliest free start when it was made.

Measured shortly after the booking by the `measure-first-free` job rather than inside the
booking request, so booking stays as fast as it is. The search runs "as of" the booking's
creation (its notice and horizon) with the booking's own time counted free; bookings made in
the minute or so between the two are counted busy, a small bias towards later first slots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from booking.availability.service import earliest_free_slot
from booking.bookings.models import Booking
from booking.config_cache import current_config
from booking.extensions import db

# Bookings not measured within this long (the worker was down) are left unmeasured: a search
# run much later says nothing about what was free back then.
MEASURE_WITHIN = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Measurement:
    """One booking's first free start (None: nothing was free in its booking window)."""

    booking_id: int
    first_free_start_at: datetime | None


def bookings_to_measure(*, now: datetime, limit: int = 500) -> Sequence[Booking]:
    """The oldest bookings made within MEASURE_WITHIN that are not measured yet."""
    query = (
        select(Booking)
        .where(
            Booking.first_free_checked_at.is_(None),
            Booking.created_at >= now - MEASURE_WITHIN,
            Booking.created_at <= now,
        )
        .order_by(Booking.created_at, Booking.id)
        .limit(limit)
    )
    return db.session.scalars(query).all()


def measure(booking: Booking) -> Measurement:
    """The team's earliest free start as of when `booking` was made, its own time counted free."""
    config = current_config()
    team = config.teams.get(booking.team_id)
    meeting_type = config.meeting_types_by_id.get(booking.meeting_type_id)
    slot = None
    if team is not None and meeting_type is not None:
        slot = earliest_free_slot(
            team=team,
            meeting_type=meeting_type,
            is_staff=booking.channel == "service_center",
            now=booking.created_at,
            exclude_booking_id=booking.id,
        )
    start = datetime.fromtimestamp(slot.start, UTC) if slot is not None else None
    return Measurement(booking_id=booking.id, first_free_start_at=start)


def store(measurements: Sequence[Measurement], *, now: datetime) -> int:
    """Write the measurements not written meanwhile (by another worker); return how many."""
    stored = 0
    for found in measurements:
        result = db.session.execute(
            update(Booking)
            .where(Booking.id == found.booking_id, Booking.first_free_checked_at.is_(None))
            .values(first_free_start_at=found.first_free_start_at, first_free_checked_at=now)
            .execution_options(synchronize_session=False)
        )
        stored += result.rowcount
    return stored
