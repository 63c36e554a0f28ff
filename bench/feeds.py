"""Calendar-feed benchmark: an officer with 5,000 bookings, in-process through the real app.

Targets (issue 4): the full feed renders in a median of at most 150 ms; a 304 answer to a
client whose copy is current takes at most 5 ms.

`measure_feeds(database_url)` migrates the database to head (a no-op when it is there already),
adds a meeting type, a team and one officer of its own with 5,000 bookings inside the feed's
window (about 5 % cancelled in the last 30 days, a mix of private persons, companies and sole
traders, phone/video/visit, some with a case number or a description), and times
`GET /api/v1/officers/{id}/calendar.ics?token=…` through `app.test_client()`:

- full: no validator, so the feed is loaded and rendered every time (200, ~3.6 MB);
- not_modified: `If-None-Match` with the current ETag (304, one aggregate query);
- not_modified_since: `If-Modified-Since` with the current Last-Modified (304).

It works on an empty database or on the benchmark's seeded municipality (its own rows do not
touch the others). `python -m bench.feeds --db sqlite,postgres` runs it on a fresh SQLite file
(bench/.data/feeds.sqlite3) and a fresh PostgreSQL database (BENCH_POSTGRES_URL names the
server's maintenance database, as for bench/run.py) and prints the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import insert

from bench import cpu
from bench.dataset import DATA_DIR, NOW, STOCKHOLM, make_app, postgres_database, sqlite_database
from booking.auth.service import create_token
from booking.bookings.models import Booking
from booking.calendar.feeds import AHEAD_DAYS, PAST_DAYS
from booking.core.slots import local_instant
from booking.extensions import db
from booking.officers.models import Officer, officer_teams
from booking.teams.models import MeetingType, Team, team_meeting_types

BOOKINGS = 5000
SEED = 4
TARGETS_MS = {"full": 150.0, "not_modified": 5.0, "not_modified_since": 5.0}
LABELS = {
    "full": "GET calendar.ics, officer with 5,000 bookings, full render (200)",
    "not_modified": "GET calendar.ics, same officer, If-None-Match current (304)",
    "not_modified_since": "GET calendar.ics, same officer, If-Modified-Since current (304)",
}
SQLITE_PATH = DATA_DIR / "feeds.sqlite3"
SLUG = "feed-bench"
DURATION = 30
# Mon–Fri 08:00–17:00 on a 30-minute grid: 18 meetings a day, back to back.
DAY_STARTS = list(range(8 * 60, 17 * 60, DURATION))


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (as bench/run.py)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def _utc(instant: int) -> datetime:
    return datetime.fromtimestamp(instant, UTC)


def _starts(rng: random.Random) -> list[int]:
    """5,000 distinct grid starts (epoch seconds) from 29 days back to 380 days ahead."""
    today = NOW.astimezone(STOCKHOLM).date()
    first = today - timedelta(days=PAST_DAYS - 1)
    last = today + timedelta(days=min(380, AHEAD_DAYS - 1))
    days = [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if (first + timedelta(days=n)).weekday() < 5
    ]
    grid = [local_instant(day, minute, STOCKHOLM) for day in days for minute in DAY_STARTS]
    if len(grid) < BOOKINGS:  # pragma: no cover - the constants above leave room
        raise RuntimeError("the window has fewer grid starts than bookings")
    return sorted(rng.sample(grid, BOOKINGS))


def _booking_rows(
    rng: random.Random, *, officer_id: int, team_id: int, meeting_type_id: int
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, start in enumerate(_starts(rng)):
        kind = rng.random()
        is_cancelled = rng.random() < 0.05
        applicant_kind = "company" if kind < 0.25 else "private"
        identifier_kind = organisation_number = None
        if kind < 0.20:
            identifier_kind, organisation_number = "organisation_number", "556036-0793"
        elif kind < 0.25:
            identifier_kind, organisation_number = "personal_identity_number", "811218-****"
        updated = NOW - timedelta(days=rng.randint(0, 60), seconds=rng.randint(0, 86_399))
        rows.append(
            {
                # A "0" never occurs in the service's references: these cannot clash with them.
                "reference": f"FD0{number // 1000}-{number % 1000:04d}",
                "meeting_type_id": meeting_type_id,
                "team_id": team_id,
                "officer_id": officer_id,
                "start_at": _utc(start),
                "end_at": _utc(start + DURATION * 60),
                "busy_start_at": _utc(start),
                "busy_end_at": _utc(start + DURATION * 60),
                "mode": rng.choice(("phone", "video", "in_person")),
                "status": "cancelled" if is_cancelled else "confirmed",
                "applicant_kind": applicant_kind,
                "applicant_name": f"Åsa Öberg-Sökande {number}",
                "applicant_email": f"sokande{number}@example.org",
                "applicant_phone": f"+467012{number:05d}",
                "identifier_kind": identifier_kind,
                "organisation_number": organisation_number,
                "property_designation": f"SJÖDALEN {number % 97 + 1}:{number % 13 + 1}",
                "case_number": f"BYGG 2027-{number:06d}" if rng.random() < 0.3 else None,
                "description": (
                    "Tillbyggnad av altan; 3,5 m mot söder, skärmtak och förråd.\nRitningar finns."
                    if rng.random() < 0.3
                    else None
                ),
                "language": rng.choice(("sv", "sv", "en")),
                "channel": "web",
                "created_by_token_id": None,
                "manage_token_hash": hashlib.sha256(f"feed-bench-{number}".encode()).hexdigest(),
                "team_reason": "bench seed",
                "officer_reason": "bench seed",
                "officer_requested": False,
                "sequence": rng.choice((0, 0, 0, 1, 2)) + (1 if is_cancelled else 0),
                "created_at": updated - timedelta(days=rng.randint(0, 30)),
                "updated_at": updated,
                "cancelled_at": NOW - timedelta(days=rng.randint(0, 25)) if is_cancelled else None,
                "cancel_reason": None,
            }
        )
    return rows


def seed_officer(app: Flask) -> tuple[int, str]:
    """Migrate, add the officer with 5,000 bookings; return (officer id, admin token)."""
    from flask_migrate import upgrade

    rng = random.Random(SEED)
    with app.app_context():
        upgrade()
        session = db.session
        meeting_type = MeetingType(
            slug=SLUG,
            name="Bygglovsrådgivning",
            duration_minutes=DURATION,
            buffer_before_minutes=0,
            buffer_after_minutes=0,
            slot_step_minutes=DURATION,
            modes=["phone", "video", "in_person"],
            horizon_days=366,
            created_at=NOW - timedelta(days=365),
        )
        team = Team(
            slug=SLUG,
            name="Bygglov, feed-benchmark",
            applicant_kind="private",
            created_at=NOW - timedelta(days=365),
        )
        officer = Officer(
            name="Handläggare Kalendersson",
            email="kalendersson@example.org",
            active=True,
            created_at=NOW - timedelta(days=365),
        )
        session.add_all([meeting_type, team, officer])
        session.flush()
        session.execute(
            insert(team_meeting_types), [{"team_id": team.id, "meeting_type_id": meeting_type.id}]
        )
        session.execute(insert(officer_teams), [{"officer_id": officer.id, "team_id": team.id}])
        rows = _booking_rows(
            rng, officer_id=officer.id, team_id=team.id, meeting_type_id=meeting_type.id
        )
        session.execute(insert(Booking.__table__), rows)
        _, admin = create_token(name="feed-bench", role="admin")
        officer_id = officer.id
        session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
        db.session.remove()
    return officer_id, admin


def _series(client: Any, path: str, headers: dict[str, str], expected: int, n: int) -> Any:
    times: list[float] = []
    before = cpu.snapshot()
    response = None
    for _ in range(n):
        began = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append(time.perf_counter() - began)
        if response.status_code != expected:
            raise RuntimeError(f"GET {path.split('?')[0]} answered {response.status_code}")
    return times, cpu.split(before, cpu.snapshot()), response


def measure_feeds(
    database_url: str, *, renders: int = 40, revalidations: int = 300
) -> dict[str, Any]:
    """Seed an officer with 5,000 bookings and time the feed: full render, and 304s."""
    app = make_app(database_url)
    officer_id, admin = seed_officer(app)
    client = app.test_client()
    issued = client.post(
        f"/api/v1/officers/{officer_id}/feed-token", headers={"Authorization": f"Bearer {admin}"}
    )
    if issued.status_code != 201:
        raise RuntimeError(f"POST feed-token answered {issued.status_code}")
    path = f"/api/v1/officers/{officer_id}/calendar.ics?token={issued.get_json()['token']}"

    # Warm-up: imports, pools, statement caches, the VTIMEZONE cache.
    for _ in range(3):
        full = client.get(path)
    etag, last_modified = full.headers["ETag"], full.headers["Last-Modified"]
    for _ in range(20):
        client.get(path, headers={"If-None-Match": etag})

    results: dict[str, Any] = {
        "database": "PostgreSQL" if database_url.startswith("postgres") else "SQLite",
        "bookings": BOOKINGS,
        "events": full.data.count(b"BEGIN:VEVENT"),
        "bytes": len(full.data),
    }
    plan = {
        "full": ({}, 200, renders),
        "not_modified": ({"If-None-Match": etag}, 304, revalidations),
        "not_modified_since": ({"If-Modified-Since": last_modified}, 304, revalidations),
    }
    for name, (headers, expected, n) in plan.items():
        times, used, response = _series(client, path, headers, expected, n)
        median = statistics.median(times) * 1000
        if name == "full" and response is not None and response.data != full.data:
            raise RuntimeError("the feed changed between two renders of unchanged data")
        results[name] = {
            "label": LABELS[name],
            "median_ms": median,
            "p95_ms": percentile(times, 0.95) * 1000,
            "n": n,
            "target_ms": TARGETS_MS[name],
            "passed": median <= TARGETS_MS[name],
            "cpu": used,
        }
    with app.app_context():
        db.engine.dispose()
    return results


def _report(results: dict[str, Any]) -> str:
    lines = [
        f"{results['database']}: feed of {results['events']} events "
        f"({results['bytes'] / 1e6:.2f} MB) for an officer with {results['bookings']} bookings"
    ]
    for name in TARGETS_MS:
        stats = results[name]
        verdict = "PASS" if stats["passed"] else "FAIL"
        lines.append(
            f"  {stats['label']}: median {stats['median_ms']:.2f} ms, p95 {stats['p95_ms']:.2f} ms"
            f" (n={stats['n']}; target median ≤ {stats['target_ms']:.0f} ms: {verdict}; "
            f"CPU-s: {cpu.describe(stats['cpu'])})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.feeds --db sqlite,postgres`: print the feed timings of each database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--renders", type=int, default=40)
    parser.add_argument("--revalidations", type=int, default=300)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    missed = False
    for name in [d.strip() for d in args.db.split(",") if d.strip()]:
        if name not in ("sqlite", "postgres"):
            parser.error(f"unknown database {name!r}")
        database = sqlite_database(SQLITE_PATH) if name == "sqlite" else postgres_database()
        with database as url:
            results = measure_feeds(url, renders=args.renders, revalidations=args.revalidations)
        print(_report(results), flush=True)
        missed = missed or not all(results[k]["passed"] for k in TARGETS_MS)
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
