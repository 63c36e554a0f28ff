"""The configuration cache: what invalidates it, how stale it can be, what it never does."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from booking import config_cache, create_app
from booking.config_cache import TTL_SECONDS, current_config
from booking.db import write_intent
from booking.extensions import db
from booking.officers.models import Officer
from booking.teams.models import Team
from tests.conftest import Clock
from tests.factories import booking_payload

WEDNESDAY = "2027-03-03"


def _slots(client: FlaskClient, kind: str = "private", **params: Any) -> Any:
    query = {
        "meeting_type": "bygglovsradgivning",
        "applicant_kind": kind,
        "from": WEDNESDAY,
        "to": WEDNESDAY,
        **params,
    }
    return client.get("/api/v1/slots", query_string=query)


def _officers_at_ten(client: FlaskClient) -> int:
    response = _slots(client)
    assert response.status_code == 200, response.json
    at_ten = [s for s in response.json["slots"] if s["start"] == f"{WEDNESDAY}T10:00:00+01:00"]
    return int(at_ten[0]["available_officers"]) if at_ten else 0


def _expire_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    # The cache's own clock, moved past the TTL: no test sleeps.
    later = time.monotonic() + TTL_SECONDS + 1
    monkeypatch.setattr(config_cache, "monotonic", lambda: later)


def test_a_write_through_the_orm_is_seen_by_the_next_request(
    client: FlaskClient, world: Any, factory: Any
) -> None:
    assert _slots(client).status_code == 200  # the snapshot is loaded now
    assert _slots(client, meeting_type="kort").status_code == 422
    short = factory.meeting_type(slug="kort", duration_minutes=30, buffer_after_minutes=0)
    team = factory.team(meeting_types=[short], slug="kort-team", name="Kort")
    factory.officer(teams=[team])
    assert _slots(client, meeting_type="kort").json["slots"]
    assert _officers_at_ten(client) == 3


def test_admin_api_writes_are_seen_by_the_next_request(client: FlaskClient, world: Any) -> None:
    assert _officers_at_ten(client) == 3
    officer = world.private_officers[0]
    response = client.put(
        f"/api/v1/officers/{officer}/weekly-hours",
        json=[{"weekday": 2, "start": "13:00", "end": "16:00"}],
        headers=world.admin,
    )
    assert response.status_code == 200, response.json
    assert _officers_at_ten(client) == 2
    closed = client.post(
        "/api/v1/closures", json={"date": WEDNESDAY, "reason": "Flytt"}, headers=world.admin
    )
    assert closed.status_code == 201, closed.json
    assert _slots(client).json["slots"] == []


def test_writes_behind_the_session_are_seen_within_the_ttl(
    app: Flask, client: FlaskClient, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _officers_at_ten(client) == 3
    with app.app_context(), db.engine.begin() as connection:
        # Another tool (or instance) changes the table: this process is not told.
        connection.execute(
            text("DELETE FROM weekly_hours WHERE officer_id = :id"),
            {"id": world.private_officers[0]},
        )
    assert _officers_at_ten(client) == 3  # stale, for at most the TTL
    _expire_snapshots(monkeypatch)
    assert _officers_at_ten(client) == 2


def test_another_instance_sees_a_new_officer_after_the_ttl_and_bookings_at_once(
    app: Flask, client: FlaskClient, world: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret",
            "BOOKING_CLOCK": clock,
            "BOOKING_RATE_LIMIT": "off",
        }
    )
    try:
        other_client = other.test_client()
        assert _officers_at_ten(other_client) == 3
        created = client.post(
            "/api/v1/officers",
            json={"name": "Ny", "email": "ny@example.org", "teams": ["bygglov-privat"]},
            headers=world.admin,
        )
        assert created.status_code == 201, created.json
        hours = [{"weekday": 2, "start": "08:00", "end": "12:00"}]
        put = client.put(
            f"/api/v1/officers/{created.json['id']}/weekly-hours", json=hours, headers=world.admin
        )
        assert put.status_code == 200, put.json
        assert _officers_at_ten(client) == 4
        assert _officers_at_ten(other_client) == 3  # the other instance's snapshot is older

        # Bookings are never cached: what one instance books, the other sees at once.
        lars = world.company_officers[0]
        company = {"kind": "company", "organisation_number": "556036-0793"}
        first = client.post(
            "/api/v1/bookings", json=booking_payload(officer_id=lars, applicant=company)
        )
        assert first.status_code == 201, first.json
        overlapping = other_client.post(
            "/api/v1/bookings",
            json=booking_payload(
                officer_id=lars, start=f"{WEDNESDAY}T10:15:00+01:00", applicant=company
            ),
        )
        assert overlapping.status_code == 409, overlapping.json

        _expire_snapshots(monkeypatch)
        assert _officers_at_ten(other_client) == 4
    finally:
        with other.app_context():
            db.engine.dispose()


def test_a_snapshot_read_before_a_commit_is_not_kept(app: Flask, factory: Any, world: Any) -> None:
    with app.app_context():
        # This transaction reads before the officer below is committed elsewhere.
        db.session.execute(select(Officer.id)).all()
        officer = factory.officer(teams=[world.private_team], name="Sen")
        current_config()  # may miss the officer (SQLite reads its snapshot); must not be kept
        db.session.rollback()
    with app.app_context():
        assert officer in current_config().officers


def test_uncommitted_configuration_is_never_cached(app: Flask, world: Any) -> None:
    with app.app_context(), write_intent():
        team = db.session.get(Team, world.private_team)
        officer = Officer(name="Kanske", email="kanske@example.org", active=True, teams=[team])
        db.session.add(officer)
        db.session.flush()
        assert officer.id in current_config().officers  # this transaction sees its own rows
        officer_id = officer.id
        db.session.rollback()
    with app.app_context():
        assert officer_id not in current_config().officers


def test_bookings_do_not_invalidate_the_snapshot(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    with app.app_context():
        before = current_config()
    booked = client.post("/api/v1/bookings", json=booking_payload())
    assert booked.status_code == 201, booked.json
    with app.app_context():
        assert current_config() is before
