"""How a booking is written: one Core insert (with its messages, on PostgreSQL), nothing loaded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from booking.calendar.models import CalendarSource
from booking.extensions import db
from booking.notifications.models import Notification
from booking.officers.models import Officer
from booking.teams.models import MeetingType
from tests.conftest import DEFAULT_NOW, Clock
from tests.factories import booking_payload


def _book(client: FlaskClient, headers: dict[str, str] | None = None, **overrides: Any) -> Any:
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def _messages(app: Flask) -> list[tuple[str, str, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(
                Notification.kind,
                Notification.audience,
                Notification.channel,
                Notification.recipient,
            ).order_by(Notification.id)
        ).all()
        db.session.rollback()
        return [tuple(row) for row in rows]


def _without(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in keys}


def test_the_created_response_is_what_a_read_returns(client: FlaskClient, world: Any) -> None:
    created = _book(client)
    read = client.get(
        f"/api/v1/bookings/{created['reference']}",
        headers={"X-Booking-Token": created["manage_token"]},
    )
    assert read.status_code == 200
    assert _without(created, "manage_token", "links") == _without(read.json, "links")

    staff_created = _book(
        client,
        headers=world.service_center,
        start="2027-03-03T13:00:00+01:00",
        applicant={"email": None},
    )
    staff_read = client.get(
        f"/api/v1/bookings/{staff_created['reference']}", headers=world.service_center
    )
    assert staff_read.status_code == 200
    assert staff_created["routing"] == staff_read.json["routing"]
    assert staff_created["created_by_token_id"] == staff_read.json["created_by_token_id"]
    assert _without(staff_created, "manage_token", "links") == _without(staff_read.json, "links")


def test_a_booking_records_when_its_officer_was_last_assigned(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    first, second, third = world.private_officers
    # Week 1: the second officer is assigned before the first.
    _book(client, officer_id=second, applicant={"email": "a@example.org"})
    clock.set(DEFAULT_NOW + timedelta(minutes=5))
    _book(client, officer_id=first, start="2027-03-03T13:00:00+01:00")
    with app.app_context():
        assigned = {
            officer.id: officer.last_assigned_at
            for officer in db.session.scalars(select(Officer)).all()
            if officer.id in world.private_officers
        }
        db.session.rollback()
    assert assigned == {
        first: DEFAULT_NOW + timedelta(minutes=5),
        second: DEFAULT_NOW,
        third: None,
    }
    # Week 2, nobody booked yet: never assigned first, then the least recently assigned (the
    # second officer, although the first has the lower id).
    week2 = [
        _book(client, start=start, applicant={"email": f"{i}@example.org"})["officer"]["id"]
        for i, start in enumerate(("2027-03-10T10:00:00+01:00", "2027-03-10T13:00:00+01:00"))
    ]
    assert week2 == [third, second]


def test_a_new_booking_is_queued_for_its_officers_caldav_calendar(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    with_caldav, with_ics = world.private_officers[0], world.private_officers[1]
    with app.app_context():
        sources = [
            CalendarSource(
                officer_id=officer_id, kind=kind, url=f"https://cal.example.org/{kind}/", version=1
            )
            for officer_id, kind in ((with_caldav, "caldav"), (with_ics, "ics"))
        ]
        db.session.add_all(sources)
        db.session.commit()
        caldav_id = sources[0].id
    _book(client, officer_id=with_caldav)
    assert ("confirmation", "officer", "caldav", str(caldav_id)) in _messages(app)

    _book(client, officer_id=with_ics, applicant={"email": "b@example.org"})
    caldav_rows = [row for row in _messages(app) if row[2] == "caldav"]
    assert caldav_rows == [("confirmation", "officer", "caldav", str(caldav_id))]


def test_a_changed_reminder_policy_applies_to_the_next_booking(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    _book(client)
    assert {row[2] for row in _messages(app) if row[0] == "reminder"} == {"email", "sms"}
    with app.app_context():
        meeting_type = db.session.scalars(select(MeetingType)).one()
        meeting_type.reminders = [{"channel": "sms", "minutes_before": 60}]
        db.session.commit()
    _book(client, start="2027-03-03T13:00:00+01:00", applicant={"email": "b@example.org"})
    reminders = [row for row in _messages(app) if row[0] == "reminder"]
    assert [row[2] for row in reminders] == ["email", "sms", "sms"]


def test_the_database_still_refuses_an_overlap_and_nothing_is_queued(
    app: Flask, client: FlaskClient, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fool the search and the re-check: the insert (one statement on PostgreSQL) must fail."""
    from booking.bookings import service

    officer = world.private_officers[0]
    _book(client, officer_id=officer)
    before = _messages(app)
    loads = service._officer_loads

    def without_recheck(*args: Any, **kwargs: Any) -> Any:
        return loads(*args, **{**kwargs, "recheck": None})

    monkeypatch.setattr(service, "free_officers_at", lambda **kwargs: [officer])
    monkeypatch.setattr(service, "_officer_loads", without_recheck)
    response = client.post(
        "/api/v1/bookings",
        json=booking_payload(officer_id=officer, applicant={"email": "b@example.org"}),
    )
    assert response.status_code == 409, response.json
    assert _messages(app) == before
    with app.app_context():
        confirmed = db.session.execute(
            text("SELECT count(*) FROM bookings WHERE status = 'confirmed'")
        ).scalar_one()
        db.session.rollback()
    assert confirmed == 1
