"""Busy-time import benchmark: one officer's 2,000-event ICS file, imported by the real job code.

Target (issue 4): importing a 2,000-event ICS file with weekly recurrences takes at most 2 s.

`measure_import(database_url)` migrates the database to head (a no-op when it is there already),
adds a meeting type, a team and one officer of its own, generates a calendar of 2,000 VEVENTs
(seeded, so every run sees the same file) and serves it from a loopback HTTP server (the test
suite's tests/support/ics.py, with ETag and Last-Modified), sets it as the officer's ICS source,
and times `booking.calendar.imports.import_source` — what the `import-calendars` job runs for each
source — end to end: conditional GET, parse, expansion of the recurrences over the import window
(401 days), merge, and the replacement of the officer's busy rows in one transaction.

- full: the source's validators and digest are cleared before each run, so every run downloads,
  expands and rewrites everything (the first import of a calendar, or one that changed);
- unchanged: validators cleared but digest kept (a CalDAV source, or a server without ETags,
  whose calendar did not change): fetched and expanded, no rows rewritten;
- not_modified: the server answers 304 to If-None-Match.

The calendar: 2,000 events over the weeks around the benchmark's clock (1 March 2027), in office
hours, with TZID=Europe/Stockholm and a VTIMEZONE as Outlook and Google publish them:
1,300 weekly series (mostly open-ended, some with COUNT or UNTIL, some every other week, some on
two weekdays, some with EXDATEs), 100 moved or cancelled occurrences (RECURRENCE-ID), 450 single
meetings, 100 all-day events and 50 free (TRANSPARENT) ones.

`python -m bench.calendar_import --db sqlite,postgres` runs it on a fresh SQLite file
(bench/.data/calendar_import.sqlite3) and a fresh PostgreSQL database (BENCH_POSTGRES_URL names
the server's maintenance database, as for bench/run.py) and prints the figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from bench import cpu
from bench.dataset import DATA_DIR, NOW, STOCKHOLM, make_app, postgres_database, sqlite_database
from bench.feeds import percentile
from booking.calendar.ics import vtimezone_ical
from booking.calendar.imports import import_source
from booking.calendar.models import CalendarSource, ImportedBusy
from booking.calendar.sources import set_calendar_source
from booking.extensions import db
from booking.officers.models import Officer, WeeklyHours, officer_teams
from booking.teams.models import MeetingType, Team, team_meeting_types
from tests.support.ics import IcsServer

EVENTS = 2000
SEED = 2027
TARGET_SECONDS = 2.0
SLUG = "calendar-import-bench"
SQLITE_PATH = DATA_DIR / "calendar_import.sqlite3"
LABELS = {
    "full": "import, 2,000-event ICS file, everything new (200, rows rewritten)",
    "unchanged": "import, same file again without validators (200, no rows rewritten)",
    "not_modified": "import, server answers 304 to If-None-Match",
}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")


def _local(day: date, minute: int) -> str:
    return f"{day:%Y%m%d}T{minute // 60:02d}{minute % 60:02d}00"


def generate_calendar(events: int = EVENTS, seed: int = SEED) -> bytes:
    """A deterministic calendar of `events` VEVENTs (see the module's description)."""
    rng = random.Random(seed)
    today = NOW.astimezone(STOCKHOLM).date()
    monday = today - timedelta(days=today.weekday())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Bench//Handläggarens kalender//SV",
        "X-WR-CALNAME:Handläggare Kalendersson",
    ]
    body = [vtimezone_ical(STOCKHOLM, today.year - 1, today.year + 2).decode("utf-8").rstrip()]
    # 2,000 VEVENTs in all at the default size (an override is a VEVENT of its own).
    counts = {"series": 1300, "overrides": 100, "single": 450, "allday": 100, "free": 50}
    scale = events / EVENTS
    series: list[tuple[str, date, int, int]] = []

    def event(uid: str, *content: str) -> None:
        body.append(
            "\r\n".join(
                ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20270201T080000Z", *content, "END:VEVENT"]
            )
        )

    for n in range(int(counts["series"] * scale)):
        # Series that began up to a year ago and run on: their first occurrences lie before
        # the window, which the expansion has to walk past.
        first = monday - timedelta(weeks=rng.randint(0, 52)) + timedelta(days=rng.randint(0, 4))
        start = rng.choice(range(8 * 60, 16 * 60, 15))
        length = rng.choice((30, 45, 60, 60, 90))
        rule = "RRULE:FREQ=WEEKLY"
        shape = rng.random()
        if shape < 0.15:
            rule += f";COUNT={rng.randint(5, 40)}"
        elif shape < 0.25:
            until = first + timedelta(weeks=rng.randint(20, 80))
            rule += f";UNTIL={until:%Y%m%d}T230000Z"
        elif shape < 0.40:
            rule += ";INTERVAL=2"
        elif shape < 0.50:
            days = sorted(rng.sample(range(5), 2))
            first = first - timedelta(days=first.weekday()) + timedelta(days=days[0])
            rule += ";BYDAY=" + ",".join(WEEKDAYS[d] for d in days)
        content = [
            f"DTSTART;TZID=Europe/Stockholm:{_local(first, start)}",
            f"DTEND;TZID=Europe/Stockholm:{_local(first, start + length)}",
            f"SUMMARY:Återkommande möte {n}",
            rule,
        ]
        if rng.random() < 0.1:
            skipped = first + timedelta(weeks=rng.randint(1, 30))
            content.append(f"EXDATE;TZID=Europe/Stockholm:{_local(skipped, start)}")
        event(f"series-{n}@kalender.example.org", *content)
        series.append((f"series-{n}@kalender.example.org", first, start, length))

    for n in range(int(counts["overrides"] * scale)):
        uid, first, start, length = series[n * 7 % len(series)]
        day = first + timedelta(weeks=rng.randint(1, 8))
        moved = start + rng.choice((-60, 60, 120))
        event(
            uid,
            f"RECURRENCE-ID;TZID=Europe/Stockholm:{_local(day, start)}",
            f"DTSTART;TZID=Europe/Stockholm:{_local(day, moved)}",
            f"DTEND;TZID=Europe/Stockholm:{_local(day, moved + length)}",
            "SUMMARY:Flyttat möte",
            "STATUS:CANCELLED" if n % 3 == 0 else "STATUS:CONFIRMED",
            "SEQUENCE:1",
        )

    for n in range(int(counts["single"] * scale)):
        day = today + timedelta(days=rng.randint(-10, 380))
        start = rng.choice(range(8 * 60, 16 * 60, 15))
        event(
            f"single-{n}@kalender.example.org",
            f"DTSTART;TZID=Europe/Stockholm:{_local(day, start)}",
            f"DTEND;TZID=Europe/Stockholm:{_local(day, start + rng.choice((30, 60, 120)))}",
            f"SUMMARY:Möte {n}; plats: rum 3\\, plan 2",
            "DESCRIPTION:Förberedelse\\nAgenda bifogad",
        )
    for n in range(int(counts["allday"] * scale)):
        day = today + timedelta(days=rng.randint(0, 380))
        event(
            f"allday-{n}@kalender.example.org",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=rng.choice((1, 1, 1, 5))):%Y%m%d}",
            "SUMMARY:Ledig",
        )
    for n in range(int(counts["free"] * scale)):
        day = today + timedelta(days=rng.randint(0, 380))
        event(
            f"free-{n}@kalender.example.org",
            f"DTSTART;TZID=Europe/Stockholm:{_local(day, 12 * 60)}",
            f"DTEND;TZID=Europe/Stockholm:{_local(day, 13 * 60)}",
            "SUMMARY:Lunch",
            "TRANSP:TRANSPARENT",
        )
    return ("\r\n".join([*lines, *body, "END:VCALENDAR"]) + "\r\n").encode("utf-8")


def seed_officer(app: Any, url: str) -> int:
    """Migrate, add an officer whose ICS source is `url`; return the source's id."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        session = db.session
        meeting_type = MeetingType(
            slug=SLUG,
            name="Bygglovsrådgivning",
            duration_minutes=45,
            buffer_before_minutes=0,
            buffer_after_minutes=15,
            slot_step_minutes=15,
            modes=["phone", "video", "in_person"],
            horizon_days=366,
        )
        team = Team(slug=SLUG, name="Bygglov, import-benchmark", applicant_kind="private")
        officer = Officer(name="Handläggare Kalendersson", email="k@example.org", active=True)
        officer.weekly_hours = [
            WeeklyHours(weekday=d, start_minute=480, end_minute=960) for d in range(5)
        ]
        session.add_all([meeting_type, team, officer])
        session.flush()
        session.execute(
            insert(team_meeting_types), [{"team_id": team.id, "meeting_type_id": meeting_type.id}]
        )
        session.execute(insert(officer_teams), [{"officer_id": officer.id, "team_id": team.id}])
        source = set_calendar_source(
            officer_id=officer.id, data={"kind": "ics", "url": url}, config=app.config, now=NOW
        )
        source_id = source.id
        session.commit()
        db.session.remove()
    return source_id


def _forget(app: Any, source_id: int, *, digest: bool) -> None:
    """Clear the source's validators (and digest): the next import fetches (and rewrites)."""
    with app.app_context():
        values: dict[str, Any] = {"etag": None, "last_modified": None}
        if digest:
            values["busy_digest"] = None
        db.session.execute(
            update(CalendarSource).where(CalendarSource.id == source_id).values(**values)
        )
        db.session.commit()
        db.session.remove()


def _series(app: Any, source_id: int, runs: int, expected: str, forget: str | None) -> Any:
    times: list[float] = []
    before = cpu.snapshot()
    for _ in range(runs):
        if forget is not None:
            _forget(app, source_id, digest=forget == "digest")
        with app.app_context():
            began = time.perf_counter()
            outcome, error = import_source(source_id=source_id, now=NOW)
            times.append(time.perf_counter() - began)
            db.session.remove()
        if outcome != expected:
            raise RuntimeError(f"import gave {outcome!r} ({error}), expected {expected!r}")
    return times, cpu.split(before, cpu.snapshot())


def measure_import(database_url: str, *, runs: int = 9) -> dict[str, Any]:
    """Time the import of one officer's 2,000-event ICS file (full, unchanged, 304)."""
    app = make_app(database_url)
    data = generate_calendar()
    server = IcsServer(data).start()
    try:
        source_id = seed_officer(app, server.url)
        # Warm-up: imports, pools, statement caches, zone data.
        _series(app, source_id, 2, "imported", "digest")
        plan = {
            "full": ("imported", "digest"),
            "unchanged": ("unchanged", "validators"),
            "not_modified": ("not_modified", None),
        }
        results: dict[str, Any] = {
            "database": "PostgreSQL" if database_url.startswith("postgres") else "SQLite",
            "events": data.count(b"BEGIN:VEVENT"),
            "bytes": len(data),
        }
        for name, (expected, forget) in plan.items():
            times, used = _series(app, source_id, runs, expected, forget)
            median = statistics.median(times)
            results[name] = {
                "label": LABELS[name],
                "median_s": median,
                "p95_s": percentile(times, 0.95),
                "n": runs,
                "target_s": TARGET_SECONDS,
                "passed": median <= TARGET_SECONDS,
                "cpu": used,
            }
        with app.app_context():
            source = db.session.get(CalendarSource, source_id)
            assert source is not None
            results["occurrences"] = source.events_imported
            results["intervals"] = db.session.scalar(
                select(func.count()).where(ImportedBusy.source_id == source_id)
            )
            db.session.execute(delete(ImportedBusy).where(ImportedBusy.source_id == source_id))
            db.session.execute(delete(CalendarSource).where(CalendarSource.id == source_id))
            db.session.commit()
            db.engine.dispose()
    finally:
        server.stop()
    return results


def _report(results: dict[str, Any]) -> str:
    lines = [
        f"{results['database']}: ICS file of {results['events']} events "
        f"({results['bytes'] / 1e3:.0f} kB): {results['occurrences']} busy occurrences in the "
        f"window, {results['intervals']} merged intervals stored"
    ]
    for name in LABELS:
        stats = results[name]
        verdict = "PASS" if stats["passed"] else "FAIL"
        lines.append(
            f"  {stats['label']}: median {stats['median_s'] * 1000:.0f} ms, "
            f"p95 {stats['p95_s'] * 1000:.0f} ms (n={stats['n']}; target median ≤ "
            f"{stats['target_s']:.0f} s: {verdict}; CPU-s: {cpu.describe(stats['cpu'])})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.calendar_import --db sqlite,postgres`: print the import timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    missed = False
    for name in [d.strip() for d in args.db.split(",") if d.strip()]:
        if name not in ("sqlite", "postgres"):
            parser.error(f"unknown database {name!r}")
        database = sqlite_database(SQLITE_PATH) if name == "sqlite" else postgres_database()
        with database as url:
            results = measure_import(url, runs=args.runs)
        print(_report(results), flush=True)
        missed = missed or not all(results[k]["passed"] for k in LABELS)
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
