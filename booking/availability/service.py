"""Slot search: load every source of busy time once, then let the pure core compute."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, ClassVar

from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    CompoundSelect,
    String,
    bindparam,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, INTEGER
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine

from booking.audit.service import record
from booking.availability.models import Closure
from booking.bookings.models import MAX_BUSY_SPAN, Booking
from booking.calendar.models import ImportedBusy
from booking.config_cache import MeetingTypeConfig, OfficerConfig, TeamConfig, current_config
from booking.core.calendar_days import OfficeCalendar
from booking.core.slots import (
    MeetingRule,
    OfficerSchedule,
    Slot,
    booking_window,
    compute_slots,
    local_instant,
)
from booking.db import UTCDateTime, epoch
from booking.errors import Conflict, ValidationProblem
from booking.extensions import db
from booking.fields import office_zone
from booking.officers.models import Absence
from booking.ops.metrics import SLOT_SEARCH
from booking.teams.service import get_meeting_type, route_team

DAY = 86_400


class IdList(TypeDecorator[Sequence[int]]):
    """A list of ids bound as one parameter: an integer array (PostgreSQL), JSON text (SQLite)."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(INTEGER()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Sequence[int] | None, dialect: Any) -> Any:
        if value is None:
            return None
        ids = [int(officer_id) for officer_id in value]
        return ids if dialect.name == "postgresql" else json.dumps(ids)


class id_in(ColumnElement[bool]):
    """`column` is one of the ids bound as `:name`, however many they are.

    An expanding `IN` is rendered anew for every execution (and every list length is another
    statement to the server); one array or JSON parameter keeps a single cached statement.
    """

    type = Boolean()
    # A comparison, not a boolean value: without this, SQLite would get `… IN (…) = 1`, which
    # no index serves.
    _is_implicitly_boolean = True
    inherit_cache = True
    _traverse_internals: ClassVar[list[tuple[str, InternalTraversal]]] = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(
        self, column: ColumnElement[int] | QueryableAttribute[int], name: str = "ids"
    ) -> None:
        self.column = (
            column.__clause_element__() if isinstance(column, QueryableAttribute) else column
        )
        self.ids: BindParameter[Sequence[int]] = bindparam(name, type_=IdList())

    @property
    def _from_objects(self) -> list[Any]:
        return self.column._from_objects


@compiles(id_in, "postgresql")
def _id_in_postgresql(element: id_in, compiler: Any, **kw: Any) -> str:
    # psycopg's bind cast makes the parameter `::INTEGER[]`, so the index on the column serves.
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.ids, **kw)})"


@compiles(id_in, "sqlite")
def _id_in_sqlite(element: id_in, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    ids = compiler.process(element.ids, **kw)
    # Both parts are compiled SQL (a column and a bound parameter), never data.
    return f"{column} IN (SELECT value FROM json_each({ids}))"  # noqa: S608


@dataclass(frozen=True, slots=True)
class SlotSearch:
    """The routed team and its free slots."""

    team: TeamConfig
    slots: list[Slot]


def meeting_rule(meeting_type: MeetingTypeConfig) -> MeetingRule:
    """Return the core's view of a meeting type."""
    return MeetingRule(
        duration=meeting_type.duration_minutes,
        buffer_before=meeting_type.buffer_before_minutes,
        buffer_after=meeting_type.buffer_after_minutes,
        step=meeting_type.slot_step_minutes,
    )


def office_calendar() -> OfficeCalendar:
    """Return the office calendar: holidays, early closing and every closure (cached)."""
    return current_config().calendar


def bookable_officers(
    *, team: TeamConfig, officer_ids: Sequence[int] | None
) -> list[OfficerConfig]:
    """The team's active officers with weekly hours (of those given, when given), by id."""
    officers = current_config().officers
    wanted = team.officer_ids if officer_ids is None else sorted(set(officer_ids))
    found = [officers.get(officer_id) for officer_id in wanted]
    return [
        officer
        for officer in found
        if officer is not None
        and officer.active
        and officer.weekly_hours
        and team.id in officer.team_ids
    ]


@cache
def _busy_time_statement(*, excluding_booking: bool) -> CompoundSelect:
    """Busy time of the officers `:ids` in [`:lower`, `:upper`): bookings, absences, imported.

    Imported: the busy time of the officers' own calendars (booking/calendar/imports.py).

    Built once, with bind parameters: building and cache-keying a statement costs more than
    SQLite takes to run it. The bookings' condition is `holds_time_in`, whose bound from below
    (`:floor` = lower - MAX_BUSY_SPAN) keeps the index scan off each officer's history.
    """
    lower = bindparam("lower", type_=UTCDateTime())
    upper = bindparam("upper", type_=UTCDateTime())
    bookings = select(
        Booking.officer_id, epoch(Booking.busy_start_at), epoch(Booking.busy_end_at)
    ).where(
        id_in(Booking.officer_id),
        Booking.status == "confirmed",
        Booking.busy_start_at < upper,
        Booking.busy_end_at > lower,
        Booking.busy_start_at > bindparam("floor", type_=UTCDateTime()),
    )
    if excluding_booking:
        bookings = bookings.where(Booking.id != bindparam("exclude"))
    absences = select(Absence.officer_id, epoch(Absence.start_at), epoch(Absence.end_at)).where(
        id_in(Absence.officer_id), Absence.start_at < upper, Absence.end_at > lower
    )
    # Like absences, an imported interval may last days: no bound from below.
    imported = select(
        ImportedBusy.officer_id, epoch(ImportedBusy.start_at), epoch(ImportedBusy.end_at)
    ).where(
        id_in(ImportedBusy.officer_id), ImportedBusy.start_at < upper, ImportedBusy.end_at > lower
    )
    return union_all(bookings, absences, imported)


def load_schedules(
    *,
    officers: Sequence[OfficerConfig],
    span_start: int,
    span_end: int,
    exclude_booking_id: int | None = None,
    weekday: int | None = None,
) -> list[OfficerSchedule]:
    """Combine the officers' (cached) hours with their busy time in [span_start, span_end).

    Bookings, absences and imported busy time are never cached: one statement reads them all.
    With `weekday` (Mon=0), the schedules carry that day's hours only.
    """
    if not officers:
        return []
    ids = [officer.id for officer in officers]
    busy: dict[int, list[tuple[int, int]]] = {officer_id: [] for officer_id in ids}
    lower = datetime.fromtimestamp(span_start, UTC)
    parameters = {
        "ids": ids,
        "lower": lower,
        "upper": datetime.fromtimestamp(span_end, UTC),
        "floor": lower - MAX_BUSY_SPAN,
        "exclude": exclude_booking_id,
    }
    statement = _busy_time_statement(excluding_booking=exclude_booking_id is not None)
    # On the session's connection: a plain read of rows, with none of the ORM's execution
    # machinery (nothing is pending: searches run before anything is written).
    for officer_id, start, end in db.session.connection().execute(statement, parameters):
        busy[officer_id].append((start, end))
    return [
        OfficerSchedule(
            officer_id=officer.id,
            weekly_hours=officer.weekly_hours
            if weekday is None
            else {weekday: officer.weekly_hours[weekday]},
            busy=busy[officer.id],
        )
        for officer in officers
    ]


def _check_officer_in_team(*, officer_id: int, team: TeamConfig, field: str) -> None:
    officer = current_config().officers.get(officer_id)
    if officer is None or team.id not in officer.team_ids:
        raise ValidationProblem(
            errors={field: [f"Officer {officer_id} does not serve team '{team.slug}'."]}
        )
    if not officer.active:
        raise ValidationProblem(errors={field: [f"Officer {officer_id} is not taking bookings."]})


@SLOT_SEARCH.time()
def compute_team_slots(
    *,
    team: TeamConfig,
    meeting_type: MeetingTypeConfig,
    first_day: date,
    last_day: date,
    officer_ids: Sequence[int] | None,
    is_staff: bool,
    now: datetime,
    exclude_booking_id: int | None = None,
    busy_window: tuple[int, int] | None = None,
    only_start: int | None = None,
) -> list[Slot]:
    """Free slots of the team (or the given officers of it) between two local dates.

    `busy_window` narrows the busy time read to [start, end) epoch seconds: enough for a
    caller that only asks about starts whose padded span lies inside it. `only_start` (epoch
    seconds) narrows the answer to that one start, if it is a slot at all.
    """
    zone = office_zone()
    notice = meeting_type.staff_min_notice_minutes if is_staff else meeting_type.min_notice_minutes
    earliest, latest = booking_window(
        now=now, notice_minutes=notice, horizon_days=meeting_type.horizon_days, zone=zone
    )
    if only_start is not None:
        # The engine still lays its grid from each hours interval's start, so `only_start` is
        # a slot exactly when a whole day's search would offer it; it just skips the others.
        earliest, latest = max(earliest, only_start), min(latest, only_start)
        if earliest > latest:
            return []
    first_day = max(first_day, datetime.fromtimestamp(earliest, zone).date())
    last_day = min(last_day, datetime.fromtimestamp(latest, zone).date())
    if first_day > last_day:
        return []
    officers = bookable_officers(team=team, officer_ids=officer_ids)
    weekday = None
    if first_day == last_day:
        # One day (every booking's check): only that weekday's hours can matter, and the engine
        # would convert each officer's whole week. Officers with no hours that day have no slot.
        weekday = first_day.weekday()
        officers = [officer for officer in officers if officer.weekly_hours.get(weekday)]
    if not officers:
        return []
    if busy_window is None:
        margin = (meeting_type.buffer_before_minutes + meeting_type.buffer_after_minutes) * 60 + DAY
        busy_window = (
            local_instant(first_day, 0, zone) - margin,
            local_instant(last_day + timedelta(days=1), 0, zone) + margin,
        )
    schedules = load_schedules(
        officers=officers,
        span_start=busy_window[0],
        span_end=busy_window[1],
        exclude_booking_id=exclude_booking_id,
        weekday=weekday,
    )
    return compute_slots(
        officers=schedules,
        meeting=meeting_rule(meeting_type),
        first_day=first_day,
        last_day=last_day,
        zone=zone,
        calendar=office_calendar(),
        earliest=earliest,
        latest=latest,
    )


# How far one step of an earliest-free-start search reaches: most teams have a free start within
# two weeks, so one query usually answers, and a full team never costs one huge query.
SEARCH_CHUNK_DAYS = 14


def earliest_free_slot(
    *,
    team: TeamConfig,
    meeting_type: MeetingTypeConfig,
    is_staff: bool,
    now: datetime,
    exclude_booking_id: int | None = None,
    officer_ids: Sequence[int] | None = None,
) -> Slot | None:
    """The team's earliest free slot within the meeting type's booking window, if any."""
    zone = office_zone()
    notice = meeting_type.staff_min_notice_minutes if is_staff else meeting_type.min_notice_minutes
    earliest, latest = booking_window(
        now=now, notice_minutes=notice, horizon_days=meeting_type.horizon_days, zone=zone
    )
    day = datetime.fromtimestamp(earliest, zone).date()
    last_day = datetime.fromtimestamp(latest, zone).date()
    while day <= last_day:
        chunk_end = min(day + timedelta(days=SEARCH_CHUNK_DAYS - 1), last_day)
        slots = compute_team_slots(
            team=team,
            meeting_type=meeting_type,
            first_day=day,
            last_day=chunk_end,
            officer_ids=officer_ids,
            is_staff=is_staff,
            now=now,
            exclude_booking_id=exclude_booking_id,
        )
        if slots:
            return slots[0]
        day = chunk_end + timedelta(days=1)
    return None


def find_slots(
    *,
    meeting_type_slug: str,
    applicant_kind: str,
    first_day: date,
    last_day: date,
    mode: str | None,
    officer_id: int | None,
    is_staff: bool,
    now: datetime,
) -> SlotSearch:
    """Route the applicant to a team and return its free slots in the date range."""
    meeting_type = get_meeting_type(slug=meeting_type_slug)
    if mode is not None and mode not in meeting_type.modes:
        raise ValidationProblem(
            errors={"mode": [f"'{meeting_type.slug}' is not offered as {mode}."]}
        )
    team, _ = route_team(applicant_kind=applicant_kind, meeting_type=meeting_type)
    if officer_id is not None:
        _check_officer_in_team(officer_id=officer_id, team=team, field="officer")
    slots = compute_team_slots(
        team=team,
        meeting_type=meeting_type,
        first_day=first_day,
        last_day=last_day,
        officer_ids=[officer_id] if officer_id is not None else None,
        is_staff=is_staff,
        now=now,
    )
    return SlotSearch(team=team, slots=slots)


def free_officers_at(
    *,
    team: TeamConfig,
    meeting_type: MeetingTypeConfig,
    start: datetime,
    officer_ids: Sequence[int] | None,
    is_staff: bool,
    now: datetime,
    exclude_booking_id: int | None = None,
) -> list[int]:
    """Ids of the officers free for a meeting starting exactly at `start`, as slots would say."""
    zone = office_zone()
    instant = int(start.timestamp())
    if instant != start.timestamp():
        return []
    day = datetime.fromtimestamp(instant, zone).date()
    # Only busy time overlapping this meeting's padded span can keep an officer from it; the
    # other starts of the day computed alongside are not used.
    padded = (
        instant - meeting_type.buffer_before_minutes * 60,
        instant + (meeting_type.duration_minutes + meeting_type.buffer_after_minutes) * 60,
    )
    slots = compute_team_slots(
        team=team,
        meeting_type=meeting_type,
        first_day=day,
        last_day=day,
        officer_ids=officer_ids,
        is_staff=is_staff,
        now=now,
        exclude_booking_id=exclude_booking_id,
        busy_window=padded,
        only_start=instant,
    )
    for slot in slots:
        if slot.start == instant:
            return list(slot.officer_ids)
    return []


def create_closure(*, data: dict[str, Any]) -> Closure:
    """Close the office on a date (or from a time of it); 409 if that date is already closed."""
    if db.session.scalars(select(Closure.id).where(Closure.day == data["date"])).first():
        raise Conflict(f"The office is already closed on {data['date'].isoformat()}.")
    closure = Closure(
        day=data["date"], reason=data["reason"], close_from_minute=data.get("close_from")
    )
    db.session.add(closure)
    db.session.flush()
    record(action="closure.create", object_type="closure", object_id=closure.day.isoformat())
    return closure


def list_closures() -> Sequence[Closure]:
    """Return every closure by date."""
    return db.session.scalars(select(Closure).order_by(Closure.day)).all()
