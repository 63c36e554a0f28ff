"""Two gunicorn instances and two workers on one PostgreSQL database, as in production.

Across instances: one winner when many requests race for one slot, every message delivered
exactly once, and one rate-limit budget (kept in Redis) for a client whatever instance it hits.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import and_, func, or_, select, text

from booking.extensions import db
from booking.notifications.models import CLAIMABLE, Notification
from tests.conftest import Clock, is_postgres
from tests.factories import booking_payload
from tests.support.gunicorn import ROOT, Gunicorn, request
from tests.support.sms import SmsGateway
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]

FLASK = Path(sys.executable).parent / "flask"
RACERS = 16  # split over both instances
BOOKINGS = 8  # distinct slots, booked through both instances
LIMIT = 40  # per client per hour: no window can end during the test
REDIS_URL = "redis://127.0.0.1:6379/0"


def _post(port: int, body: dict[str, Any]) -> int:
    return request(
        port,
        "POST",
        "/api/v1/bookings",
        json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )[0]


def _race(ports: list[int], bodies: list[dict[str, Any]]) -> Counter[int]:
    gate = threading.Barrier(len(bodies))
    statuses: list[int] = []
    lock = threading.Lock()

    def post(port: int, body: dict[str, Any]) -> None:
        gate.wait()
        status = _post(port, body)
        with lock:
            statuses.append(status)

    threads = [
        threading.Thread(target=post, args=(ports[i % len(ports)], body))
        for i, body in enumerate(bodies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return Counter(statuses)


def _due_left(app: Flask, clock: Clock) -> int:
    with app.app_context():
        # A row a worker is sending right now counts too: stopping the workers then would hand
        # it back unsent, and the test would be the one losing it.
        count = db.session.scalar(
            select(func.count()).where(
                or_(
                    and_(
                        Notification.status.in_(CLAIMABLE),
                        Notification.next_attempt_at <= clock(),
                    ),
                    Notification.status == "sending",
                )
            )
        )
        db.session.rollback()
        return int(count or 0)


def test_two_instances_and_two_workers_share_one_database(
    app: Flask,
    world: Any,
    clock: Clock,
    database_url: str,
    smtp_server: SmtpServer,
    sms_gateway: SmsGateway,
    tmp_path: Path,
) -> None:
    if not is_postgres(app):
        pytest.skip("several instances share a PostgreSQL database")
    env = {
        **smtp_server.config(),
        **sms_gateway.config(),
        "BOOKING_DATABASE_URL": database_url,
        "BOOKING_SECRET_KEY": "test-secret",
        "BOOKING_PUBLIC_URL": "http://booking.test",
        "BOOKING_RATE_LIMIT": f"{LIMIT}/hour",
        "BOOKING_REDIS_URL": REDIS_URL,
        # This run's own counters, whatever another run left in Redis.
        "BOOKING_RATE_LIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "BOOKING_DISPATCH_INTERVAL_SECONDS": "1",
        "BOOKING_DISPATCH_BATCH": "5",
        "BOOKING_CALENDAR_IMPORT_SECONDS": "3600",
    }
    with ExitStack() as stack:
        servers = [
            stack.enter_context(
                Gunicorn(env={**env}, now=clock(), log_path=tmp_path / f"web{i}.log", workers=2)
            )
            for i in range(2)
        ]
        ports = [server.port for server in servers]
        workers = [
            subprocess.Popen(
                [str(FLASK), "--app", "tests.support.wsgi:create_app()", "worker"],
                cwd=ROOT,
                env={**os.environ, **env, "BOOKING_TEST_NOW": clock().isoformat()},
                stdout=subprocess.DEVNULL,
                stderr=stack.enter_context(open(tmp_path / f"worker{i}.log", "wb")),
            )
            for i in range(2)
        ]
        stack.callback(_stop_all, workers)
        # Until a worker has started its scheduler, SIGTERM would end it the default way.
        for i in range(2):
            _wait_for_line(tmp_path / f"worker{i}.log", "worker: running")

        # 1. The race: one slot, one officer, requests split over both instances.
        officer = world.private_officers[0]
        racers = [
            booking_payload(
                officer_id=officer, applicant={"email": f"r{i}@example.org", "phone": None}
            )
            for i in range(RACERS)
        ]
        assert _race(ports, racers) == Counter({201: 1, 409: RACERS - 1})

        # 2. More bookings through both instances, each with its own e-mail and phone.
        starts = [
            f"2027-03-0{day}T{hour:02d}:00:00+01:00" for day in (4, 5) for hour in (9, 10, 13, 14)
        ]
        for i, start in enumerate(starts[:BOOKINGS]):
            body = booking_payload(
                start=start,
                officer_id=officer,
                applicant={"email": f"b{i}@example.org", "phone": f"070-000 00 {i:02d}"},
            )
            assert _post(ports[i % 2], body) == 201

        # 3. The shared budget: requests so far count against one limit in Redis, so whichever
        # instance (and gunicorn worker) answers, exactly LIMIT requests pass in all.
        used = RACERS + BOOKINGS
        statuses = Counter(_post(ports[i % 2], {}) for i in range(2 * LIMIT))
        assert statuses == Counter({422: LIMIT - used, 429: 2 * LIMIT - (LIMIT - used)})

        # 4. Exactly once: both workers dispatch until nothing is due.
        deadline = time.monotonic() + 120
        while _due_left(app, clock) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _due_left(app, clock) == 0
        _stop_all(workers)
        assert [worker.returncode for worker in workers] == [0, 0]

    with app.app_context():
        sent = Counter(
            dict(
                db.session.execute(
                    select(Notification.channel, func.count())
                    .where(Notification.status == "sent")
                    .group_by(Notification.channel)
                ).all()
            )
        )
        others = db.session.execute(
            text("SELECT status, count(*) FROM notifications GROUP BY status")
        ).all()
        db.session.rollback()
    assert sent["email"] > 0 and sent["sms"] == BOOKINGS, others
    mails = smtp_server.messages
    message_ids = [mail.message["Message-ID"] for mail in mails]
    assert len(mails) == sent["email"]
    assert len(set(message_ids)) == len(message_ids)
    phones = [sms.to for sms in sms_gateway.messages]
    assert len(phones) == sent["sms"] and len(set(phones)) == len(phones)


def _wait_for_line(path: Path, line: str) -> None:
    deadline = time.monotonic() + 60
    while line not in path.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{path.name}: no {line!r}"
        time.sleep(0.1)


def _stop_all(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)
