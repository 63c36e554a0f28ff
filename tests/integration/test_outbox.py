"""What a booking change writes to the outbox, in its own transaction (nothing is sent here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.extensions import db
from booking.notifications.enqueue import Reminder, parse_policy
from booking.notifications.models import Notification
from tests.api.helpers import assert_problem, row_counts
from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload


def _rows(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        result = [
            {
                "kind": r.kind,
                "channel": r.channel,
                "audience": r.audience,
                "recipient": r.recipient,
                "status": r.status,
                "version": r.booking_version,
                "due_at": r.due_at,
                "minutes_before": r.minutes_before,
                "officer_id": r.officer_id,
                "skip_reason": r.skip_reason,
            }
            for r in rows
        ]
        db.session.rollback()
        return result


def _summary(rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(r["kind"], r["audience"], r["channel"], r["status"], r["version"]) for r in rows}


def _book(client: FlaskClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides))
    assert response.status_code == 201, response.json
    return dict(response.json)


def test_a_booking_queues_confirmations_and_reminders(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    booking = _book(client)
    rows = _rows(app)
    start = datetime(2027, 3, 3, 10, 0, tzinfo=STOCKHOLM)
    assert _summary(rows) == {
        ("confirmation", "applicant", "email", "pending", 0),
        ("confirmation", "applicant", "sms", "pending", 0),
        ("confirmation", "officer", "email", "pending", 0),
        ("reminder", "applicant", "email", "pending", 0),
        ("reminder", "applicant", "sms", "pending", 0),
    }
    assert len(rows) == 5
    by_key = {(r["kind"], r["audience"], r["channel"]): r for r in rows}
    now = datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM)
    assert by_key["confirmation", "applicant", "email"]["due_at"] == now
    assert by_key["confirmation", "applicant", "email"]["recipient"] == "asa@example.org"
    assert by_key["confirmation", "applicant", "sms"]["recipient"] == "+46701234567"
    officer = by_key["confirmation", "officer", "email"]
    assert officer["officer_id"] == booking["officer"]["id"]
    assert officer["recipient"].endswith("@example.org")
    assert by_key["reminder", "applicant", "email"]["due_at"] == start - timedelta(hours=24)
    assert by_key["reminder", "applicant", "sms"]["due_at"] == start - timedelta(hours=2)


def test_email_only_and_phone_only_applicants(app: Flask, client: FlaskClient, world: Any) -> None:
    _book(client, applicant={"phone": None})
    assert {(r["channel"], r["audience"]) for r in _rows(app)} == {
        ("email", "applicant"),
        ("email", "officer"),
    }
    staff_body = booking_payload(
        start="2027-03-03T13:00:00+01:00", applicant={"email": None}, mode="phone"
    )
    response = client.post("/api/v1/bookings", json=staff_body, headers=world.service_center)
    assert response.status_code == 201, response.json
    reference_rows = [r for r in _rows(app) if r["version"] == 0]
    applicant_rows = [r for r in reference_rows if r["recipient"] == "+46701234567"]
    # A caller booked by phone alone is confirmed and reminded by SMS.
    assert {(r["kind"], r["channel"]) for r in applicant_rows} == {
        ("confirmation", "sms"),
        ("reminder", "sms"),
    }


def test_failed_bookings_leave_no_outbox_rows(app: Flask, client: FlaskClient, world: Any) -> None:
    _book(client, officer_id=world.private_officers[0])
    before = row_counts(app)
    taken = client.post(
        "/api/v1/bookings", json=booking_payload(officer_id=world.private_officers[0])
    )
    assert_problem(taken, 409)
    invalid = client.post(
        "/api/v1/bookings", json=booking_payload(applicant={"email": "not-an-address"})
    )
    assert_problem(invalid, 422, "applicant.email")
    assert row_counts(app) == before


def test_a_reminder_whose_moment_has_passed_is_not_made(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    # Staff book four hours ahead: the day-before e-mail is already too late, the SMS is not.
    body = booking_payload(start="2027-03-01T13:00:00+01:00")
    assert (
        client.post("/api/v1/bookings", json=body, headers=world.service_center).status_code == 201
    )
    reminders = [r for r in _rows(app) if r["kind"] == "reminder"]
    assert [(r["channel"], r["minutes_before"]) for r in reminders] == [("sms", 120)]


def test_reminders_are_exact_instants_across_dst(
    app: Flask, client: FlaskClient, factory: Any, world: Any, clock: Clock
) -> None:
    factory.meeting_type(
        slug="tre-dagar",
        name="Tre dagar",
        reminders=[{"channel": "email", "minutes_before": 3 * 1440}],
    )
    # Mark the team as serving it: a direct row, as the admin API does.
    with app.app_context():
        from booking.teams.models import MeetingType, Team

        team = db.session.get(Team, world.private_team)
        assert team is not None
        team.meeting_types.append(
            db.session.scalars(select(MeetingType).where(MeetingType.slug == "tre-dagar")).one()
        )
        db.session.commit()
    clock.set(datetime(2027, 3, 22, 9, 0, tzinfo=STOCKHOLM))
    # Tuesday 30 March 2027 (after Easter Monday), 10:00 summer time (08:00 UTC); summer time
    # began on Sunday the 28th.
    _book(client, meeting_type="tre-dagar", start="2027-03-30T10:00:00+02:00")
    (reminder,) = [r for r in _rows(app) if r["kind"] == "reminder"]
    assert reminder["due_at"] == datetime(2027, 3, 27, 8, 0, tzinfo=UTC)
    # 72 real hours before, which is 09:00 on the Saturday's winter-time clock, not 10:00.
    assert reminder["due_at"].astimezone(STOCKHOLM).hour == 9


def test_reschedule_supersedes_and_requeues(app: Flask, client: FlaskClient, world: Any) -> None:
    booking = _book(client)
    headers = {"X-Booking-Token": booking["manage_token"]}
    moved = client.post(
        f"/api/v1/bookings/{booking['reference']}/reschedule",
        json={"start": "2027-03-04T10:00:00+01:00"},
        headers=headers,
    )
    assert moved.status_code == 200, moved.json
    rows = _rows(app)
    old = [r for r in rows if r["version"] == 0]
    # Confirmations not yet sent describe the old time: superseded, like the old reminders.
    assert {r["status"] for r in old} == {"superseded"}
    assert {r["skip_reason"] for r in old} == {"the booking was moved"}
    new = [r for r in rows if r["version"] == 1]
    assert _summary(new) == {
        ("rescheduled", "applicant", "email", "pending", 1),
        ("rescheduled", "applicant", "sms", "pending", 1),
        ("rescheduled", "officer", "email", "pending", 1),
        ("reminder", "applicant", "email", "pending", 1),
        ("reminder", "applicant", "sms", "pending", 1),
    }
    new_start = datetime(2027, 3, 4, 10, 0, tzinfo=STOCKHOLM)
    assert {r["due_at"] for r in new if r["kind"] == "reminder"} == {
        new_start - timedelta(hours=24),
        new_start - timedelta(hours=2),
    }


def test_a_move_to_another_officer_tells_both(
    app: Flask, client: FlaskClient, world: Any, factory: Any
) -> None:
    booking = _book(client)
    first = booking["officer"]["id"]
    headers = {"X-Booking-Token": booking["manage_token"]}
    # The first officer is away on the new day, so the move goes to a colleague.
    factory.absence(
        officer_id=first,
        start=datetime(2027, 3, 4, 0, 0, tzinfo=STOCKHOLM),
        end=datetime(2027, 3, 5, 0, 0, tzinfo=STOCKHOLM),
    )
    moved = client.post(
        f"/api/v1/bookings/{booking['reference']}/reschedule",
        json={"start": "2027-03-04T10:00:00+01:00"},
        headers=headers,
    )
    assert moved.status_code == 200, moved.json
    second = moved.json["officer"]["id"]
    assert second != first
    officer_rows = {
        (r["kind"], r["officer_id"])
        for r in _rows(app)
        if r["audience"] == "officer" and r["version"] == 1
    }
    assert officer_rows == {("cancelled", first), ("confirmation", second)}


def test_cancel_supersedes_and_notifies_once(app: Flask, client: FlaskClient, world: Any) -> None:
    booking = _book(client)
    headers = {"X-Booking-Token": booking["manage_token"]}
    url = f"/api/v1/bookings/{booking['reference']}/cancel"
    assert client.post(url, json={}, headers=headers).status_code == 200
    assert client.post(url, json={}, headers=headers).status_code == 200
    rows = _rows(app)
    assert {r["status"] for r in rows if r["version"] == 0} == {"superseded"}
    assert _summary([r for r in rows if r["version"] == 1]) == {
        ("cancelled", "applicant", "email", "pending", 1),
        ("cancelled", "applicant", "sms", "pending", 1),
        ("cancelled", "officer", "email", "pending", 1),
    }
    assert len(rows) == 8


def test_an_idempotent_replay_queues_nothing_more(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    headers = {"Idempotency-Key": "k-1"}
    body = booking_payload()
    assert client.post("/api/v1/bookings", json=body, headers=headers).status_code == 201
    count = len(_rows(app))
    assert client.post("/api/v1/bookings", json=body, headers=headers).status_code == 200
    assert len(_rows(app)) == count == 5


def test_meeting_type_reminder_policy_through_the_admin_api(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    body = {
        "slug": "utan-paminnelse",
        "name": "Utan påminnelse",
        "duration_minutes": 30,
        "modes": ["phone"],
        "reminders": [],
    }
    created = client.post("/api/v1/meeting-types", json=body, headers=world.admin)
    assert created.status_code == 201, created.json
    assert created.json["reminders"] == []
    twice = {**body, "slug": "dubbel", "reminders": [{"channel": "sms", "minutes_before": 60}] * 2}
    assert_problem(
        client.post("/api/v1/meeting-types", json=twice, headers=world.admin), 422, "reminders"
    )
    bad = {**body, "slug": "fel", "reminders": [{"channel": "fax", "minutes_before": 60}]}
    assert_problem(
        client.post("/api/v1/meeting-types", json=bad, headers=world.admin),
        422,
        "reminders.0.channel",
    )


def test_parse_policy() -> None:
    assert parse_policy("email:1440,sms:120") == [Reminder("email", 1440), Reminder("sms", 120)]
    assert parse_policy("off") == []
    for wrong in ("email", "fax:10", "sms:-5", "sms:ten"):
        try:
            parse_policy(wrong)
        except ValueError:
            continue
        raise AssertionError(f"{wrong!r} was accepted")
