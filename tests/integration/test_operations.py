"""Operational behaviour: health, readiness, errors as problem documents, busy database → 503."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import make_url, text

from booking import create_app
from booking.db import write_intent
from booking.extensions import db
from tests.conftest import Clock, is_postgres
from tests.factories import booking_payload


def test_healthz_and_readyz(client: Any) -> None:
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json == {"status": "ready"}


def test_readyz_fails_when_migrations_are_not_at_head(app: Flask, client: Any) -> None:
    with app.app_context(), write_intent():
        (current,) = db.session.execute(text("SELECT version_num FROM alembic_version")).one()
        db.session.execute(text("UPDATE alembic_version SET version_num = 'behind'"))
        db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["Content-Type"] == "application/problem+json"
    finally:
        with app.app_context(), write_intent():
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
            db.session.commit()


def test_metrics_in_prometheus_text_format(client: Any) -> None:
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert "booking_http_requests_total" in body
    assert 'endpoint="/healthz"' in body


@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/no/such/page", 404),
    ("delete", "/api/v1/teams", 405),
    ("put", "/api/v1/bookings", 405),
])
def test_routing_errors_are_problem_documents(client: Any, method: str, path: str,
                                              status: int) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json["status"] == status and response.json["title"]


def test_unexpected_errors_are_500_problems_without_personal_data(
    app: Flask, world: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from booking.bookings import service

    def explode(**kwargs: Any) -> Any:
        raise RuntimeError(f"boom for {kwargs['data']['applicant']['email']}")

    monkeypatch.setattr(service, "book_slot", explode)
    caplog.set_level(logging.INFO)
    response = app.test_client().post("/api/v1/bookings", json=booking_payload(),
                                      headers={"X-Request-Id": "req-123"})
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json["request_id"] == "req-123"
    assert response.headers["X-Request-Id"] == "req-123"
    assert "asa@example.org" not in response.get_data(as_text=True)
    assert "req-123" in caplog.text and "RuntimeError" in caplog.text
    assert "asa@example.org" not in caplog.text


def test_a_busy_database_answers_503_with_retry_after(app: Flask, world: Any,
                                                      clock: Clock) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    impatient = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret", "BOOKING_CLOCK": clock,
        "BOOKING_SQLITE_BUSY_TIMEOUT_MS": 100, "BOOKING_LOCK_TIMEOUT_MS": 100,
    })
    officer = world.private_officers[0]
    if is_postgres(app):
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        holder: Any = psycopg.connect(dsn)
        holder.execute("SELECT id FROM officers WHERE id = %s FOR UPDATE", (officer,))
    else:
        import sqlite3

        holder = sqlite3.connect(make_url(url).database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    try:
        response = impatient.test_client().post(
            "/api/v1/bookings", json=booking_payload(officer_id=officer))
    finally:
        holder.rollback() if is_postgres(app) else holder.execute("ROLLBACK")
        holder.close()
        with impatient.app_context():
            db.engine.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.headers["Content-Type"] == "application/problem+json"
    count = app.test_client().get("/api/v1/bookings", headers=world.admin,
                                  query_string={"from": "2027-03-01", "to": "2027-03-31"})
    assert count.json == []


def test_bookings_of_every_meeting_type_block_the_officer(client: Any, factory: Any) -> None:
    long_type = factory.meeting_type(slug="lang", duration_minutes=90, buffer_after_minutes=0)
    short_type = factory.meeting_type(slug="kort", duration_minutes=30, buffer_after_minutes=0)
    team = factory.team(meeting_types=[long_type, short_type])
    officer = factory.officer(teams=[team])
    booked = client.post("/api/v1/bookings", json=booking_payload(meeting_type="lang"))
    assert booked.status_code == 201 and booked.json["officer"]["id"] == officer
    clash = client.post("/api/v1/bookings", json=booking_payload(
        meeting_type="kort", start="2027-03-03T11:00:00+01:00",
        applicant={"email": "b@example.org"}))
    assert clash.status_code == 409
    after = client.post("/api/v1/bookings", json=booking_payload(
        meeting_type="kort", start="2027-03-03T11:30:00+01:00",
        applicant={"email": "b@example.org"}))
    assert after.status_code == 201
