"""Dispatch throughput: 10,000 due notifications, 2 worker processes, sinks on loopback.

The sinks are the test suite's real servers (tests/support: aiosmtpd for SMTP, a 46elks-shaped
HTTP gateway), each in a process of its own so that neither shares an interpreter lock with the
other or with the workers. Half the messages are e-mails with their iCalendar part, half SMS,
each to its own recipient, so "delivered exactly once" is a count of distinct recipients.

Run alone with `python -m bench.outbox [--db sqlite,postgres] [--count N] [--workers N]`;
`make bench` runs it as part of bench/run.py.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import sys
import time
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from bench.dataset import bench_config, make_app, postgres_database, seed, sqlite_database
from booking.db import write_intent
from booking.extensions import db

TARGET_PER_SECOND = 500


def _sink(kind: str, ready: Any, stop: Any, results: Any) -> None:
    """Run one sink until told to stop, then report every recipient it accepted."""
    from tests.support.sms import SmsGateway
    from tests.support.smtp import SmtpServer

    if kind == "smtp":
        mail = SmtpServer().start()
        ready.put({"BOOKING_SMTP_URL": mail.url})
        stop.wait()
        received = [to for message in mail.messages for to in message.rcpt_tos]
        mail.stop()
    else:
        gateway = SmsGateway().start()
        ready.put(gateway.config())
        stop.wait()
        received = [message.to for message in gateway.messages]
        gateway.stop()
    results.put({"kind": kind, "received": received, "cpu_seconds": time.process_time()})


def _worker(database_url: str, settings: dict[str, Any], gate: Any, results: Any) -> None:
    """One dispatcher process: build the app, wait at the gate, send everything due."""
    from booking import create_app
    from booking.notifications.dispatch import dispatch_due

    app = create_app({**bench_config(database_url), **settings})
    with app.app_context():
        # Connect before the clock starts, as a long-running worker would have.
        db.session.execute(select(1))
        db.session.rollback()
    gate.wait()
    started, cpu_started = time.perf_counter(), time.process_time()
    with app.app_context():
        report = dispatch_due(now_fn=app.config["BOOKING_CLOCK"])
    results.put(
        {
            "report": vars(report),
            "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - cpu_started,
        }
    )


def _queue_notifications(app: Any, count: int) -> None:
    """`count` due messages, alternating e-mail and SMS, over as many bookings as needed."""
    from booking.bookings.models import Booking
    from booking.notifications.models import Notification

    now: datetime = app.config["BOOKING_CLOCK"]()
    with app.app_context(), write_intent():
        bookings = db.session.scalars(
            select(Booking.id).where(Booking.status == "confirmed").order_by(Booking.id)
        ).all()
        rows = []
        for i in range(count):
            channel = "email" if i % 2 == 0 else "sms"
            rows.append(
                {
                    "idempotency_key": f"bench:{i}",
                    "kind": "confirmation",
                    "channel": channel,
                    "audience": "applicant",
                    "booking_id": bookings[(i // 2) % len(bookings)],
                    "booking_version": 0,
                    "recipient": f"a{i}@bench.invalid" if channel == "email" else f"+4670{i:07d}",
                    "language": "sv" if i % 4 < 2 else "en",
                    "due_at": now,
                    "next_attempt_at": now,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(insert(Notification), rows)
        db.session.commit()


def measure_dispatch(database_url: str, *, count: int, workers: int) -> dict[str, Any]:
    """Dispatch `count` due messages with `workers` processes; return rate and correctness."""
    app = make_app(database_url)
    seed(app)
    _queue_notifications(app, count)
    with app.app_context():
        db.engine.dispose()
    context = multiprocessing.get_context("spawn")
    ready, stop, sink_results = context.Queue(), context.Event(), context.Queue()
    sinks = [
        context.Process(target=_sink, args=(k, ready, stop, sink_results)) for k in ("smtp", "sms")
    ]
    for sink in sinks:
        sink.start()
    settings: dict[str, Any] = {}
    for _ in sinks:
        settings.update(ready.get(timeout=30))
    gate, results = context.Barrier(workers + 1), context.Queue()
    procs = [
        context.Process(target=_worker, args=(database_url, settings, gate, results))
        for _ in range(workers)
    ]
    try:
        for proc in procs:
            proc.start()
        gate.wait(timeout=60)
        started = time.perf_counter()
        reports = [results.get(timeout=600) for _ in procs]
        elapsed = time.perf_counter() - started
        stop.set()
        sink_reports = [sink_results.get(timeout=60) for _ in sinks]
        received = [to for report in sink_reports for to in report["received"]]
    finally:
        stop.set()
        for proc in [*procs, *sinks]:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
    copies = Counter(received)
    sent = sum(r["report"]["sent"] for r in reports)
    return {
        "count": count,
        "workers": workers,
        "seconds": elapsed,
        "per_second": count / elapsed if elapsed else 0.0,
        "sent": sent,
        "per_worker": [r["report"]["sent"] for r in reports],
        # CPU a worker spends per message: what the rate would be with CPUs of its own.
        "worker_cpu_ms_per_message": 1000 * sum(r["cpu_seconds"] for r in reports) / count,
        "sink_cpu_ms_per_message": {
            r["kind"]: round(1000 * r["cpu_seconds"] / max(1, len(r["received"])), 3)
            for r in sink_reports
        },
        "received": len(received),
        "distinct": len(copies),
        "duplicates": sum(n - 1 for n in copies.values() if n > 1),
        "exactly_once": len(copies) == count and len(received) == count and sent == count,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the dispatch benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="postgres")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    for name in args.db.split(","):
        database: contextlib.AbstractContextManager[str] = (
            postgres_database() if name == "postgres" else sqlite_database()
        )
        with database as url:
            result = measure_dispatch(url, count=args.count, workers=args.workers)
        print(name, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
