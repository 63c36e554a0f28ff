"""The wait for the first free slot: each new booking's team's earliest free start as of when it
was made, recorded by the measure-first-free job (hand-computed against the test world's hours:
weekdays 08–12 and 13–16, 45 + 15 min meetings on a 15-minute grid, 24 h notice online)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.bookings.models import Booking
from booking.db import write_intent
from booking.extensions import db
from booking.jobs.first_free import measure_first_free_slots
from booking.officers.models import Officer
from booking.stats.first_free import bookings_to_measure, measure, store
from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload

COMPANY = {"kind": "company", "organisation_number": "5560360793"}


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=STOCKHOLM)


def book(client: FlaskClient, headers: dict[str, str] | None = None, **overrides: Any) -> str:
    """Book through the API; return the reference."""
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.json["reference"])


def measured(app: Flask, reference: str) -> tuple[datetime | None, datetime | None]:
    """A booking's (first_free_start_at, first_free_checked_at)."""
    with app.app_context():
        row = db.session.execute(
            select(Booking.first_free_start_at, Booking.first_free_checked_at).where(
                Booking.reference == reference
            )
        ).one()
        return row.first_free_start_at, row.first_free_checked_at


def run_job(app: Flask) -> str:
    """Run the job once, as the worker does."""
    with app.app_context():
        return measure_first_free_slots()


def test_an_online_booking_records_the_first_start_after_its_notice(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    # Booked Monday 09:00 for Wednesday 10:00: online notice is 24 h, so Tuesday 09:00 was free.
    reference = book(client)
    assert measured(app, reference) == (None, None)
    clock.advance(minutes=1)
    assert run_job(app) == "measured 1 of 1"
    first, checked = measured(app, reference)
    assert first == _at(2, 9)
    assert checked == clock.value
    # Measured once: the next run has nothing to do and changes nothing.
    clock.advance(minutes=1)
    assert run_job(app) == "nothing to measure"
    assert measured(app, reference) == (first, checked)


def test_the_service_center_is_offered_times_without_notice(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    clock.set(_at(1, 9, 5))
    reference = book(client, world.service_center)
    run_job(app)
    # No notice for staff: the next start on the 15-minute grid after 09:05 the same morning.
    assert measured(app, reference)[0] == _at(1, 9, 15)


def test_the_booking_s_own_time_counts_as_free_and_earlier_bookings_as_busy(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    # The company team has one officer: its first free online start is Tuesday 09:00.
    first = book(client, start=_at(2, 9).isoformat(), applicant=COMPANY)
    second = book(client, start=_at(3, 10).isoformat(), applicant=COMPANY)
    assert run_job(app) == "measured 2 of 2"
    # The first booking took the first free start: that start was what it was offered.
    assert measured(app, first)[0] == _at(2, 9)
    # The second came after: 09:00–10:00 (with the buffer) was taken, 10:00 was next.
    assert measured(app, second)[0] == _at(2, 10)


def test_nothing_free_is_recorded_as_measured_without_a_start(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    reference = book(client, applicant=COMPANY)
    with app.app_context(), write_intent():
        for officer in db.session.scalars(select(Officer)):
            officer.active = False
        db.session.commit()
    assert run_job(app) == "measured 1 of 1"
    first, checked = measured(app, reference)
    assert first is None and checked is not None


def test_bookings_older_than_a_day_are_left_unmeasured(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    reference = book(client)
    clock.advance(hours=24, minutes=1)
    assert run_job(app) == "nothing to measure"
    assert measured(app, reference) == (None, None)


def test_a_second_worker_does_not_overwrite_a_measurement(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    reference = book(client)
    with app.app_context():
        measurements = [measure(booking) for booking in bookings_to_measure(now=clock.value)]
        db.session.rollback()
        with write_intent():
            assert store(measurements, now=clock.value) == 1
            db.session.commit()
        later = clock.value.replace(minute=30)
        with write_intent():
            assert store(measurements, now=later) == 0
            db.session.commit()
    assert measured(app, reference) == (_at(2, 9), clock.value)
