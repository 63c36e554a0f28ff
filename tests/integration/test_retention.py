"""Retention: the `apply-retention` job anonymises applicants' data once its period has passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.audit.models import AuditEntry
from booking.bookings.models import Booking
from booking.callbacks.models import Callback, CallbackAttempt
from booking.extensions import db
from booking.jobs.registry import registered_jobs, run_job
from booking.notifications.models import Notification
from booking.privacy.anonymise import ANONYMISED
from booking.privacy.retention import RetentionPolicy, apply_retention
from tests.api.helpers import snapshot
from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload

# The default booking (booking_payload) is Wednesday 3 March 2027 10:00–10:45 Stockholm.
MEETING_END = datetime(2027, 3, 3, 10, 45, tzinfo=STOCKHOLM)
STATISTICS = (
    "team_id",
    "meeting_type_id",
    "officer_id",
    "start_at",
    "end_at",
    "busy_start_at",
    "busy_end_at",
    "status",
    "channel",
    "mode",
    "applicant_kind",
    "identifier_kind",
    "language",
    "created_at",
    "cancelled_at",
    "sequence",
)
PERSONAL = (
    "applicant_email",
    "applicant_phone",
    "organisation_number",
    "property_designation",
    "case_number",
    "description",
    "cancel_reason",
)


def book(client: FlaskClient, **overrides: Any) -> str:
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides))
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.json["reference"])


def booking_row(app: Flask, reference: str) -> dict[str, Any]:
    with app.app_context():
        row = db.session.execute(
            select(Booking.__table__).where(Booking.reference == reference)
        ).one()
        db.session.rollback()
        return dict(row._mapping)


def run_retention(app: Flask) -> str:
    return run_job(app, registered_jobs()["apply-retention"])


def retention_runs(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention.run").order_by(AuditEntry.id)
        ).all()
        result = [
            {"actor": r.actor_kind, "object": r.object_type, "details": r.details} for r in rows
        ]
        db.session.rollback()
        return result


def test_a_meeting_is_kept_89_days_after_its_end_and_anonymised_after_91(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    reference = book(
        client,
        applicant={"kind": "company", "organisation_number": "556036-0793"},
        case_number="BN 2027-123",
        description="Vi vill bygga ett förråd.",
    )
    before = booking_row(app, reference)

    clock.set(MEETING_END + timedelta(days=89))
    assert run_retention(app) == "nothing to anonymise"
    assert booking_row(app, reference) == before

    clock.set(MEETING_END + timedelta(days=91))
    assert "bookings 1" in run_retention(app)
    after = booking_row(app, reference)
    for name in STATISTICS:
        assert after[name] == before[name], name
    assert after["applicant_name"] == ANONYMISED
    for name in PERSONAL:
        assert after[name] is None, name
    assert after["anonymised_at"] == clock.value.astimezone(UTC)
    # The booking still counts: staff listings and statistics see it, without the person.
    listed = client.get("/api/v1/bookings?from=2027-03-03&to=2027-03-03", headers=world.admin).json
    assert [(b["reference"], b["status"], b["team"]["slug"]) for b in listed] == [
        (reference, "confirmed", "bygglov-foretag")
    ]


def test_the_period_is_counted_from_the_cancellation(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    reference = book(client)
    cancelled_at = clock.value
    response = client.post(
        f"/api/v1/bookings/{reference}/cancel",
        json={"reason": "Min granne Åsa hjälper mig i stället"},
        headers=world.admin,
    )
    assert response.status_code == 200

    clock.set(cancelled_at + timedelta(days=89))
    run_retention(app)
    assert booking_row(app, reference)["cancel_reason"] is not None

    clock.set(cancelled_at + timedelta(days=91))
    run_retention(app)
    row = booking_row(app, reference)
    assert row["status"] == "cancelled"
    assert row["cancel_reason"] is None and row["applicant_email"] is None
    assert row["cancelled_at"] == cancelled_at.astimezone(UTC)


def test_a_meeting_still_to_come_is_never_anonymised(
    app: Flask, client: FlaskClient, factory: Any, clock: Clock
) -> None:
    # A long horizon: a meeting cancelled more than 90 days before it would have taken place.
    meeting_type = factory.meeting_type(horizon_days=365)
    team = factory.team(meeting_types=[meeting_type])
    factory.officer(teams=[team])
    start = datetime(2027, 10, 6, 10, 0, tzinfo=STOCKHOLM)
    cancelled = book(client, start=start.isoformat())
    confirmed = book(client, start=(start + timedelta(days=1)).isoformat())
    admin = factory.token("admin")
    assert (
        client.post(f"/api/v1/bookings/{cancelled}/cancel", json={}, headers=admin).status_code
        == 200
    )

    with app.app_context():
        # Cancelled over 200 days ago, with a one-day period: only the meeting's being still
        # to come keeps it.
        clock.set(start - timedelta(days=1))
        counts = apply_retention(now=clock.value, policy=RetentionPolicy(contact_days=1))
        assert counts.bookings == 0
        # The cancelled meeting's time has passed; the confirmed one is going on right now.
        clock.set(start + timedelta(days=1, minutes=30))
        assert (
            apply_retention(now=clock.value, policy=RetentionPolicy(contact_days=1)).bookings == 1
        )
    assert booking_row(app, cancelled)["anonymised_at"] is not None
    assert booking_row(app, confirmed)["anonymised_at"] is None
    assert booking_row(app, confirmed)["applicant_email"] == "asa@example.org"


def register_callback(client: FlaskClient, world: Any) -> int:
    response = client.post(
        "/api/v1/callbacks",
        json={
            "applicant": {"kind": "private", "name": "Åsa Öberg", "phone": "070-123 45 67"},
            "topic": "Altan på tomten",
            "note": "Vill veta om altanen kräver bygglov.",
        },
        headers=world.service_center,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(response.json["id"])


def test_closed_call_backs_are_anonymised_after_30_days_open_ones_never(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    closed = register_callback(client, world)
    still_open = register_callback(client, world)
    for outcome, note in (("no_answer", "Inget svar, ringer igen"), ("reached", "Pratade med Åsa")):
        response = client.post(
            f"/api/v1/callbacks/{closed}/attempts",
            json={"outcome": outcome, "note": note},
            headers=world.service_center,
        )
        assert response.status_code in (200, 201), response.get_data(as_text=True)
    closed_at = clock.value

    clock.set(closed_at + timedelta(days=29))
    run_retention(app)
    with app.app_context():
        assert db.session.get(Callback, closed).anonymised_at is None  # type: ignore[union-attr]
        db.session.rollback()

    clock.set(closed_at + timedelta(days=31))
    summary = run_retention(app)
    assert "callbacks 1" in summary and "callback_attempts 2" in summary
    with app.app_context():
        done = db.session.get(Callback, closed)
        assert done is not None
        assert (done.applicant_name, done.applicant_phone, done.topic) == (ANONYMISED,) * 3
        assert done.note is None and done.organisation_number is None
        # What statistics need stays: status, team, officer, times, the attempts' outcomes.
        assert done.status == "completed" and done.closed_at == closed_at.astimezone(UTC)
        attempts = db.session.scalars(
            select(CallbackAttempt).where(CallbackAttempt.callback_id == closed)
        ).all()
        assert sorted(a.outcome for a in attempts) == ["no_answer", "reached"]
        assert all(a.note is None for a in attempts)
        waiting = db.session.get(Callback, still_open)
        assert waiting is not None and waiting.anonymised_at is None
        assert waiting.applicant_phone == "+46701234567"
        db.session.rollback()


def test_a_call_back_never_closed_is_abandoned_90_days_after_its_window(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    # Registered Monday 09:00 with the default promise: the window ends Tuesday 10:00. Every
    # officer is free, so the lowest id gets it.
    abandoned = register_callback(client, world)
    with app.app_context():
        row = db.session.get(Callback, abandoned)
        assert row is not None
        window_end, officer_id = row.window_end_at, row.officer_id
        db.session.rollback()
    assert officer_id == world.private_officers[0]

    clock.set(window_end + timedelta(days=89))
    run_retention(app)
    with app.app_context():
        kept = db.session.get(Callback, abandoned)
        assert kept is not None and kept.anonymised_at is None and kept.is_pending
        db.session.rollback()

    clock.set(window_end + timedelta(days=91))
    assert "callbacks 1" in run_retention(app)
    with app.app_context():
        gone = db.session.get(Callback, abandoned)
        assert gone is not None
        assert (gone.applicant_name, gone.applicant_phone, gone.topic) == (ANONYMISED,) * 3
        # Still a promise not kept in the figures, but no longer a call to make.
        assert gone.status == "open" and not gone.is_pending
        db.session.rollback()
    response = client.post(
        f"/api/v1/callbacks/{abandoned}/attempts",
        json={"outcome": "reached"},
        headers=world.service_center,
    )
    assert response.status_code == 409
    assert "anonymised" in response.json["detail"]
    # Nor does it weigh on its officer: a new call-back goes to the lowest id again.
    fresh = register_callback(client, world)
    with app.app_context():
        row = db.session.get(Callback, fresh)
        assert row is not None and row.officer_id == world.private_officers[0]
        db.session.rollback()


def test_audit_rows_forget_the_client_address_after_180_days(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    booked_at = clock.value
    book(client)
    clock.set(booked_at + timedelta(days=179))
    book(client, start=(booked_at + timedelta(days=182)).isoformat())

    def addresses() -> list[str | None]:
        with app.app_context():
            rows = db.session.scalars(
                select(AuditEntry.client_address)
                .where(AuditEntry.action == "booking.create")
                .order_by(AuditEntry.id)
            ).all()
            db.session.rollback()
            return list(rows)

    run_retention(app)
    assert addresses() == ["127.0.0.1", "127.0.0.1"]
    clock.set(booked_at + timedelta(days=181))
    assert "audit_addresses 1" in run_retention(app)
    # The older row keeps everything but the address; the newer one keeps its address.
    assert addresses() == [None, "127.0.0.1"]
    assert run_retention(app) == "nothing to anonymise"


def test_sent_messages_lose_their_copy_and_the_applicants_address_after_30_days(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    book(client)
    sent = app.test_cli_runner().invoke(args=["jobs", "run", "dispatch-notifications"])
    assert "sent 3" in sent.output
    sent_at = clock.value

    clock.set(sent_at + timedelta(days=29))
    run_retention(app)
    clock.set(sent_at + timedelta(days=31))
    assert "notifications 3" in run_retention(app)
    with app.app_context():
        rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        done = [r for r in rows if r.status == "sent"]
        assert len(done) == 3
        for row in done:
            assert row.body is None and row.subject is None and row.last_error is None
            assert row.anonymised_at is not None
            # Officers' work addresses stay, so staff can still see who was told.
            expected = ANONYMISED if row.audience == "applicant" else row.officer.email
            assert row.recipient == expected
            assert (row.kind, row.channel) in {
                ("confirmation", "email"),
                ("confirmation", "sms"),
            }
        # Reminders not yet due are not final: they keep what they need to be sent.
        assert all(r.anonymised_at is None for r in rows if r.status == "pending")
        db.session.rollback()


def test_a_second_run_changes_nothing_and_each_run_is_audited_once(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    book(client)
    register_callback(client, world)
    app.test_cli_runner().invoke(args=["jobs", "run", "dispatch-notifications"])
    clock.set(MEETING_END + timedelta(days=91))

    runner = app.test_cli_runner()
    first = runner.invoke(args=["jobs", "run", "apply-retention"])
    assert first.exit_code == 0, first.output
    assert "bookings 1" in first.output
    tables = snapshot(app)
    tables.pop("audit_log", None)

    second = runner.invoke(args=["jobs", "run", "apply-retention"])
    assert second.exit_code == 0, second.output
    assert second.output.strip() == "nothing to anonymise"
    again = snapshot(app)
    again.pop("audit_log", None)
    assert again == tables

    runs = retention_runs(app)
    assert len(runs) == 2
    assert all(r["actor"] == "system" and r["object"] == "retention" for r in runs)
    assert runs[0]["details"]["bookings"] == 1
    # The booking's three confirmations and the call-back's SMS to the applicant.
    assert runs[0]["details"]["notifications"] == 4
    assert runs[0]["details"]["contact_days"] == 90
    assert {k: v for k, v in runs[1]["details"].items() if not k.endswith("_days")} == {
        "bookings": 0,
        "callbacks": 0,
        "callback_attempts": 0,
        "notifications": 0,
        "survey_comments": 0,
        "audit_addresses": 0,
    }


def test_batches_cover_everything_whatever_their_size(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    references = [
        book(client, start=f"2027-03-03T{hour:02d}:00:00+01:00") for hour in (8, 9, 10, 11)
    ]
    clock.set(MEETING_END + timedelta(days=91))
    with app.app_context():
        counts = apply_retention(now=clock.value, policy=RetentionPolicy(), batch_size=3)
    assert counts.bookings == 4
    assert all(booking_row(app, r)["anonymised_at"] is not None for r in references)


def test_the_periods_come_from_the_configuration(app: Flask) -> None:
    from booking.config import config_from_env

    settings = config_from_env(
        {
            "BOOKING_RETENTION_CONTACT_DAYS": "180",
            "BOOKING_RETENTION_MESSAGE_DAYS": "7",
            "BOOKING_RETENTION_AUDIT_ADDRESS_DAYS": "365",
        }
    )
    assert RetentionPolicy.from_config({**app.config, **settings}) == RetentionPolicy(
        contact_days=180, callback_days=30, message_days=7, audit_address_days=365
    )
    with pytest.raises(RuntimeError, match="BOOKING_RETENTION_AUDIT_ADDRESS_DAYS"):
        config_from_env({"BOOKING_RETENTION_AUDIT_ADDRESS_DAYS": "0"})
    with pytest.raises(RuntimeError, match="BOOKING_RETENTION_CALLBACK_DAYS"):
        config_from_env({"BOOKING_RETENTION_CALLBACK_DAYS": "0"})
