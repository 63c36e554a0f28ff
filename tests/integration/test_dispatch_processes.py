"""Exactly once across processes: two dispatchers share one outbox; a killed one loses nothing."""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select

from booking.db import write_intent
from booking.extensions import db
from booking.notifications.models import Notification
from tests.conftest import Clock
from tests.factories import booking_payload
from tests.integration.dispatch_worker import claim_and_hang, dispatch
from tests.support.sms import SmsGateway

COUNT = 1000


def _due_sms(app: Flask, client: FlaskClient, clock: Clock, count: int) -> None:
    """One booking and `count` due SMS about it, each to its own number."""
    body = booking_payload(applicant={"phone": None})
    assert client.post("/api/v1/bookings", json=body).status_code == 201
    with app.app_context(), write_intent():
        booking_id = db.session.scalar(select(Notification.booking_id).limit(1))
        # Only the rows of this test are due: the booking's own messages are set aside.
        db.session.execute(Notification.__table__.delete())
        now = clock()
        db.session.execute(
            insert(Notification),
            [
                {
                    "idempotency_key": f"bulk:{i}",
                    "kind": "confirmation",
                    "channel": "sms",
                    "audience": "applicant",
                    "booking_id": booking_id,
                    "booking_version": 0,
                    "recipient": f"+4670{i:07d}",
                    "language": "sv",
                    "due_at": now,
                    "next_attempt_at": now,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(count)
            ],
        )
        db.session.commit()


def _status_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)
        ).all()
        db.session.rollback()
        return {status: count for status, count in rows}


def test_two_dispatcher_processes_send_each_message_exactly_once(
    app: Flask,
    client: FlaskClient,
    world: Any,
    clock: Clock,
    sms_gateway: SmsGateway,
    database_url: str,
) -> None:
    _due_sms(app, client, clock, COUNT)
    context = multiprocessing.get_context("spawn")
    gate = context.Barrier(2)
    results = context.Queue()
    # Small batches so the two processes interleave their claims many times over.
    settings = {**sms_gateway.config(), "BOOKING_DISPATCH_BATCH": 25}
    workers = [
        context.Process(target=dispatch, args=(database_url, clock(), settings, gate, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    received = [m.to for m in sms_gateway.messages]
    assert len(received) == COUNT
    assert len(set(received)) == COUNT
    assert sum(r["sent"] for r in reports) == COUNT
    # Both took part (otherwise this test would prove nothing about concurrent claims).
    assert all(r["sent"] > 0 for r in reports), reports
    assert _status_counts(app) == {"sent": COUNT}


def test_a_killed_dispatcher_loses_nothing_and_doubles_nothing(
    app: Flask,
    client: FlaskClient,
    world: Any,
    clock: Clock,
    sms_gateway: SmsGateway,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _due_sms(app, client, clock, 20)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    lease_seconds = 120
    victim = context.Process(
        target=claim_and_hang,
        args=(database_url, clock(), sms_gateway.config(), lease_seconds, results),
    )
    victim.start()
    try:
        claimed = results.get(timeout=60)
    except queue.Empty:
        victim.kill()
        pytest.fail("the dispatcher process did not claim")
    assert len(claimed) == 20
    assert victim.pid is not None
    os.kill(victim.pid, signal.SIGKILL)
    victim.join(timeout=30)
    assert victim.exitcode == -signal.SIGKILL
    assert _status_counts(app) == {"sending": 20}

    from booking.notifications.dispatch import dispatch_due

    for key, value in sms_gateway.config().items():
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        # Within the dead worker's lease nobody touches its rows …
        clock.advance(seconds=lease_seconds - 1)
        assert dispatch_due(now_fn=clock).claimed == 0
        # … after it, they are sent, once each.
        clock.advance(seconds=1)
        report = dispatch_due(now_fn=clock)
    assert report.sent == 20
    assert len(sms_gateway.messages) == 20
    assert len({m.to for m in sms_gateway.messages}) == 20
    assert _status_counts(app) == {"sent": 20}
    with app.app_context():
        attempts = set(db.session.scalars(select(Notification.attempts)))
        db.session.rollback()
    # The lost claim counted as an attempt: a message that kills its worker every time ends dead.
    assert attempts == {2}
