"""`flask --app booking worker` on SIGTERM: finishes the message in hand, gives back the rest."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select, update

from booking.bookings.models import Booking
from booking.db import write_intent
from booking.extensions import db
from booking.notifications.models import Notification
from tests.conftest import Clock
from tests.factories import booking_payload
from tests.support.gunicorn import ROOT
from tests.support.sms import SmsGateway

pytestmark = pytest.mark.slow

COUNT = 6
FLASK = Path(sys.executable).parent / "flask"
# Long past and far ahead, so the worker (on the real clock) finds the messages due and their
# meeting still to come whatever the date of the run.
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
FAR_AHEAD = datetime(2099, 1, 7, 9, 0, tzinfo=UTC)


def _due_messages(app: Flask, client: FlaskClient) -> None:
    assert client.post("/api/v1/bookings", json=booking_payload()).status_code == 201
    with app.app_context(), write_intent():
        booking_id = db.session.scalar(select(Booking.id))
        db.session.execute(Notification.__table__.delete())
        end = FAR_AHEAD + timedelta(minutes=45)
        db.session.execute(
            update(Booking).values(
                start_at=FAR_AHEAD, end_at=end, busy_start_at=FAR_AHEAD, busy_end_at=end
            )
        )
        db.session.execute(
            insert(Notification),
            [
                {
                    "idempotency_key": f"stop:{i}",
                    "kind": "confirmation",
                    "channel": "sms",
                    "audience": "applicant",
                    "booking_id": booking_id,
                    "booking_version": 0,
                    "recipient": f"+4670{i:07d}",
                    "language": "sv",
                    "due_at": LONG_AGO,
                    "next_attempt_at": LONG_AGO,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": LONG_AGO,
                    "updated_at": LONG_AGO,
                }
                for i in range(COUNT)
            ],
        )
        db.session.commit()


def _rows(app: Flask) -> list[Any]:
    with app.app_context():
        rows = db.session.execute(
            select(
                Notification.recipient,
                Notification.status,
                Notification.attempts,
                Notification.claim_token,
            ).order_by(Notification.id)
        ).all()
        db.session.rollback()
        return list(rows)


def test_sigterm_finishes_the_message_in_hand_and_releases_the_rest(
    app: Flask,
    client: FlaskClient,
    world: Any,
    clock: Clock,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _due_messages(app, client)
    arrived, release = threading.Event(), threading.Event()
    seen = 0
    gateway = SmsGateway().start()
    answer = gateway._answer

    def held_answer(*args: Any) -> Any:
        # The second message is held at the gateway until the worker has been told to stop.
        nonlocal seen
        seen += 1
        if seen == 2:
            arrived.set()
            release.wait(60)
        return answer(*args)

    gateway._answer = held_answer  # type: ignore[method-assign]
    env = {
        **os.environ,
        **gateway.config(),
        "BOOKING_DATABASE_URL": database_url,
        "BOOKING_SECRET_KEY": "test-secret",
        "BOOKING_PUBLIC_URL": "http://booking.test",
        "BOOKING_DISPATCH_THREADS": "1",
        "BOOKING_DISPATCH_INTERVAL_SECONDS": "1",
        "BOOKING_CALENDAR_IMPORT_SECONDS": "3600",
        # Everything the worker writes is then one JSON object per line, its own lines too.
        "BOOKING_LOG_FORMAT": "json",
    }
    worker = subprocess.Popen(
        [str(FLASK), "--app", "booking", "worker"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert worker.stderr is not None
    reader = threading.Thread(target=lambda: [lines.put(x) for x in worker.stderr], daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        assert arrived.wait(60), "the worker never sent the second message"
        worker.send_signal(signal.SIGTERM)
        # Read the worker's output until it says it is stopping (queue.Empty after 60 s fails).
        while "worker: stopping" not in (line := lines.get(timeout=60)):
            continue
        stopping = json.loads(line)
        assert stopping["message"].startswith("worker: stopping")
        assert stopping["logger"] == "booking.worker"
        # Told to stop while the second message is on the wire: it must still be recorded.
        release.set()
        assert worker.wait(timeout=60) == 0
    finally:
        release.set()
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        gateway.stop()

    rows = _rows(app)
    sent = [r for r in rows if r.status == "sent"]
    assert [m.to for m in gateway.messages] == [r.recipient for r in sent]
    assert len(sent) == 2
    # The rest went back: pending, unclaimed, no attempt counted, due at once for another worker.
    assert {(r.status, r.attempts, r.claim_token) for r in rows if r.status != "sent"} == {
        ("pending", 0, None)
    }

    # Another dispatcher sends the rest, once each.
    again = SmsGateway().start()
    try:
        for key, value in again.config().items():
            monkeypatch.setitem(app.config, key, value)
        from booking.notifications.dispatch import dispatch_due

        with app.app_context():
            report = dispatch_due(now_fn=clock)
        assert report.sent == COUNT - 2
        assert sorted(m.to for m in again.messages) == sorted(
            r.recipient for r in rows if r.status != "sent"
        )
    finally:
        again.stop()
    assert {r.status for r in _rows(app)} == {"sent"}
