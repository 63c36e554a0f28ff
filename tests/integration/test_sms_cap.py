"""The daily SMS cap per applicant number (SMS pumping), via the dispatcher and a real gateway."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.extensions import db
from booking.notifications.models import Notification
from tests.conftest import Clock
from tests.factories import booking_payload
from tests.support.outbox import run_dispatcher
from tests.support.sms import SmsGateway
from tests.support.smtp import SmtpServer

NUMBER = "+46701234567"
OTHER = "+46709876543"
# Free Wednesday times of the standard world's private team.
STARTS = (
    "2027-03-03T10:00:00+01:00",
    "2027-03-03T13:00:00+01:00",
    "2027-03-03T14:00:00+01:00",
    "2027-03-03T15:00:00+01:00",
)


def _book(client: FlaskClient, start: str, phone: str = "070-123 45 67") -> str:
    response = client.post(
        "/api/v1/bookings", json=booking_payload(start=start, applicant={"phone": phone})
    )
    assert response.status_code == 201, response.json
    return str(response.json["reference"])


def _confirmation_sms(app: Flask) -> list[Notification]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(Notification)
                .where(Notification.channel == "sms", Notification.kind == "confirmation")
                .order_by(Notification.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        db.session.rollback()
        return rows


@pytest.fixture
def cap_of_two(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """BOOKING_SMS_DAILY_CAP=2 for this test."""
    monkeypatch.setitem(app.config, "BOOKING_SMS_DAILY_CAP", 2)


def test_sms_beyond_the_daily_cap_are_not_sent_and_marked_dead_with_the_reason(
    app: Flask,
    client: FlaskClient,
    world: Any,
    outbound: tuple[SmtpServer, SmsGateway],
    cap_of_two: None,
) -> None:
    smtp, sms = outbound
    for start in STARTS[:3]:
        _book(client, start)
    _book(client, STARTS[3], phone="070-987 65 43")

    report = run_dispatcher(app)

    assert [m.to for m in sms.messages].count(NUMBER) == 2
    assert [m.to for m in sms.messages].count(OTHER) == 1  # another number has its own budget
    rows = _confirmation_sms(app)
    capped = [r for r in rows if r.status == "dead"]
    assert len(capped) == 1 and capped[0].recipient == NUMBER
    assert capped[0].last_error is not None and "daily SMS cap" in capped[0].last_error
    assert capped[0].sent_at is None and capped[0].body is None
    # Only SMS are capped: every confirmation e-mail went out.
    assert len([m for m in smtp.messages if "asa@example.org" in m.rcpt_tos]) == 4
    assert report.dead == 1
    # Staff see it among the dead messages.
    dead = app.test_client().get(
        "/api/v1/notifications?status=dead", headers=world.service_center
    )
    assert dead.status_code == 200, dead.json
    assert [n["id"] for n in dead.json] == [capped[0].id]


def test_the_cap_counts_what_earlier_runs_sent_and_rolls_over_after_24_hours(
    app: Flask,
    client: FlaskClient,
    clock: Clock,
    world: Any,
    outbound: tuple[SmtpServer, SmsGateway],
    cap_of_two: None,
) -> None:
    _, sms = outbound
    _book(client, STARTS[0])
    _book(client, STARTS[1])
    run_dispatcher(app)
    assert len(sms.messages) == 2

    clock.advance(hours=3)
    _book(client, STARTS[2])
    run_dispatcher(app)
    assert len(sms.messages) == 2
    capped = _confirmation_sms(app)[-1]
    assert capped.status == "dead"

    # A day after the first two, the number has budget again: a retry by staff goes out.
    clock.advance(hours=21, minutes=1)
    retried = app.test_client().post(
        f"/api/v1/notifications/{capped.id}/retry", headers=world.service_center
    )
    assert retried.status_code == 200, retried.json
    run_dispatcher(app)
    assert len(sms.messages) == 3
    assert _confirmation_sms(app)[-1].status == "sent"


def test_a_cap_of_zero_switches_the_cap_off(
    app: Flask,
    client: FlaskClient,
    world: Any,
    outbound: tuple[SmtpServer, SmsGateway],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, sms = outbound
    monkeypatch.setitem(app.config, "BOOKING_SMS_DAILY_CAP", 0)
    for start in STARTS:
        _book(client, start)
    run_dispatcher(app)
    assert len(sms.messages) == 4
    assert {r.status for r in _confirmation_sms(app)} == {"sent"}


def test_sms_another_worker_is_sending_count_against_the_cap_in_row_order(
    app: Flask,
    client: FlaskClient,
    world: Any,
    outbound: tuple[SmtpServer, SmsGateway],
    cap_of_two: None,
) -> None:
    from datetime import timedelta

    from booking.db import write_intent

    _, sms = outbound
    for start in STARTS[:3]:
        _book(client, start)
    first, second, third = _confirmation_sms(app)
    # Another worker has claimed the first and is sending it (its lease runs a while yet).
    with app.app_context(), write_intent():
        row = db.session.get(Notification, first.id)
        assert row is not None
        row.status, row.claim_token = "sending", "the-other-worker"
        row.next_attempt_at = row.next_attempt_at + timedelta(hours=1)
        db.session.commit()

    run_dispatcher(app)

    # With the one in flight ahead of them, only one more fits a cap of two.
    assert [m.to for m in sms.messages].count(NUMBER) == 1
    statuses = {r.id: r.status for r in _confirmation_sms(app)}
    assert statuses == {first.id: "sending", second.id: "sent", third.id: "dead"}
