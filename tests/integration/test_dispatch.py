"""The dispatcher against real servers on loopback: a real SMTP server and a 46elks-shaped gateway.

The injected clock drives every time-dependent step: no test waits for real time to pass.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.calendar.ics import parse_events
from booking.db import write_intent
from booking.extensions import db
from booking.notifications.dispatch import claim_due
from booking.notifications.models import Notification
from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload
from tests.support.outbox import run_dispatcher
from tests.support.sms import SmsGateway
from tests.support.smtp import SmtpServer


def _book(
    client: FlaskClient, headers: dict[str, str] | None = None, **overrides: Any
) -> dict[str, Any]:
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.json
    return dict(response.json)


def _statuses(app: Flask) -> dict[tuple[str, str, str, int], str]:
    with app.app_context():
        rows = db.session.scalars(select(Notification)).all()
        result = {(r.kind, r.audience, r.channel, r.booking_version): r.status for r in rows}
        db.session.rollback()
        return result


def _row(app: Flask, **where: Any) -> Notification:
    with app.app_context():
        query = select(Notification).filter_by(**where)
        row = db.session.scalars(query).one()
        db.session.expunge(row)
        db.session.rollback()
        return row


def _mails_to(smtp: SmtpServer, address: str) -> list[Any]:
    return [m for m in smtp.messages if address in m.rcpt_tos]


def _calendar(message: Any) -> tuple[str, dict[str, object]]:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert parts, "no text/calendar part"
    method = parts[0].get_param("method")
    (event,) = parse_events(parts[0].get_payload(decode=True))
    return str(method), event


def test_the_confirmation_arrives_by_mail_and_sms(
    app: Flask, client: FlaskClient, world: Any, outbound: tuple[SmtpServer, SmsGateway]
) -> None:
    smtp, sms = outbound
    booking = _book(client)
    report = run_dispatcher(app)
    assert (report.sent, report.failed, report.dead) == (3, 0, 0)

    (mail,) = _mails_to(smtp, "asa@example.org")
    message = mail.message
    assert "Bygglovsavdelningen" in str(message["From"])
    subject = str(message["Subject"])
    assert subject == "Bokningsbekräftelse: Bygglovsrådgivning onsdag 3 mars 2027 kl. 10:00"
    # Non-ASCII travels as an RFC 2047 encoded word, as the headers of a real mail must.
    assert b"Subject: =?utf-8?" in mail.data
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Åsa Öberg-Nguyễn" in text and "Åsa Öberg-Nguyễn" in html
    assert "onsdag 3 mars 2027" in text and "10:00" in text
    # The manage link in the mail works.
    link = next(w for w in text.split() if w.startswith("http://booking.test/"))
    assert client.get(link.removeprefix("http://booking.test")).status_code == 200
    method, event = _calendar(message)
    assert method == "REQUEST" and event["sequence"] == 0
    # The applicant's copy of the invitation carries their manage link; the officer's does not.
    assert booking["manage_token"] in str(event["description"])

    officer_mail = _mails_to(smtp, _row(app, audience="officer").recipient)
    assert len(officer_mail) == 1
    officer_text = officer_mail[0].message.get_body(preferencelist=("plain",)).get_content()
    assert booking["manage_token"] not in officer_text
    officer_method, officer_event = _calendar(officer_mail[0].message)
    assert officer_method == "REQUEST" and officer_event["uid"] == event["uid"]
    assert booking["manage_token"] not in str(officer_event["description"])

    (sent_sms,) = sms.messages
    assert sent_sms.to == "+46701234567"
    assert booking["reference"] in sent_sms.message

    statuses = _statuses(app)
    assert statuses["confirmation", "applicant", "email", 0] == "sent"
    assert statuses["confirmation", "applicant", "sms", 0] == "sent"
    assert statuses["reminder", "applicant", "email", 0] == "pending"
    # What was sent is kept for staff, but never the manage token itself.
    kept = _row(app, kind="confirmation", channel="email", audience="applicant")
    assert kept.body and booking["reference"] in kept.body
    assert booking["manage_token"] not in kept.body
    # Nothing more is due: a second run sends nothing again.
    assert run_dispatcher(app).claimed == 0
    assert len(smtp.messages) == 2 and len(sms.messages) == 1


def test_move_and_cancel_mails_carry_the_same_uid_with_growing_sequence(
    app: Flask, client: FlaskClient, world: Any, outbound: tuple[SmtpServer, SmsGateway]
) -> None:
    smtp, sms = outbound
    booking = _book(client, applicant={"phone": None})
    headers = {"X-Booking-Token": booking["manage_token"]}
    base = f"/api/v1/bookings/{booking['reference']}"
    run_dispatcher(app)
    moved = client.post(
        f"{base}/reschedule", json={"start": "2027-03-04T10:00:00+01:00"}, headers=headers
    )
    assert moved.status_code == 200
    run_dispatcher(app)
    assert client.post(f"{base}/cancel", json={}, headers=headers).status_code == 200
    run_dispatcher(app)

    mails = _mails_to(smtp, "asa@example.org")
    assert len(mails) == 3
    calendars = [_calendar(m.message) for m in mails]
    assert [method for method, _ in calendars] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [event["sequence"] for _, event in calendars] == [0, 1, 2]
    assert len({event["uid"] for _, event in calendars}) == 1
    moved_text = mails[1].message.get_body(preferencelist=("plain",)).get_content()
    assert "torsdag 4 mars 2027" in moved_text
    assert sms.messages == []


def test_reminders_go_out_when_due(
    app: Flask,
    client: FlaskClient,
    world: Any,
    clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    smtp, sms = outbound
    _book(client)
    run_dispatcher(app)
    smtp.reset()
    sms.reset()
    # One minute before the day-before reminder: nothing.
    clock.set(datetime(2027, 3, 2, 9, 59, tzinfo=STOCKHOLM))
    assert run_dispatcher(app).claimed == 0
    clock.advance(minutes=1)
    assert run_dispatcher(app).sent == 1
    assert len(_mails_to(smtp, "asa@example.org")) == 1
    clock.set(datetime(2027, 3, 3, 8, 0, tzinfo=STOCKHOLM))
    assert run_dispatcher(app).sent == 1
    (reminder,) = sms.messages
    assert "10:00" in reminder.message


def test_stale_reminders_are_not_sent_new_ones_are(
    app: Flask,
    client: FlaskClient,
    world: Any,
    clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    smtp, sms = outbound
    booking = _book(client)
    headers = {"X-Booking-Token": booking["manage_token"]}
    # The first SMS reminder has failed for good and sits dead when the booking moves …
    with app.app_context(), write_intent():
        row = db.session.scalars(
            select(Notification).where(
                Notification.kind == "reminder", Notification.channel == "sms"
            )
        ).one()
        row.status = "dead"
        dead_id = row.id
        db.session.commit()
    moved = client.post(
        f"/api/v1/bookings/{booking['reference']}/reschedule",
        json={"start": "2027-03-05T10:00:00+01:00"},
        headers=headers,
    )
    assert moved.status_code == 200
    # … and staff retry it afterwards: the dispatcher re-reads the booking and does not send it.
    assert (
        client.post(f"/api/v1/notifications/{dead_id}/retry", headers=world.admin).status_code
        == 200
    )
    # Past both old reminder times, before the new ones.
    clock.set(datetime(2027, 3, 3, 9, 0, tzinfo=STOCKHOLM))
    report = run_dispatcher(app)
    assert report.superseded == 1
    assert _row(app, id=dead_id).skip_reason == "the booking was changed"
    old_reminders = [s for k, s in _statuses(app).items() if k[0] == "reminder" and k[3] == 0]
    assert old_reminders == ["superseded", "superseded"]
    assert all("påminnelse" not in str(m.message["Subject"]).lower() for m in smtp.messages)
    smtp.reset()
    sms.reset()
    clock.set(datetime(2027, 3, 5, 8, 30, tzinfo=STOCKHOLM))
    assert run_dispatcher(app).sent == 2
    assert len(_mails_to(smtp, "asa@example.org")) == 1 and len(sms.messages) == 1
    assert sms.messages[0].message.startswith("Påminnelse: fre 5 mars kl. 10:00.")


def test_after_hours_down_only_meetings_still_ahead_are_reminded(
    app: Flask,
    client: FlaskClient,
    world: Any,
    clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    _, sms = outbound
    early = _book(client)
    late = _book(client, start="2027-03-03T14:00:00+01:00", applicant={"phone": "0701112233"})
    # The worker was down from Monday until Wednesday 12:30: the 10:00 meeting has been held,
    # the 14:00 meeting is still ahead (its SMS reminder fell due at 12:00).
    clock.set(datetime(2027, 3, 3, 12, 30, tzinfo=STOCKHOLM))
    report = run_dispatcher(app)
    with app.app_context():
        rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        by_booking: dict[str, dict[tuple[str, str, str], str]] = {}
        for r in rows:
            assert r.booking is not None
            key = (r.kind, r.audience, r.channel)
            by_booking.setdefault(r.booking.reference, {})[key] = r.status
        db.session.rollback()
    early_rows, late_rows = by_booking[early["reference"]], by_booking[late["reference"]]
    assert set(early_rows.values()) == {"expired"}
    assert set(late_rows.values()) == {"sent"}
    assert report.sent == len(late_rows) == 5
    assert {m.to for m in sms.messages} == {"+46701112233"}


def test_gateway_5xx_is_retried_with_growing_delays_then_dead(
    app: Flask,
    client: FlaskClient,
    world: Any,
    clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, sms = outbound
    monkeypatch.setitem(app.config, "BOOKING_NOTIFY_MAX_ATTEMPTS", 5)
    sms.fail(None, 503)
    _book(client)
    delays = []
    for attempt in range(1, 6):
        before = clock()
        run_dispatcher(app)
        row = _row(app, kind="confirmation", channel="sms")
        assert row.attempts == attempt
        if attempt < 5:
            assert row.status == "failed" and "503" in (row.last_error or "")
            delay = row.next_attempt_at - before
            delays.append(delay)
            # Not retried a second early …
            clock.set(row.next_attempt_at - timedelta(seconds=1))
            assert run_dispatcher(app).claimed == 0
            # … and retried once it is due.
            clock.set(row.next_attempt_at)
    assert row.status == "dead"
    assert len([a for a in sms.attempts if a.to == "+46701234567"]) == 5
    base = app.config["BOOKING_NOTIFY_RETRY_SECONDS"]
    for n, delay in enumerate(delays, start=1):
        ceiling = base * 2 ** (n - 1)
        assert ceiling / 2 <= delay.total_seconds() <= ceiling
    assert delays == sorted(delays)
    listed = client.get("/api/v1/notifications?status=dead", headers=world.admin).json
    assert [(n["channel"], n["attempts"]) for n in listed] == [("sms", 5)]


def test_gateway_4xx_and_smtp_550_are_dead_at_once_451_is_retried(
    app: Flask, client: FlaskClient, world: Any, outbound: tuple[SmtpServer, SmsGateway]
) -> None:
    smtp, sms = outbound
    sms.fail("+46701234567", 400, reason="invalid to number")
    smtp.refuse_recipient("asa@example.org", reply="550 5.1.1 No such user")
    _book(client)
    officer_address = _row(app, kind="confirmation", audience="officer").recipient
    smtp.refuse_recipient(officer_address, reply="451 4.3.0 Try again later")
    report = run_dispatcher(app)
    assert (report.dead, report.failed, report.sent) == (2, 1, 0)
    statuses = _statuses(app)
    assert statuses["confirmation", "applicant", "sms", 0] == "dead"
    assert statuses["confirmation", "applicant", "email", 0] == "dead"
    assert statuses["confirmation", "officer", "email", 0] == "failed"
    assert len(sms.attempts) == 1


def test_a_claim_whose_lease_ran_out_is_taken_over_and_fenced(
    app: Flask,
    client: FlaskClient,
    world: Any,
    clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    smtp, sms = outbound
    _book(
        client,
        headers=world.service_center,
        applicant={"email": None},
        mode="phone",
        start="2027-03-03T13:00:00+01:00",
    )
    lease = timedelta(seconds=app.config["BOOKING_NOTIFY_LEASE_SECONDS"])
    with app.app_context():
        stale_token, ids = claim_due(now=clock(), limit=10, lease=lease)
    assert len(ids) == 2  # the applicant's SMS and the officer's mail
    # The claiming worker died: nothing is sent while its lease lasts …
    clock.advance(seconds=lease.total_seconds() - 1)
    assert run_dispatcher(app).claimed == 0
    # … and everything once it has run out, exactly once.
    clock.advance(seconds=1)
    assert run_dispatcher(app).sent == 2
    assert len(sms.messages) == 1 and len(smtp.messages) == 1
    # The dead worker's claim can no longer record anything.
    from booking.notifications.dispatch import _mark

    with app.app_context():
        assert _mark(ids[0], stale_token, now=clock(), status="failed") is False
    assert _row(app, id=ids[0]).status == "sent"


def test_the_log_backends_keep_bodies_and_tokens_out_of_the_log(
    app: Flask, client: FlaskClient, world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    booking = _book(client)
    with caplog.at_level(logging.DEBUG):
        report = run_dispatcher(app)
    assert report.sent == 3
    logged = caplog.text
    assert "mail" in logged.lower() or "sms" in logged.lower()
    for secret in (booking["manage_token"], "asa@example.org", "+46701234567", "0701234567"):
        assert secret not in logged


def test_a_move_to_another_officer_cancels_in_the_first_officers_calendar(
    app: Flask,
    client: FlaskClient,
    world: Any,
    factory: Any,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    smtp, _ = outbound
    booking = _book(client, applicant={"phone": None})
    run_dispatcher(app)
    first = _row(app, kind="confirmation", audience="officer").recipient
    factory.absence(
        officer_id=booking["officer"]["id"],
        start=datetime(2027, 3, 4, 0, 0, tzinfo=STOCKHOLM),
        end=datetime(2027, 3, 5, 0, 0, tzinfo=STOCKHOLM),
    )
    moved = client.post(
        f"/api/v1/bookings/{booking['reference']}/reschedule",
        json={"start": "2027-03-04T10:00:00+01:00"},
        headers={"X-Booking-Token": booking["manage_token"]},
    )
    assert moved.status_code == 200
    smtp.reset()
    assert run_dispatcher(app).sent == 3
    second = _row(app, kind="confirmation", audience="officer", booking_version=1).recipient
    assert second != first
    (to_first,) = _mails_to(smtp, first)
    method, event = _calendar(to_first.message)
    assert method == "CANCEL" and event["sequence"] == 1
    assert event["attendees"] == [f"mailto:{first}"]
    (to_second,) = _mails_to(smtp, second)
    method, new_event = _calendar(to_second.message)
    assert method == "REQUEST" and new_event["uid"] == event["uid"]
