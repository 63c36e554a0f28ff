"""A per-process cache of the booking configuration, kept as plain frozen values.

Meeting types (with their reminder policy), teams (their applicant kind and meeting types),
officers (active flag, teams, weekly hours) and office closures change a few times a year, yet
every GET /slots and POST /bookings needs them. Reading them costs 4–7 statements per request
(0.3–0.5 ms each on PostgreSQL); cached, a slot search is one statement (bookings, absences and
imported busy time together), and a booking reads twice before its insert (three times on
PostgreSQL, which also locks). What a booking needs of its officer beyond these (name, e-mail,
CalDAV calendar) is read with the officers' loads, in its own transaction, never cached.

How stale a snapshot can be:

- In this process a write is seen at once. Every ORM write to those tables through the app's
  session (admin API, CLI, test factories) drops the snapshot when it is flushed and again when
  its transaction ends; a session that has written such rows bypasses the cache until it ends, so
  uncommitted rows are never cached; and a snapshot loaded by a transaction that began before a
  write was committed is not kept (generation check). Writes that bypass the ORM session (raw
  SQL, another tool) are seen after the TTL; tests that truncate tables call `clear_config`.
- Other processes and instances see a change after at most `TTL_SECONDS` (measured with
  time.monotonic, never the app's injected clock). A version row bumped by admin writes would
  make that immediate, but costs a statement on every request and a bump in every writer,
  including scripts; a new officer, team or weekly hours showing up within two seconds is enough.

A stale snapshot can only make /slots offer, or a booking refuse, a time for those seconds (and a
booking made in those seconds gets the previous reminder policy, team name or meeting-type slug,
as it gets the previous duration and buffers). It can never double-book: bookings and absences
are not cached, and the booking path locks the officers' rows and re-checks their bookings in
the database (booking/bookings/service.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.orm.session import SessionTransaction

from booking.availability.models import Closure
from booking.core.calendar_days import OfficeCalendar
from booking.core.routing import TeamOption
from booking.extensions import db
from booking.officers.models import Officer, WeeklyHours, officer_teams
from booking.teams.models import MeetingType, Team, team_meeting_types

TTL_SECONDS = 2.0
# What a snapshot is made of; writes to any of these tables invalidate it.
CONFIG_TABLES = frozenset(
    {
        "meeting_types",
        "teams",
        "team_meeting_types",
        "officers",
        "officer_teams",
        "weekly_hours",
        "closures",
    }
)
# Officer columns and relationships that the snapshot holds (last_assigned_at changes with every
# booking and must not invalidate anything).
_OFFICER_KEYS = ("active", "teams", "weekly_hours")
_EXTENSION = "booking_config_cache"
_WRITTEN = "booking_config_written"
_GENERATION = "booking_config_generation"

# The cache's clock; a test may replace it to expire snapshots without sleeping.
monotonic: Callable[[], float] = time.monotonic


@dataclass(frozen=True, slots=True)
class MeetingTypeConfig:
    """A meeting type: length, buffers, grid, modes, notice, horizon and reminder policy."""

    id: int
    slug: str
    name: str
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    slot_step_minutes: int
    modes: tuple[str, ...]
    min_notice_minutes: int
    staff_min_notice_minutes: int
    horizon_days: int
    # (channel, minutes before) pairs as the row gives them; None: the service's default.
    reminders: tuple[tuple[str, int], ...] | None = None


@dataclass(frozen=True, slots=True)
class TeamConfig:
    """A team, the slugs of the meeting types it serves and its members' ids (ascending)."""

    id: int
    slug: str
    name: str
    applicant_kind: str
    meeting_types: frozenset[str]
    officer_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class OfficerConfig:
    """An officer's active flag, teams and weekly hours (local minutes per weekday, Mon=0)."""

    id: int
    active: bool
    team_ids: frozenset[int]
    weekly_hours: Mapping[int, tuple[tuple[int, int], ...]]


@dataclass(frozen=True, slots=True)
class ConfigSnapshot:
    """The configuration as of one moment; never mutated, shared by every request."""

    meeting_types: Mapping[str, MeetingTypeConfig]
    meeting_types_by_id: Mapping[int, MeetingTypeConfig]
    teams: Mapping[int, TeamConfig]
    team_options: tuple[TeamOption, ...]
    officers: Mapping[int, OfficerConfig]
    # Holidays, early closing and every closure; it memoises each day's rule as it is asked.
    calendar: OfficeCalendar


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        # Bumped by every invalidation; a load is kept only if it did not change meanwhile.
        self.generation = 0
        # The snapshot and when it expires (on `monotonic`), replaced as one value.
        self.entry: tuple[ConfigSnapshot, float] | None = None

    def invalidate(self) -> None:
        with self.lock:
            self.generation += 1
            self.entry = None


def _cache_of(app: Flask) -> _Cache:
    cache = app.extensions.get(_EXTENSION)
    if cache is None:
        cache = app.extensions.setdefault(_EXTENSION, _Cache())
    assert isinstance(cache, _Cache)
    return cache


def current_config() -> ConfigSnapshot:
    """Return the current app's configuration snapshot, loading it when missing or expired."""
    session = db.session()
    if session.info.get(_WRITTEN):
        # This transaction changed the configuration: read its own rows, cache nothing.
        return _load()
    cache = _cache_of(current_app)
    entry = cache.entry
    if entry is not None and monotonic() < entry[1]:
        return entry[0]
    snapshot = _load()
    # Read after loading: the load began the transaction if none was open, which recorded it.
    generation = session.info.get(_GENERATION)
    with cache.lock:
        # Kept only if nothing was written since this transaction began: its reads may
        # predate that commit.
        if generation == cache.generation:
            cache.entry = (snapshot, monotonic() + TTL_SECONDS)
    return snapshot


def refreshed_config() -> ConfigSnapshot:
    """Drop the snapshot and load it again (for an id that must exist but is not cached)."""
    _cache_of(current_app).invalidate()
    return current_config()


def clear_config(app: Flask) -> None:
    """Forget the app's snapshot (after writes that bypass the session, e.g. a test's TRUNCATE)."""
    _cache_of(app).invalidate()


def _load() -> ConfigSnapshot:
    session = db.session
    # On PostgreSQL every statement sees the latest commits. Links are read before the rows they
    # point to, so each link finds its rows; a row created meanwhile may lack its links, and such
    # a snapshot misses that change until it expires.
    team_type_ids: dict[int, list[int]] = {}
    for team_id, meeting_type_id in session.execute(
        select(team_meeting_types.c.team_id, team_meeting_types.c.meeting_type_id)
    ):
        team_type_ids.setdefault(team_id, []).append(meeting_type_id)
    members: dict[int, list[int]] = {}
    officer_team_ids: dict[int, set[int]] = {}
    for officer_id, team_id in session.execute(
        select(officer_teams.c.officer_id, officer_teams.c.team_id).order_by(
            officer_teams.c.officer_id
        )
    ):
        members.setdefault(team_id, []).append(officer_id)
        officer_team_ids.setdefault(officer_id, set()).add(team_id)
    hours: dict[int, dict[int, list[tuple[int, int]]]] = {}
    for officer_id, weekday, start, end in session.execute(
        select(
            WeeklyHours.officer_id,
            WeeklyHours.weekday,
            WeeklyHours.start_minute,
            WeeklyHours.end_minute,
        ).order_by(WeeklyHours.officer_id, WeeklyHours.weekday, WeeklyHours.start_minute)
    ):
        hours.setdefault(officer_id, {}).setdefault(weekday, []).append((start, end))
    officers = {
        officer_id: OfficerConfig(
            id=officer_id,
            active=bool(active),
            team_ids=frozenset(officer_team_ids.get(officer_id, ())),
            weekly_hours=MappingProxyType(
                {day: tuple(spans) for day, spans in hours.get(officer_id, {}).items()}
            ),
        )
        for officer_id, active in session.execute(select(Officer.id, Officer.active))
    }
    meeting_types = {
        row.id: MeetingTypeConfig(
            id=row.id,
            slug=row.slug,
            name=row.name,
            duration_minutes=row.duration_minutes,
            buffer_before_minutes=row.buffer_before_minutes,
            buffer_after_minutes=row.buffer_after_minutes,
            slot_step_minutes=row.slot_step_minutes,
            modes=tuple(row.modes),
            min_notice_minutes=row.min_notice_minutes,
            staff_min_notice_minutes=row.staff_min_notice_minutes,
            horizon_days=row.horizon_days,
            reminders=None
            if row.reminders is None
            else tuple((str(r["channel"]), int(str(r["minutes_before"]))) for r in row.reminders),
        )
        for row in session.execute(
            select(
                MeetingType.id,
                MeetingType.slug,
                MeetingType.name,
                MeetingType.duration_minutes,
                MeetingType.buffer_before_minutes,
                MeetingType.buffer_after_minutes,
                MeetingType.slot_step_minutes,
                MeetingType.modes,
                MeetingType.min_notice_minutes,
                MeetingType.staff_min_notice_minutes,
                MeetingType.horizon_days,
                MeetingType.reminders,
            )
        )
    }
    teams = {
        row.id: TeamConfig(
            id=row.id,
            slug=row.slug,
            name=row.name,
            applicant_kind=row.applicant_kind,
            meeting_types=frozenset(
                meeting_types[m].slug for m in team_type_ids.get(row.id, ()) if m in meeting_types
            ),
            officer_ids=tuple(o for o in members.get(row.id, ()) if o in officers),
        )
        for row in session.execute(
            select(Team.id, Team.slug, Team.name, Team.applicant_kind).order_by(Team.id)
        )
    }
    closures: dict[date, tuple[int | None, str]] = {
        day: (close_from, reason)
        for day, close_from, reason in session.execute(
            select(Closure.day, Closure.close_from_minute, Closure.reason)
        )
    }
    settings = current_app.extensions["booking_calendar"]
    return ConfigSnapshot(
        meeting_types=MappingProxyType({m.slug: m for m in meeting_types.values()}),
        meeting_types_by_id=MappingProxyType(meeting_types),
        teams=MappingProxyType(teams),
        team_options=tuple(
            TeamOption(
                team_id=t.id,
                slug=t.slug,
                applicant_kind=t.applicant_kind,
                meeting_types=t.meeting_types,
            )
            for t in teams.values()
        ),
        officers=MappingProxyType(officers),
        calendar=OfficeCalendar(
            closures=closures,
            early_closing_minute=settings["minute"],
            early_closing_days=settings["days"],
        ),
    )


# Invalidation: the listeners sit on the app's session factory, so they see every session of
# every app; the app is the one whose context the session runs in.


def _changes_config(instance: Any, *, dirty: bool) -> bool:
    table = getattr(type(instance), "__tablename__", None)
    if table not in CONFIG_TABLES:
        return False
    if dirty and isinstance(instance, Officer):
        state = inspect(instance)
        return any(state.attrs[key].history.has_changes() for key in _OFFICER_KEYS)
    return True


def _written(session: Session) -> None:
    session.info[_WRITTEN] = True
    if has_app_context():
        _cache_of(current_app).invalidate()


@event.listens_for(db.session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    if any(_changes_config(obj, dirty=False) for obj in (*session.new, *session.deleted)) or any(
        _changes_config(obj, dirty=True) for obj in session.dirty
    ):
        _written(session)


@event.listens_for(db.session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    # Bulk statements through the session (e.g. replacing an officer's weekly hours).
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in CONFIG_TABLES:
            _written(state.session)


@event.listens_for(db.session, "after_begin")
def _after_begin(session: Session, transaction: SessionTransaction, _connection: Any) -> None:
    if transaction.parent is None and has_app_context():
        session.info[_GENERATION] = _cache_of(current_app).generation


@event.listens_for(db.session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_GENERATION, None)
    # Committed or rolled back, the snapshot may predate it: whoever loads next loads afresh.
    if session.info.pop(_WRITTEN, False) and has_app_context():
        _cache_of(current_app).invalidate()
