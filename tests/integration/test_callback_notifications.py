"""Call-back messages through the outbox: written with the call-back, sent by the dispatcher.

The applicant's SMS at registration and after unanswered calls arrive at a real 46elks-shaped
gateway on loopback; stale ones are skipped with their reason. The injected clock drives time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.db import write_intent
from booking.extensions import db
from booking.notifications.callbacks import booking_link, enqueue_callback_message
from booking.notifications.models import Notification
from tests.api.helpers import snapshot
from tests.conftest import STOCKHOLM, Clock
from tests.support.outbox import run_dispatcher
from tests.support.sms import SmsGateway
from tests.support.smtp import SmtpServer

CALLBACKS = "/api/v1/callbacks"


def _at(day: int, hour: int, minute: int = 0) -> str:
    return datetime(2027, 3, day, hour, minute, tzinfo=STOCKHOLM).isoformat()


def _register(client: FlaskClient, world: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "applicant": {"kind": "private", "name": "Åsa Öberg", "phone": "070-123 45 67"},
        "topic": "Altan på tomten",
        "window_start": _at(1, 13),
        "window_end": _at(1, 15),
        **overrides,
    }
    body = {key: value for key, value in body.items() if value is not ...}
    response = client.post(CALLBACKS, json=body, headers=world.service_center)
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.json)


def _attempt(client: FlaskClient, world: Any, callback_id: int, outcome: str) -> None:
    response = client.post(
        f"{CALLBACKS}/{callback_id}/attempts",
        json={"outcome": outcome},
        headers=world.service_center,
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def _rows(app: Flask) -> list[Notification]:
    with app.app_context():
        rows = list(db.session.scalars(select(Notification).order_by(Notification.id)))
        for row in rows:
            db.session.expunge(row)
        db.session.rollback()
        return rows


def test_registration_writes_the_sms_with_the_call_back(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    callback = _register(client, world)
    (row,) = _rows(app)
    assert (row.kind, row.channel, row.audience) == ("callback_registered", "sms", "applicant")
    assert row.callback_id == callback["id"] and row.booking_id is None
    assert row.recipient == "+46701234567" and row.status == "pending"
    assert row.officer_id == callback["officer"]["id"]
    assert row.idempotency_key == f"callback:{callback['id']}:callback_registered"


def test_a_refused_registration_writes_no_message(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    before = snapshot(app)
    response = client.post(
        CALLBACKS,
        json={"applicant": {"kind": "private", "name": "Å", "phone": "12"}, "topic": "x"},
        headers=world.service_center,
    )
    assert response.status_code == 422
    assert snapshot(app) == before


def test_the_sms_says_who_calls_and_when(
    app: Flask, client: FlaskClient, world: Any, outbound: tuple[SmtpServer, SmsGateway]
) -> None:
    _, sms = outbound
    callback = _register(client, world)
    assert run_dispatcher(app).sent == 1
    (message,) = sms.messages
    assert message.to == "+46701234567"
    officer = callback["officer"]["name"]
    assert message.message == (
        f"Hej Åsa Öberg! {officer} på Bygglovsavdelningen ringer dig i dag "
        'mellan 13:00 och 15:00 om "Altan på tomten".'
    )
    (row,) = _rows(app)
    assert row.status == "sent" and row.body == message.message


def test_in_english_the_date_is_written_out_when_not_today(
    app: Flask, client: FlaskClient, world: Any, outbound: tuple[SmtpServer, SmsGateway]
) -> None:
    _, sms = outbound
    callback = _register(
        client, world, window_start=_at(2, 13), window_end=_at(2, 15), language="en"
    )
    run_dispatcher(app)
    (message,) = sms.messages
    assert message.message.startswith(f"Hello Åsa Öberg! {callback['officer']['name']} at ")
    assert "will call you on Tuesday 2 March between 13:00 and 15:00" in message.message
    assert len(message.message) <= 160


def test_a_window_over_two_days_names_both(
    app: Flask, client: FlaskClient, world: Any, outbound: tuple[SmtpServer, SmsGateway]
) -> None:
    _, sms = outbound
    _register(client, world, window_start=..., window_end=...)  # 8 working hours from now
    run_dispatcher(app)
    (message,) = sms.messages
    assert "ringer dig mellan kl. 09:00 i dag och kl. 10:00 tisdag 2 mars" in message.message


def test_the_registration_sms_of_a_closed_call_back_is_superseded(
    app: Flask, client: FlaskClient, world: Any, outbound: tuple[SmtpServer, SmsGateway]
) -> None:
    _, sms = outbound
    callback = _register(client, world)
    _attempt(client, world, callback["id"], "reached")
    report = run_dispatcher(app)
    assert (report.superseded, report.sent) == (1, 0)
    assert sms.messages == []
    (row,) = _rows(app)
    assert row.status == "superseded" and row.skip_reason == "the call-back is already completed"


def test_the_registration_sms_expires_with_the_window(
    app: Flask,
    client: FlaskClient,
    world: Any,
    clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    _, sms = outbound
    _register(client, world)
    # The gateway was down all afternoon: "between 13:00 and 15:00" at 15:00 helps nobody.
    clock.set(datetime(2027, 3, 1, 15, 0, tzinfo=STOCKHOLM))
    assert run_dispatcher(app).expired == 1
    assert sms.messages == []


def test_unanswered_calls_send_the_booking_link(
    app: Flask, client: FlaskClient, world: Any, outbound: tuple[SmtpServer, SmsGateway]
) -> None:
    _, sms = outbound
    callback = _register(client, world)
    run_dispatcher(app)
    for _ in range(3):
        _attempt(client, world, callback["id"], "no_answer")
    rows = _rows(app)
    assert [r.kind for r in rows] == ["callback_registered", "callback_unreachable"]
    assert run_dispatcher(app).sent == 1
    link = booking_link(public_url="http://booking.test/")
    assert link == "http://booking.test/boka"
    assert sms.messages[-1].message == (
        'Hej Åsa Öberg! Bygglovsavdelningen har försökt ringa dig om "Altan på tomten" '
        "men inte nått dig. "
        f"Boka gärna en tid för rådgivning här: {link}"
    )


def test_a_wrong_number_gets_no_link(
    app: Flask, client: FlaskClient, world: Any, outbound: tuple[SmtpServer, SmsGateway]
) -> None:
    callback = _register(client, world)
    _attempt(client, world, callback["id"], "wrong_number")
    assert [r.kind for r in _rows(app)] == ["callback_registered"]


def test_a_message_is_enqueued_once_per_call_back_and_kind(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    callback = _register(client, world)
    officer = world.private_officers[0]
    with app.app_context(), write_intent():
        made = [
            enqueue_callback_message(
                callback_id=callback["id"],
                kind="callback_reminder",
                recipient="p0@example.org",
                language="sv",
                officer_id=officer,
                due_at=clock(),
                now=clock(),
            )
            for _ in range(2)
        ]
        db.session.commit()
    assert made == [True, False]
    assert [r.kind for r in _rows(app)] == ["callback_registered", "callback_reminder"]


def test_deleting_a_call_back_removes_its_messages(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    callback = _register(client, world)
    with app.app_context(), write_intent():
        db.session.execute(db.text("DELETE FROM callback_attempts"))
        db.session.execute(db.text("DELETE FROM callbacks WHERE id = :id"), {"id": callback["id"]})
        db.session.commit()
    assert _rows(app) == []


def test_staff_see_call_back_messages_in_the_outbox_listing(
    client: FlaskClient, world: Any
) -> None:
    _register(client, world)
    listed = client.get("/api/v1/notifications", headers=world.admin)
    assert listed.status_code == 200
    (row,) = listed.json
    assert (row["kind"], row["booking"], row["status"]) == ("callback_registered", None, "pending")
