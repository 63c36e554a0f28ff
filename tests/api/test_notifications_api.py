"""Staff's view of the outbox: listing by status, roles, and the retry of a dead message."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.db import write_intent
from booking.extensions import db
from booking.notifications.models import Notification
from tests.api.helpers import assert_problem, snapshot
from tests.factories import booking_payload


def _kill_sms(app: Flask) -> int:
    """Mark the applicant's SMS confirmation dead, as the dispatcher does after a 4xx."""
    with app.app_context(), write_intent():
        row = db.session.scalars(
            select(Notification).where(
                Notification.kind == "confirmation", Notification.channel == "sms"
            )
        ).one()
        row.status, row.attempts, row.last_error = "dead", 1, "PermanentSendError: 400 invalid"
        db.session.commit()
        return row.id


def test_dead_messages_are_listed_for_staff_and_can_be_retried(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    booking = client.post("/api/v1/bookings", json=booking_payload()).json
    dead_id = _kill_sms(app)

    for headers in (world.admin, world.service_center):
        listed = client.get("/api/v1/notifications?status=dead", headers=headers)
        assert listed.status_code == 200, listed.json
        assert [n["id"] for n in listed.json] == [dead_id]
        row = listed.json[0]
        assert row["booking"] == booking["reference"]
        assert row["channel"] == "sms" and row["recipient"] == "+46701234567"
        assert row["last_error"].startswith("PermanentSendError")

    by_booking = client.get(
        f"/api/v1/notifications?booking={booking['reference'].lower()}", headers=world.admin
    )
    assert len(by_booking.json) == 5

    retried = client.post(f"/api/v1/notifications/{dead_id}/retry", headers=world.service_center)
    assert retried.status_code == 200, retried.json
    assert retried.json["status"] == "pending" and retried.json["attempts"] == 0
    assert client.get("/api/v1/notifications?status=dead", headers=world.admin).json == []
    # Only dead or failed messages can be retried: a pending one is not sent twice by asking.
    assert_problem(client.post(f"/api/v1/notifications/{dead_id}/retry", headers=world.admin), 409)


def test_roles_and_bad_queries(app: Flask, client: FlaskClient, world: Any, factory: Any) -> None:
    client.post("/api/v1/bookings", json=booking_payload())
    dead_id = _kill_sms(app)
    officer = factory.token("officer", officer_id=world.private_officers[0])
    assert_problem(client.get("/api/v1/notifications"), 401)
    assert_problem(client.get("/api/v1/notifications", headers=officer), 403)
    before = snapshot(app)
    assert_problem(client.post(f"/api/v1/notifications/{dead_id}/retry", headers=officer), 403)
    assert_problem(client.post(f"/api/v1/notifications/{dead_id}/retry"), 401)
    assert_problem(client.post("/api/v1/notifications/999999/retry", headers=world.admin), 404)
    assert snapshot(app) == before
    assert_problem(
        client.get("/api/v1/notifications?status=lost", headers=world.admin), 422, "status"
    )
    assert_problem(client.get("/api/v1/notifications?limit=0", headers=world.admin), 422, "limit")
    assert_problem(client.get("/api/v1/notifications?limit=abc", headers=world.admin), 422, "limit")


def test_a_call_backs_messages_are_listed_by_call_back(client: FlaskClient, world: Any) -> None:
    from tests.api.test_callbacks import payload

    created = client.post("/api/v1/callbacks", json=payload(), headers=world.service_center)
    assert created.status_code == 201, created.json
    client.post("/api/v1/bookings", json=booking_payload())
    listed = client.get(f"/api/v1/notifications?callback={created.json['id']}", headers=world.admin)
    assert listed.status_code == 200, listed.json
    assert [(n["kind"], n["channel"], n["callback"], n["booking"]) for n in listed.json] == [
        ("callback_registered", "sms", created.json["id"], None)
    ]
    assert listed.json[0]["recipient"] == "+46701234567"
    assert_problem(
        client.get("/api/v1/notifications?callback=0", headers=world.admin), 422, "callback"
    )
