"""`flask demo load` creates a living department: a consistent history, figures, pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from stdnum.se import orgnr

from booking.bookings.models import Booking
from booking.callbacks.models import Callback
from booking.cli import load_demo_data
from booking.core.identity import normalise_phone
from booking.demo_history import load_demo_history
from booking.extensions import db
from booking.officers.models import Officer
from booking.surveys.models import SurveyInvitation, SurveyResponse
from tests.conftest import DEFAULT_NOW, Clock
from tests.pages.helpers import page_token

LOGIN = "/staff/logga-in"
NOW = DEFAULT_NOW.astimezone(UTC)
TOKEN_LINES = {
    "admin": r"Admin token:\s+(bk_\S+)",
    "service_center": r"Service-center token:\s+(bk_\S+)",
    "officer": r"Officer token:\s+(bk_\S+)",
}


def demo_load(app: Flask) -> dict[str, str]:
    """Run `flask demo load`; return the tokens it printed, by role."""
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return {
        role: re.search(line, result.output).group(1)  # type: ignore[union-attr]
        for role, line in TOKEN_LINES.items()
    }


def scalar(sql: str, **params: Any) -> Any:
    """One value of a plain SQL statement."""
    return db.session.execute(text(sql), params).scalar_one()


def counts() -> dict[str, int]:
    """Rows per table the history writes."""
    tables = (
        "bookings",
        "survey_invitations",
        "survey_responses",
        "callbacks",
        "callback_attempts",
        "notifications",
    )
    return {table: scalar(f"SELECT count(*) FROM {table}") for table in tables}


def test_the_history_is_consistent(app: Flask) -> None:
    demo_load(app)
    with app.app_context():
        bookings = db.session.scalars(select(Booking)).all()
        past = [b for b in bookings if b.start_at < NOW]
        ahead = [b for b in bookings if b.start_at >= NOW]
        assert len(past) > 300 and 10 <= len(ahead) <= 20

        # No two confirmed bookings of an officer overlap, buffers included.
        assert (
            scalar(
                "SELECT count(*) FROM bookings a JOIN bookings b"
                " ON a.officer_id = b.officer_id AND a.id < b.id"
                " WHERE a.status = 'confirmed' AND b.status = 'confirmed'"
                " AND a.busy_start_at < b.busy_end_at AND b.busy_start_at < a.busy_end_at"
            )
            == 0
        )
        # Every booking went to the team of its applicant kind.
        teams = dict(db.session.execute(text("SELECT id, slug FROM teams")).all())
        wanted = {"private": "bygglov-privat", "company": "bygglov-foretag"}
        assert all(teams[b.team_id] == wanted[b.applicant_kind] for b in bookings)
        assert {teams[b.team_id] for b in past} == set(wanted.values())

        zone = DEFAULT_NOW.tzinfo
        for booking in past:
            local = booking.start_at.astimezone(zone)
            assert local.weekday() < 5 and booking.end_at <= NOW
            assert booking.created_at < booking.start_at
            assert booking.first_free_start_at is not None
            assert booking.created_at <= booking.first_free_start_at <= booking.start_at
            assert booking.first_free_checked_at is not None
            if booking.status == "cancelled":
                assert booking.created_at <= booking.cancelled_at < booking.start_at
                assert booking.outcome is None
            if booking.outcome is not None:
                assert booking.end_at < booking.outcome_at < NOW
            assert booking.applicant_email is None or booking.applicant_email.endswith(
                "@example.org"
            )
            if booking.applicant_phone is not None:
                assert normalise_phone(booking.applicant_phone).startswith("+4670")
            if booking.applicant_kind == "company":
                assert orgnr.is_valid(booking.organisation_number)
            else:
                assert booking.organisation_number is None
        # No meeting on the holidays from Christmas to Epiphany; trettondagsafton closes at 14.
        days = {b.start_at.astimezone(zone).date().isoformat() for b in past}
        holidays = {"2026-12-24", "2026-12-25", "2026-12-31", "2027-01-01", "2027-01-06"}
        assert not days & holidays and "2027-01-05" in days
        eve = [b for b in past if b.start_at.astimezone(zone).date().isoformat() == "2027-01-05"]
        assert eve and all(b.busy_end_at.astimezone(zone).time() <= time(14, 0) for b in eve)
        # A mix of channels, modes and languages.
        assert {b.channel for b in past} == {"web", "service_center"}
        assert {b.mode for b in past} == {"phone", "video", "in_person"}
        assert {b.language for b in past} == {"sv", "en"}
        assert sum(b.language == "sv" for b in past) > 0.8 * len(past)

        cancelled = sum(b.status == "cancelled" for b in past)
        assert 0.04 < cancelled / len(past) < 0.12
        judged = [b for b in past if b.outcome is not None]
        no_shows = sum(b.outcome == "no_show" for b in judged)
        assert 0.02 < no_shows / len(judged) < 0.12

        # The first officer (whose token `demo load` prints) has meetings awaiting an outcome.
        first_officer = scalar("SELECT min(id) FROM officers")
        awaiting = [b for b in past if b.status == "confirmed" and b.outcome is None]
        assert any(b.officer_id == first_officer for b in awaiting)
        assert len(awaiting) < 30

        # Nothing of the past was queued to be sent, nor written to the audit log.
        assert (
            scalar(
                "SELECT count(*) FROM notifications n JOIN bookings b ON b.id = n.booking_id"
                " WHERE b.start_at < :now",
                now=NOW,
            )
            == 0
        )
        created_audits = scalar("SELECT count(*) FROM audit_log WHERE action = 'booking.create'")
        assert created_audits == len(ahead)

        # Survey answers only for completed meetings, after them, and each used its invitation.
        responses = db.session.scalars(select(SurveyResponse)).all()
        by_booking = {b.id: b for b in bookings}
        for response in responses:
            booking = by_booking[response.booking_id]
            assert booking.outcome == "completed" and booking.end_at < response.answered_at < NOW
            invitation = db.session.scalars(
                select(SurveyInvitation).where(SurveyInvitation.booking_id == booking.id)
            ).one()
            assert invitation.used_at == response.answered_at
        completed = sum(b.outcome == "completed" for b in past)
        assert 0.3 < len(responses) / completed < 0.5

        # Call-backs: past ones closed, mostly in time; the open ones are pending ahead.
        callbacks = db.session.scalars(select(Callback)).all()
        statuses = [c.status for c in callbacks]
        assert statuses.count("unreachable") == 2 and statuses.count("open") == 2
        for callback in callbacks:
            assert teams[callback.team_id] == wanted[callback.applicant_kind]
            if callback.status == "open":
                assert callback.due_at > NOW and not callback.attempts
            else:
                assert callback.closed_at is not None and callback.closed_at < NOW
                assert callback.attempts[-1].attempted_at == callback.closed_at
        late = [c for c in callbacks if c.status == "completed" and c.closed_at > c.due_at]
        assert 0 < len(late) < len(callbacks) // 4


def test_the_figures_are_not_empty(app: Flask, client: FlaskClient) -> None:
    tokens = demo_load(app)
    response = client.get(
        "/api/v1/stats?from=2026-12-01&to=2027-02-28&group_by=month",
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = response.json["rows"]  # type: ignore[index]
    for team in ("bygglov-privat", "bygglov-foretag"):
        months = [row for row in rows if row["team"] == team]
        assert len(months) == 3
        trusted = [r for r in months if r["nki"]["value"] is not None and not r["nki"]["flagged"]]
        assert len(trusted) >= 2
        assert all(60 <= r["nki"]["value"] <= 85 for r in trusted)
        for row in months:
            assert row["bookings"]["count"] > 20
            assert row["lead_time_days"]["value"] is not None
            assert row["request_to_first_slot_days"]["value"] is not None
            assert 0 <= row["no_show"]["value"] <= 0.2
            assert row["callback_promises_kept"]["value"] is not None


def test_a_second_load_adds_nothing(app: Flask) -> None:
    demo_load(app)
    with app.app_context():
        before = counts()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "already present" in result.output
    with app.app_context():
        assert counts() == before


def test_the_history_is_deterministic(app: Flask, clock: Clock) -> None:
    def draw() -> list[Any]:
        load_demo_data()
        load_demo_history(now=clock())
        # By the officer's e-mail: PostgreSQL's sequences do not roll back, so ids differ.
        bookings = db.session.execute(
            select(
                Officer.email,
                Booking.start_at,
                Booking.status,
                Booking.outcome,
                Booking.applicant_name,
                Booking.created_at,
            )
            .join(Officer, Officer.id == Booking.officer_id)
            .order_by(Booking.start_at, Officer.email)
        ).all()
        answers = db.session.execute(
            select(SurveyResponse.answered_at, SurveyResponse.q_overall).order_by(
                SurveyResponse.answered_at
            )
        ).all()
        callbacks = db.session.execute(
            select(Callback.due_at, Callback.status).order_by(Callback.due_at, Callback.status)
        ).all()
        db.session.rollback()
        return [bookings, answers, callbacks]

    with app.app_context():
        first = draw()
        assert first == draw()
        assert db.session.scalar(select(func.count(Booking.id))) == 0


def sign_in(client: FlaskClient, token: str) -> None:
    """Sign in through the login form."""
    form = {"csrf_token": page_token(client, LOGIN), "token": token}
    assert client.post(LOGIN, data=form).status_code == 303


def test_the_console_shows_the_history(app: Flask) -> None:
    tokens = demo_load(app)
    for role in ("admin", "service_center"):
        client = app.test_client()
        sign_in(client, tokens[role])
        home = client.get("/staff")
        assert home.status_code == 200
        assert client.get("/staff/statistik").status_code == 200
    officer = app.test_client()
    sign_in(officer, tokens["officer"])
    day = officer.get("/staff")
    assert day.status_code == 200
    page = day.get_data(as_text=True)
    assert "Möten som väntar på utfall" in page and "Inga möten väntar på utfall" not in page


def test_demo_history_starts_at_a_month_when_little_of_it_would_show(
    app: Flask, clock: Clock
) -> None:
    # 91 days before 2027-03-01 is 2026-11-30: one day of November would show a flagged NKI.
    demo_load(app)
    with app.app_context():
        first = db.session.scalar(select(func.min(Booking.start_at)))
    assert first is not None
    assert first.astimezone(DEFAULT_NOW.tzinfo) >= datetime(2026, 12, 1, tzinfo=DEFAULT_NOW.tzinfo)
