"""Where a GET /slots request spends its time.

`breakdown()` wraps the slot search's steps (in this process only; the app is not changed) and
times them per request with perf_counter, which costs far less than a profiler: SQL
(cursor.execute, from SQLAlchemy's engine events), loading rows and grouping them, the core
computation, formatting the slots, json.dumps, and what is left for Flask, flask-smorest,
Werkzeug and the test client.

`python -m bench.slotprofile [--db sqlite|postgres] [--query team30|team62|officer30] [-n N]`
seeds a fresh database, prints that breakdown and a cProfile of the same requests (sorted by own
time, then cumulative), to find the hot functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event

import booking.availability.service as slot_service
import booking.availability.views as slot_views
from bench.dataset import MEETING_TYPE, NOW, Seeded
from booking.extensions import db

FIRST_DAY: date = NOW.date()
STEPS = ("get_meeting_type", "route_team", "load_schedules", "office_calendar", "compute_slots")


def slot_path(
    *, days: int, index: int, seeded: Seeded, officer: bool = False, kind: str = "private"
) -> str:
    """The index-th request of a series: the window start moves over the dataset's days."""
    spread = 10 if days > 31 else 30
    first = FIRST_DAY + timedelta(days=index % spread)
    last = first + timedelta(days=days - 1)
    path = (
        f"/api/v1/slots?meeting_type={MEETING_TYPE}&applicant_kind={kind}"
        f"&from={first.isoformat()}&to={last.isoformat()}"
    )
    if officer:
        officers = seeded.team_officers["bygglov-privat"]
        path += f"&officer={officers[index % len(officers)]}"
    return path


QUERIES: dict[str, Callable[[int, Seeded], str]] = {
    "team30": lambda i, s: slot_path(days=30, index=i, seeded=s),
    "team62": lambda i, s: slot_path(days=62, index=i, seeded=s),
    "officer30": lambda i, s: slot_path(days=30, index=i, seeded=s, officer=True),
}


class _Recorder:
    def __init__(self) -> None:
        self.sql = 0.0
        self.queries = 0
        self.current: dict[str, float] = {}
        self._sql_started: list[float] = []

    def before(self, *args: Any, **kwargs: Any) -> None:
        self._sql_started.append(time.perf_counter())

    def after(self, *args: Any, **kwargs: Any) -> None:
        self.sql += time.perf_counter() - self._sql_started.pop()
        self.queries += 1

    def timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            sql_before = self.sql
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                ended = time.perf_counter()
                self.current[name] = self.current.get(name, 0.0) + ended - began
                self.current[f"{name}.sql"] = (
                    self.current.get(f"{name}.sql", 0.0) + self.sql - sql_before
                )
                self.current[f"{name}.end"] = ended

        return wrapper


class _JsonShim:
    """Stands in for the `json` module inside booking.availability.views."""

    def __init__(self, recorder: _Recorder, real: Any) -> None:
        self._recorder = recorder
        self._real = real

    def dumps(self, *args: Any, **kwargs: Any) -> str:
        began = time.perf_counter()
        try:
            return str(self._real.dumps(*args, **kwargs))
        finally:
            self._recorder.current["dumps.start"] = began
            self._recorder.current["dumps"] = time.perf_counter() - began


@contextmanager
def _patched(obj: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, original)


@contextmanager
def instrumented(app: Flask) -> Iterator[_Recorder]:
    """Time the slot search's steps while the block runs (this process only)."""
    recorder = _Recorder()
    with app.app_context():
        engine = db.engine
    with ExitStack() as stack:
        for name in STEPS:
            stack.enter_context(
                _patched(slot_service, name, recorder.timed(name, getattr(slot_service, name)))
            )
        stack.enter_context(
            _patched(
                slot_views.service,
                "find_slots",
                recorder.timed("find_slots", slot_service.find_slots),
            )
        )
        stack.enter_context(_patched(slot_views, "json", _JsonShim(recorder, slot_views.json)))
        event.listen(engine, "before_cursor_execute", recorder.before)
        event.listen(engine, "after_cursor_execute", recorder.after)
        try:
            yield recorder
        finally:
            event.remove(engine, "before_cursor_execute", recorder.before)
            event.remove(engine, "after_cursor_execute", recorder.after)


def breakdown(app: Flask, path: Callable[[int], str], requests: int = 100) -> dict[str, Any]:
    """Median milliseconds of each part of a slot request over `requests` requests."""
    client = app.test_client()
    for i in range(10):
        client.get(path(i))
    rows: list[dict[str, float]] = []
    with instrumented(app) as recorder:
        for i in range(requests):
            recorder.current = {}
            queries_before = recorder.queries
            began = time.perf_counter()
            response = client.get(path(i))
            total = time.perf_counter() - began
            if response.status_code != 200:
                raise RuntimeError(f"GET {path(i)} answered {response.status_code}")
            c = recorder.current
            inside = sum(c.get(name, 0.0) for name in STEPS)
            row = {
                "total": total,
                "queries": float(recorder.queries - queries_before),
                "sql": sum(c.get(f"{name}.sql", 0.0) for name in STEPS),
                "meeting_type_and_team": c.get("get_meeting_type", 0.0) + c.get("route_team", 0.0),
                "load_schedules": c.get("load_schedules", 0.0),
                "load_schedules_sql": c.get("load_schedules.sql", 0.0),
                "office_calendar": c.get("office_calendar", 0.0),
                "compute_slots": c.get("compute_slots", 0.0),
                "rest_of_search": c.get("find_slots", 0.0) - inside,
                "formatting": c.get("dumps.start", 0.0) - c.get("find_slots.end", 0.0),
                "json_dumps": c.get("dumps", 0.0),
                "slots": float(len(response.get_json()["slots"])),
                "bytes": float(len(response.data)),
            }
            row["framework"] = total - (
                c.get("find_slots", 0.0) + row["formatting"] + row["json_dumps"]
            )
            rows.append(row)
    result: dict[str, Any] = {}
    for key in rows[0]:
        values = [row[key] for row in rows]
        scale = 1.0 if key in ("queries", "slots", "bytes") else 1000.0
        result[key] = statistics.median(values) * scale
    return result


BREAKDOWN_LABELS = (
    ("total", "whole request (test client)"),
    ("meeting_type_and_team", "meeting type + team routing (cached configuration)"),
    ("load_schedules", "load_schedules (busy time: bookings + absences, one query)"),
    ("load_schedules_sql", "  of which SQL cursor.execute"),
    ("office_calendar", "office_calendar (cached with the closures)"),
    ("compute_slots", "core compute_slots"),
    ("rest_of_search", "rest of find_slots (window, notice)"),
    ("formatting", "formatting slots (fromtimestamp + isoformat)"),
    ("json_dumps", "json.dumps"),
    ("framework", "Flask/smorest/Werkzeug/test client/session"),
)


def format_breakdown(result: dict[str, Any]) -> str:
    """A Markdown table of a breakdown."""
    lines = ["| part | median ms | share |", "|---|---:|---:|"]
    total = result["total"]
    for key, label in BREAKDOWN_LABELS:
        share = "" if key == "total" else f"{100 * result[key] / total:.0f} %"
        lines.append(f"| {label} | {result[key]:.2f} | {share} |")
    lines.append(
        f"| (SQL cursor.execute in all, {result['queries']:.0f} queries) | {result['sql']:.2f} | "
        f"{100 * result['sql'] / total:.0f} % |"
    )
    lines.append(
        f"| (slots returned / response bytes) | {result['slots']:.0f} / {result['bytes']:.0f} | |"
    )
    return "\n".join(lines)


def main() -> int:
    """Seed a fresh database, then print the breakdown and a cProfile of one query series."""
    from bench.dataset import make_app, postgres_database, seed, sqlite_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--query", choices=sorted(QUERIES), default="team30")
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    database = sqlite_database() if args.db == "sqlite" else postgres_database()
    with database as url:
        app = make_app(url)
        seeded = seed(app)
        query = QUERIES[args.query]

        def path(i: int) -> str:
            return query(i, seeded)

        try:
            print(f"## {args.query} on {args.db}: breakdown (median of {args.n})\n")
            print(format_breakdown(breakdown(app, path, args.n)))
            client = app.test_client()
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(args.n):
                client.get(path(i))
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
