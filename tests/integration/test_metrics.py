"""`/metrics`: request and booking counters, slot-search latency, gauges read from the database."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from booking.db import write_intent
from booking.extensions import db
from tests.conftest import Clock
from tests.factories import booking_payload
from tests.support.gunicorn import Gunicorn, request

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: FlaskClient) -> Samples:
    """Every sample of the exposition, parsed by prometheus_client's own parser."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when the labelled child does not exist yet."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_request_latency_is_labelled_by_url_rule_and_status(client: FlaskClient) -> None:
    before = scrape(client)
    assert client.get("/api/v1/bookings/ZZZZ-9999").status_code in (401, 404)
    status = str(client.get("/api/v1/bookings/ZZZZ-9999").status_code)
    after = scrape(client)
    labels = {"method": "GET", "endpoint": "/api/v1/bookings/<string:reference>", "status": status}
    name = "booking_http_request_seconds_count"
    assert value(after, name, **labels) - value(before, name, **labels) == 2
    assert (
        value(after, "booking_http_requests_total", **labels)
        - value(before, "booking_http_requests_total", **labels)
        == 2
    )
    # Raw paths never become labels: references (and tokens) stay out of the metrics.
    assert not any("ZZZZ" in v for _, labels_ in after for _, v in labels_)


def test_bookings_are_counted_by_channel_once_committed(
    app: Flask, client: FlaskClient, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "booking_bookings_total"
    before = scrape(client)
    web = client.post("/api/v1/bookings", json=booking_payload())
    assert web.status_code == 201
    staff = client.post(
        "/api/v1/bookings",
        json=booking_payload(start="2027-03-04T10:00:00+01:00"),
        headers=world.service_center,
    )
    assert staff.status_code == 201
    taken = client.post(
        "/api/v1/bookings",
        json=booking_payload(officer_id=web.json["officer"]["id"], applicant={"email": "b@e.se"}),
    )
    assert taken.status_code == 409
    cancelled = client.post(
        f"/api/v1/bookings/{web.json['reference']}/cancel",
        json={},
        headers={"X-Booking-Token": web.json["manage_token"]},
    )
    assert cancelled.status_code == 200
    moved = client.post(
        f"/api/v1/bookings/{staff.json['reference']}/reschedule",
        json={"start": "2027-03-04T13:00:00+01:00"},
        headers=world.service_center,
    )
    assert moved.status_code == 200, moved.json

    # The service has done its work, but the commit fails: nothing happened, nothing counted.
    def failing_commit() -> None:
        raise OperationalError("COMMIT", {}, Exception("the database went away"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    lost = client.post("/api/v1/bookings", json=booking_payload(start="2027-03-05T10:00:00+01:00"))
    assert lost.status_code == 503
    monkeypatch.undo()

    after = scrape(client)

    def delta(action: str, channel: str) -> float:
        labels = {"action": action, "channel": channel}
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("created", "web") == 1
    assert delta("created", "service_center") == 1
    assert delta("cancelled", "web") == 1
    assert delta("rescheduled", "service_center") == 1
    assert delta("cancelled", "service_center") == delta("rescheduled", "web") == 0
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM bookings")).scalar_one() == 2
        db.session.rollback()


def test_slot_search_latency_is_observed(client: FlaskClient, world: Any) -> None:
    before = value(scrape(client), "booking_slot_search_seconds_count")
    response = client.get(
        "/api/v1/slots?meeting_type=bygglovsradgivning&applicant_kind=private"
        "&from=2027-03-02&to=2027-03-05"
    )
    assert response.status_code == 200
    assert value(scrape(client), "booking_slot_search_seconds_count") - before == 1


def test_gauges_come_from_the_database(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    empty = scrape(client)
    assert value(empty, "booking_metrics_database_up") == 1
    assert value(empty, "booking_outbox_messages", status="pending", channel="email") == 0
    assert value(empty, "booking_outbox_oldest_due_seconds") == 0
    assert value(empty, "booking_callbacks", status="open") == 0
    assert value(empty, "booking_calendar_sources_failing") == 0

    assert client.post("/api/v1/bookings", json=booking_payload()).status_code == 201
    callback = client.post(
        "/api/v1/callbacks",
        json={
            "applicant": {"kind": "private", "name": "Åsa Öberg", "phone": "070-123 45 67"},
            "topic": "Altan",
        },
        headers=world.service_center,
    )
    assert callback.status_code == 201, callback.json
    source = client.put(
        f"/api/v1/officers/{world.private_officers[0]}/calendar-source",
        json={"kind": "ics", "url": "https://outlook.example.org/cal.ics"},
        headers=world.admin,
    )
    assert source.status_code in (200, 201), source.json
    with app.app_context(), write_intent():
        db.session.execute(text("UPDATE calendar_sources SET last_error = 'HTTP 500'"))
        db.session.execute(text("UPDATE notifications SET status = 'dead' WHERE channel = 'sms'"))
        db.session.commit()
        pending_email = db.session.execute(
            text(
                "SELECT count(*) FROM notifications WHERE status = 'pending' AND channel = 'email'"
            )
        ).scalar_one()
        dead_sms = db.session.execute(
            text("SELECT count(*) FROM notifications WHERE status = 'dead' AND channel = 'sms'")
        ).scalar_one()
        db.session.rollback()
    assert pending_email > 0 and dead_sms > 0

    clock.advance(minutes=10)
    samples = scrape(client)
    assert value(samples, "booking_outbox_messages", status="pending", channel="email") == (
        pending_email
    )
    assert value(samples, "booking_outbox_messages", status="dead", channel="sms") == dead_sms
    # The confirmations became due when the booking was made, ten minutes ago.
    assert value(samples, "booking_outbox_oldest_due_seconds") == 600
    assert value(samples, "booking_callbacks", status="open") == 1
    assert value(samples, "booking_callbacks", status="overdue") == 0
    assert value(samples, "booking_calendar_sources_failing") == 1


@pytest.mark.slow
def test_gunicorn_workers_are_summed_and_log_json(
    app: Flask, database_url: str, tmp_path: Path, clock: Clock
) -> None:
    env = {
        "BOOKING_DATABASE_URL": database_url,
        "BOOKING_SECRET_KEY": "test-secret",
        "BOOKING_RATE_LIMIT": "off",
        "BOOKING_LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    with Gunicorn(env=env, now=clock(), log_path=tmp_path / "gunicorn.log", workers=2) as server:
        # A request whose head never ends keeps one worker busy reading it, so the next
        # requests are all answered by the other worker; then the first finishes its own.
        held = socket.create_connection(("127.0.0.1", server.port))
        try:
            held.sendall(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            for _ in range(10):
                assert request(server.port, "GET", "/readyz")[0] == 200
            held.sendall(b"Connection: close\r\n\r\n")
            assert held.recv(100).startswith(b"HTTP/1.1 200")
        finally:
            held.close()
        labels = {"method": "GET", "endpoint": "/readyz", "status": "200"}
        # Whichever worker answers the scrape, it reports both workers' requests.
        for _ in range(4):
            status, body = request(server.port, "GET", "/metrics")
            assert status == 200
            samples: Samples = {}
            for family in text_string_to_metric_families(body.decode()):
                for sample in family.samples:
                    samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
            assert value(samples, "booking_http_requests_total", **labels) == 11
            assert value(samples, "booking_http_request_seconds_count", **labels) == 11
            assert value(samples, "booking_metrics_database_up") == 1
        lines = server.log_lines()
    entries = [json.loads(line) for line in lines if line.strip()]  # gunicorn's lines too
    readyz = [e for e in entries if e.get("path") == "/readyz"]
    assert len(readyz) == 11
    assert all(e["status"] == 200 and e["request_id"] for e in readyz)
    assert any(e["logger"] == "gunicorn.error" for e in entries)
