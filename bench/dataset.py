"""The seeded "municipality" dataset of the benchmarks, and the databases it lives in.

Two teams of 20 officers, Mon–Fri 08:00–16:00 with lunch 12–13, one 45-minute meeting type with
a 15-minute buffer after and a 15-minute grid, 6,000 confirmed bookings and 200 absences over
the 60 days from a fixed "now" (Monday 1 March 2027, 08:00 Stockholm). Deterministic: the same
seed gives the same rows on SQLite and PostgreSQL.

The schema is made by the migrations (as in production); the rows then go in with SQLAlchemy
core executemany. Every booking lies on the slot grid inside the officer's hours on an open
day (Swedish holidays and early closing respected), clear of the officer's absences and other
bookings, so the data is what the service itself could have produced.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import insert, make_url

from booking import create_app
from booking.bookings.models import Booking
from booking.core.calendar_days import OfficeCalendar
from booking.core.slots import local_instant
from booking.extensions import db
from booking.officers.models import Absence, Officer, WeeklyHours, officer_teams
from booking.teams.models import MeetingType, Team, team_meeting_types

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A fixed Monday morning; every process of a run (gunicorn workers included) uses it.
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=STOCKHOLM)
SEED = 20270301

DATA_DIR = Path(__file__).resolve().parent / ".data"
SQLITE_PATH = DATA_DIR / "bench.sqlite3"
DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"

MEETING_TYPE = "bygglovsradgivning"
OFFICERS_PER_TEAM = 20
BOOKINGS = 6000
ABSENCES = 200
DAYS = 60
DURATION = 45
BUFFER_AFTER = 15
STEP = 15
# Mon–Fri 08:00–12:00 and 13:00–16:00, local minutes.
HOURS = [(d, 8 * 60, 12 * 60) for d in range(5)] + [(d, 13 * 60, 16 * 60) for d in range(5)]
# Long enough that a 62-day request is answered in full (the data covers the first 60 days).
HORIZON_DAYS = 90
COMPANY_ORGANISATION_NUMBER = "556036-0793"

TEAMS = (
    ("bygglov-privat", "Bygglov privatpersoner", "private"),
    ("bygglov-foretag", "Bygglov företag", "company"),
)


def fixed_clock() -> datetime:
    """BOOKING_CLOCK of every benchmark app: always NOW."""
    return NOW


def bench_config(database_url: str) -> dict[str, Any]:
    """The app config of the benchmarks (in-process and under gunicorn)."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "bench-secret-not-for-production",
        "BOOKING_CLOCK": fixed_clock,
        "BOOKING_RATE_LIMIT": "off",
        "BOOKING_PUBLIC_URL": "http://bench.invalid",
    }


def make_app(database_url: str) -> Flask:
    """An app on the given database with the fixed clock."""
    app = create_app(bench_config(database_url))
    app.instance_path = str(DATA_DIR / "instance")
    return app


@dataclass
class Seeded:
    """What the run needs to know about the seeded rows."""

    team_officers: dict[str, list[int]] = field(default_factory=dict)
    bookings: int = 0
    absences: int = 0
    seconds: float = 0.0


# ---------------------------------------------------------------------------------------------
# Databases


@contextmanager
def sqlite_database(path: Path = SQLITE_PATH) -> Iterator[str]:
    """A fresh SQLite file under bench/.data/ (left in place afterwards for inspection)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(DATA_DIR / "instance", ignore_errors=True)
    yield f"sqlite:///{path}"


def postgres_admin_url() -> str:
    """The maintenance database used to create and drop the benchmark database."""
    return os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_ADMIN_URL


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database bench_<pid>_<random>, dropped afterwards whatever happens."""
    import psycopg

    url = make_url(postgres_admin_url())
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_server_version() -> str:
    """`SHOW server_version` of the benchmark's PostgreSQL, or why it is not reachable."""
    import psycopg

    url = make_url(postgres_admin_url())
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


# ---------------------------------------------------------------------------------------------
# Rows


def _utc(instant: int) -> datetime:
    return datetime.fromtimestamp(instant, UTC)


def _grid_starts(open_hours: list[tuple[int, int]]) -> list[int]:
    """Local-minute starts of the slot grid whose meeting and buffer fit in the hours."""
    span = DURATION + BUFFER_AFTER
    return [minute for start, end in open_hours for minute in range(start, end - span + 1, STEP)]


def _reference(rng: random.Random, used: set[str]) -> str:
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    while True:
        code = "".join(rng.choice(alphabet) for _ in range(8))
        reference = f"{code[:4]}-{code[4:]}"
        if reference not in used:
            used.add(reference)
            return reference


def _absences(
    rng: random.Random, officers: list[int], open_days: list[date]
) -> tuple[list[dict[str, Any]], dict[tuple[int, date], list[tuple[int, int]]]]:
    """200 absences: multi-day leave, whole days and a few hours; also the blocked local minutes."""
    rows: list[dict[str, Any]] = []
    blocked: dict[tuple[int, date], list[tuple[int, int]]] = {}
    for _ in range(ABSENCES):
        officer = rng.choice(officers)
        first = rng.choice(open_days)
        kind = rng.random()
        if kind < 0.15:
            length = rng.randint(2, 5)
            days = [first + timedelta(days=i) for i in range(length)]
            start = local_instant(first, 0, STOCKHOLM)
            end = local_instant(days[-1] + timedelta(days=1), 0, STOCKHOLM)
            spans = [(day, 0, 1440) for day in days]
            reason = "Semester"
        elif kind < 0.55:
            start = local_instant(first, 0, STOCKHOLM)
            end = local_instant(first + timedelta(days=1), 0, STOCKHOLM)
            spans = [(first, 0, 1440)]
            reason = "Ledig"
        else:
            begin = rng.randrange(8 * 60, 15 * 60, 15)
            finish = min(begin + rng.choice((60, 90, 120, 180, 240)), 16 * 60)
            start = local_instant(first, begin, STOCKHOLM)
            end = local_instant(first, finish, STOCKHOLM)
            spans = [(first, begin, finish)]
            reason = "Utbildning"
        for day, begin_minute, end_minute in spans:
            blocked.setdefault((officer, day), []).append((begin_minute, end_minute))
        rows.append(
            {
                "officer_id": officer,
                "start_at": _utc(start),
                "end_at": _utc(end),
                "reason": reason,
                "created_at": NOW - timedelta(days=rng.randint(1, 90)),
            }
        )
    return rows, blocked


def _bookings(
    rng: random.Random,
    officer_team: dict[int, tuple[int, str]],
    meeting_type_id: int,
    open_days: list[date],
    calendar: OfficeCalendar,
    blocked: dict[tuple[int, date], list[tuple[int, int]]],
) -> list[dict[str, Any]]:
    """6,000 bookings on free grid starts, never overlapping per officer (buffers included)."""
    span = DURATION + BUFFER_AFTER
    weekly: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in HOURS:
        weekly.setdefault(weekday, []).append((start, end))
    # Candidate starts per officer-day, minus what the officer's absences block.
    candidates: dict[tuple[int, date], list[int]] = {}
    for officer in sorted(officer_team):
        for day in open_days:
            starts = _grid_starts(calendar.open_minutes(day, weekly.get(day.weekday(), [])))
            for begin, end in blocked.get((officer, day), []):
                starts = [s for s in starts if s + span <= begin or s >= end]
            if starts:
                candidates[(officer, day)] = starts
    keys = sorted(candidates)
    rows: list[dict[str, Any]] = []
    used_references: set[str] = set()
    while len(rows) < BOOKINGS:
        if not keys:
            raise RuntimeError("the dataset does not fit: no free grid start is left")
        index = rng.randrange(len(keys))
        key = keys[index]
        starts = candidates[key]
        minute = starts[rng.randrange(len(starts))]
        # The chosen busy span [minute, minute + span) rules out every start within a span of it.
        remaining = [s for s in starts if abs(s - minute) >= span]
        if remaining:
            candidates[key] = remaining
        else:
            keys[index] = keys[-1]
            keys.pop()
        officer, day = key
        team_id, kind = officer_team[officer]
        start = local_instant(day, minute, STOCKHOLM)
        number = len(rows)
        rows.append(
            {
                "reference": _reference(rng, used_references),
                "meeting_type_id": meeting_type_id,
                "team_id": team_id,
                "officer_id": officer,
                "start_at": _utc(start),
                "end_at": _utc(start + DURATION * 60),
                "busy_start_at": _utc(start),
                "busy_end_at": _utc(start + span * 60),
                "mode": rng.choice(("phone", "video", "in_person")),
                "status": "confirmed",
                "applicant_kind": kind,
                "applicant_name": f"Sökande {number}",
                "applicant_email": f"sokande{number}@example.org",
                "applicant_phone": f"+467012{number:05d}",
                "identifier_kind": "organisation_number" if kind == "company" else None,
                "organisation_number": COMPANY_ORGANISATION_NUMBER if kind == "company" else None,
                "property_designation": f"SJÖDALEN {number % 97 + 1}:{number % 13 + 1}",
                "case_number": None,
                "description": None,
                "language": "sv",
                "channel": "web",
                "created_by_token_id": None,
                "manage_token_hash": hashlib.sha256(f"bench-{number}".encode()).hexdigest(),
                "team_reason": "bench seed",
                "officer_reason": "bench seed",
                "officer_requested": False,
                "sequence": 0,
                "created_at": NOW - timedelta(days=rng.randint(1, 30)),
                "updated_at": NOW - timedelta(days=rng.randint(0, 1)),
                "cancelled_at": None,
                "cancel_reason": None,
            }
        )
    rows.sort(key=lambda row: row["created_at"])
    return rows


def seed(app: Flask) -> Seeded:
    """Migrate the empty database to head and fill it with the municipality dataset."""
    import time

    from flask_migrate import upgrade

    began = time.perf_counter()
    rng = random.Random(SEED)
    seeded = Seeded()
    with app.app_context():
        upgrade()
        session = db.session
        meeting_type = MeetingType(
            slug=MEETING_TYPE,
            name="Bygglovsrådgivning",
            duration_minutes=DURATION,
            buffer_before_minutes=0,
            buffer_after_minutes=BUFFER_AFTER,
            slot_step_minutes=STEP,
            modes=["phone", "video", "in_person"],
            min_notice_minutes=1440,
            staff_min_notice_minutes=0,
            horizon_days=HORIZON_DAYS,
            created_at=NOW - timedelta(days=365),
        )
        session.add(meeting_type)
        session.flush()
        officer_team: dict[int, tuple[int, str]] = {}
        for slug, name, kind in TEAMS:
            team = Team(
                slug=slug,
                name=name,
                applicant_kind=kind,
                email=f"{slug}@example.org",
                created_at=NOW - timedelta(days=365),
            )
            session.add(team)
            session.flush()
            session.execute(
                insert(team_meeting_types),
                [{"team_id": team.id, "meeting_type_id": meeting_type.id}],
            )
            ids = []
            for number in range(OFFICERS_PER_TEAM):
                officer = Officer(
                    name=f"Handläggare {slug} {number + 1}",
                    email=f"{slug}.{number + 1}@example.org",
                    active=True,
                    created_at=NOW - timedelta(days=365),
                )
                session.add(officer)
                session.flush()
                ids.append(officer.id)
                officer_team[officer.id] = (team.id, kind)
            seeded.team_officers[slug] = ids
            session.execute(
                insert(officer_teams), [{"officer_id": i, "team_id": team.id} for i in ids]
            )
            session.execute(
                insert(WeeklyHours.__table__),
                [
                    {"officer_id": i, "weekday": d, "start_minute": s, "end_minute": e}
                    for i in ids
                    for d, s, e in HOURS
                ],
            )
        settings = app.extensions["booking_calendar"]
        calendar = OfficeCalendar(
            early_closing_minute=settings["minute"], early_closing_days=settings["days"]
        )
        today = NOW.date()
        all_days = [today + timedelta(days=i) for i in range(DAYS)]
        open_days = [
            day for day in all_days if day.weekday() < 5 and calendar.open_minutes(day, [(0, 1440)])
        ]
        absence_rows, blocked = _absences(rng, sorted(officer_team), open_days)
        booking_rows = _bookings(rng, officer_team, meeting_type.id, open_days, calendar, blocked)
        session.execute(insert(Absence.__table__), absence_rows)
        session.execute(insert(Booking.__table__), booking_rows)
        session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
        seeded.bookings = len(booking_rows)
        seeded.absences = len(absence_rows)
        db.session.remove()
        db.engine.dispose()
    seeded.seconds = time.perf_counter() - began
    return seeded
