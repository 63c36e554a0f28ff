"""Where a granted POST /bookings spends its time.

`breakdown()` wraps the booking path's steps (in this process only; the app is not changed) and
times them per request with perf_counter: the search (busy time and the slot engine), the lock
and the fairness loads with their re-check, the insert, the outbox rows, the response, and what is
left for Flask, flask-smorest, Werkzeug, the test client and the commit. SQL statements are
counted from SQLAlchemy's engine events (SQLite's BEGIN included; savepoints are not statements
there).

`python -m bench.bookingprofile [--db sqlite|postgres] [-n N]` seeds a fresh database, prints
that breakdown and a cProfile of the same kind of requests.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event

import booking.bookings.service as booking_service
import booking.bookings.views as booking_views
from bench.dataset import MEETING_TYPE, NOW
from bench.slotprofile import _patched
from booking.extensions import db

# (module, function) pairs timed; a name the code no longer has is skipped.
STEPS: tuple[tuple[Any, str], ...] = (
    (booking_service, "book_slot"),
    (booking_service, "_claim_officer"),
    (booking_service, "free_officers_at"),
    (booking_service, "_lock_officers"),
    (booking_service, "_officer_loads"),
    (booking_service, "_flush_or_conflict"),
    (booking_service, "notify_booked"),
    (booking_views, "dump_booking"),
)


def free_starts(app: Flask, first_day: int, days: int, kind: str = "company") -> list[str]:
    """Whole-hour starts, once per free officer, `first_day` days after NOW (shuffled)."""
    client = app.test_client()
    first = NOW.date() + timedelta(days=first_day)
    slots = client.get(
        f"/api/v1/slots?meeting_type={MEETING_TYPE}&applicant_kind={kind}"
        f"&from={first.isoformat()}&to={(first + timedelta(days=days - 1)).isoformat()}"
    ).get_json()["slots"]
    starts = [
        slot["start"]
        for slot in slots
        if datetime.fromisoformat(slot["start"]).minute == 0
        for _ in range(int(slot["available_officers"]))
    ]
    random.Random(11).shuffle(starts)
    return starts


def _timed(
    current: dict[str, float], name: str, function: Callable[..., Any]
) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            current[name] = current.get(name, 0.0) + time.perf_counter() - began

    return wrapper


@contextmanager
def instrumented(app: Flask) -> Iterator[tuple[dict[str, float], list[int]]]:
    """Time the booking path's steps while the block runs; yields (timings, [statements])."""
    current: dict[str, float] = {}
    statements = [0]

    def count(*args: Any, **kwargs: Any) -> None:
        statements[0] += 1

    with app.app_context():
        engine = db.engine
    with ExitStack() as stack:
        for module, name in STEPS:
            if hasattr(module, name):
                function = getattr(module, name)
                stack.enter_context(_patched(module, name, _timed(current, name, function)))
        event.listen(engine, "before_cursor_execute", count)
        try:
            yield current, statements
        finally:
            event.remove(engine, "before_cursor_execute", count)


def breakdown(app: Flask, body: Callable[[int], dict[str, Any]], requests: int) -> dict[str, Any]:
    """Median milliseconds of each part of a granted booking over `requests` requests."""
    client = app.test_client()
    for i in range(5):
        client.post("/api/v1/bookings", json=body(10_000 + i))
    rows: list[dict[str, float]] = []
    with instrumented(app) as (current, statements):
        for i in range(requests):
            current.clear()
            before = statements[0]
            began = time.perf_counter()
            response = client.post("/api/v1/bookings", json=body(i))
            total = time.perf_counter() - began
            if response.status_code != 201:
                raise RuntimeError(
                    f"POST /bookings answered {response.status_code}: "
                    f"{response.get_data(as_text=True)[:300]}"
                )
            c = current
            claim = c.get("_claim_officer", 0.0)
            parts = ("free_officers_at", "_lock_officers", "_officer_loads")
            book = c.get("book_slot", 0.0)
            row = {
                "total": total,
                "search": c.get("free_officers_at", 0.0),
                "lock": c.get("_lock_officers", 0.0),
                "loads": c.get("_officer_loads", 0.0),
                "claim_rest": claim - sum(c.get(name, 0.0) for name in parts),
                "insert": c.get("_flush_or_conflict", 0.0),
                "outbox": c.get("notify_booked", 0.0),
                "dump": c.get("dump_booking", 0.0),
                "statements": float(statements[0] - before),
            }
            row["book_rest"] = book - claim - row["insert"] - row["outbox"]
            row["framework"] = total - book - row["dump"]
            rows.append(row)
    result: dict[str, Any] = {}
    for key in rows[0]:
        values = [row[key] for row in rows]
        result[key] = statistics.median(values) * (1.0 if key == "statements" else 1000.0)
    return result


BREAKDOWN_LABELS = (
    ("total", "whole request (test client)"),
    ("search", "search: free_officers_at (busy-time query + slot engine, one day)"),
    ("lock", "lock the free officers' rows (PostgreSQL)"),
    ("loads", "fairness loads (and, on PostgreSQL, the re-check under the lock)"),
    ("claim_rest", "choice + the rows the booking links to (one query)"),
    ("insert", "insert the booking (flush)"),
    ("outbox", "outbox rows (notify_booked)"),
    ("book_rest", "rest of book_slot (validation, routing from the cache)"),
    ("dump", "response body (dump_booking)"),
    ("framework", "Flask/smorest parsing/Werkzeug/test client/commit"),
)


def format_breakdown(result: dict[str, Any]) -> str:
    """A Markdown table of a booking breakdown."""
    lines = ["| part | median ms | share |", "|---|---:|---:|"]
    total = result["total"]
    for key, label in BREAKDOWN_LABELS:
        share = "" if key == "total" else f"{100 * result[key] / total:.0f} %"
        lines.append(f"| {label} | {result[key]:.2f} | {share} |")
    lines.append(f"| (SQL statements per booking) | {result['statements']:.0f} | |")
    return "\n".join(lines)


def main() -> int:
    """Seed a fresh database, then print the breakdown and a cProfile of granted bookings."""
    from bench.dataset import make_app, postgres_database, seed, sqlite_database
    from bench.run import booking_body

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    database = sqlite_database() if args.db == "sqlite" else postgres_database()
    with database as url:
        app = make_app(url)
        seed(app)
        starts = free_starts(app, 62, 28)
        if len(starts) < 2 * args.n + 10:
            raise SystemExit(f"only {len(starts)} free starts for {2 * args.n + 10} bookings")

        def body(number: int) -> dict[str, Any]:
            return booking_body(starts.pop(), "company", 70_000 + number)

        try:
            print(f"## POST /bookings on {args.db}: breakdown (median of {args.n})\n")
            print(format_breakdown(breakdown(app, body, args.n)))
            client = app.test_client()
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(args.n):
                client.post("/api/v1/bookings", json=body(20_000 + i))
            profiler.disable()
            for order in ("tottime", "cumulative"):
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
                stats.print_stats(args.top)
                print(f"\n## cProfile, {args.n} requests, by {order}\n")
                print(out.getvalue())
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
