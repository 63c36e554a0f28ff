"""Slot search: load every source of busy time once, then let the pure core compute."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, select, union_all

from booking.availability.models import Closure
from booking.bookings.models import Booking, holds_time_in
from booking.core.calendar_days import OfficeCalendar
from booking.core.slots import (
    MeetingRule,
    OfficerSchedule,
    Slot,
    booking_window,
    compute_slots,
    local_instant,
)
from booking.db import epoch
from booking.errors import Conflict, ValidationProblem
from booking.extensions import db
from booking.fields import office_zone
from booking.officers.models import Absence, Officer, WeeklyHours, officer_teams
from booking.teams.models import MeetingType, Team
from booking.teams.service import get_meeting_type, route_team

DAY = 86_400


@dataclass(frozen=True, slots=True)
class SlotSearch:
    """The routed team and its free slots."""

    team: Team
    slots: list[Slot]


def meeting_rule(meeting_type: MeetingType) -> MeetingRule:
    """Return the core's view of a meeting type."""
    return MeetingRule(
        duration=meeting_type.duration_minutes,
        buffer_before=meeting_type.buffer_before_minutes,
        buffer_after=meeting_type.buffer_after_minutes,
        step=meeting_type.slot_step_minutes,
    )


def office_calendar(*, first_day: date, last_day: date) -> OfficeCalendar:
    """Return the office calendar with the closures between the two local dates."""
    rows = db.session.execute(
        select(Closure.day, Closure.close_from_minute, Closure.reason).where(
            Closure.day >= first_day, Closure.day <= last_day
        )
    ).all()
    settings = current_app.extensions["booking_calendar"]
    return OfficeCalendar(
        closures={day: (close_from, reason) for day, close_from, reason in rows},
        early_closing_minute=settings["minute"],
        early_closing_days=settings["days"],
    )


def _as_datetime(instant: int) -> datetime:
    return datetime.fromtimestamp(instant, UTC)


def load_schedules(
    *,
    team_id: int | None,
    officer_ids: Sequence[int] | None,
    span_start: int,
    span_end: int,
    exclude_booking_id: int | None = None,
) -> list[OfficerSchedule]:
    """Load hours and busy time of the team's active officers, in three queries."""
    hours_query = (
        select(Officer.id, WeeklyHours.weekday, WeeklyHours.start_minute, WeeklyHours.end_minute)
        .outerjoin(WeeklyHours, WeeklyHours.officer_id == Officer.id)
        .where(Officer.active.is_(True))
    )
    if team_id is not None:
        hours_query = hours_query.join(
            officer_teams,
            and_(officer_teams.c.officer_id == Officer.id, officer_teams.c.team_id == team_id),
        )
    if officer_ids is not None:
        hours_query = hours_query.where(Officer.id.in_(officer_ids))
    hours: dict[int, dict[int, list[tuple[int, int]]]] = {}
    for officer_id, weekday, start, end in db.session.execute(hours_query):
        week = hours.setdefault(officer_id, {})
        if weekday is not None:
            week.setdefault(weekday, []).append((start, end))
    if not hours:
        return []
    ids = sorted(hours)
    busy: dict[int, list[tuple[int, int]]] = {officer_id: [] for officer_id in ids}
    lower, upper = _as_datetime(span_start), _as_datetime(span_end)
    booking_query = select(
        Booking.officer_id, epoch(Booking.busy_start_at), epoch(Booking.busy_end_at)
    ).where(Booking.officer_id.in_(ids), holds_time_in(lower, upper))
    if exclude_booking_id is not None:
        booking_query = booking_query.where(Booking.id != exclude_booking_id)
    absence_query = select(
        Absence.officer_id, epoch(Absence.start_at), epoch(Absence.end_at)
    ).where(Absence.officer_id.in_(ids), Absence.start_at < upper, Absence.end_at > lower)
    # One round trip for both kinds of busy time.
    for officer_id, start, end in db.session.execute(union_all(booking_query, absence_query)):
        busy[officer_id].append((start, end))
    return [
        OfficerSchedule(
            officer_id=officer_id, weekly_hours=hours[officer_id], busy=busy[officer_id]
        )
        for officer_id in ids
    ]


def _check_officer_in_team(*, officer_id: int, team: Team, field: str) -> None:
    active = db.session.scalars(
        select(Officer.active)
        .join(
            officer_teams,
            and_(officer_teams.c.officer_id == Officer.id, officer_teams.c.team_id == team.id),
        )
        .where(Officer.id == officer_id)
    ).first()
    if active is None:
        raise ValidationProblem(
            errors={field: [f"Officer {officer_id} does not serve team '{team.slug}'."]}
        )
    if not active:
        raise ValidationProblem(errors={field: [f"Officer {officer_id} is not taking bookings."]})


def compute_team_slots(
    *,
    team: Team,
    meeting_type: MeetingType,
    first_day: date,
    last_day: date,
    officer_ids: Sequence[int] | None,
    is_staff: bool,
    now: datetime,
    exclude_booking_id: int | None = None,
) -> list[Slot]:
    """Free slots of the team (or the given officers of it) between two local dates."""
    zone = office_zone()
    notice = meeting_type.staff_min_notice_minutes if is_staff else meeting_type.min_notice_minutes
    earliest, latest = booking_window(
        now=now, notice_minutes=notice, horizon_days=meeting_type.horizon_days, zone=zone
    )
    first_day = max(first_day, datetime.fromtimestamp(earliest, zone).date())
    last_day = min(last_day, datetime.fromtimestamp(latest, zone).date())
    if first_day > last_day:
        return []
    margin = (meeting_type.buffer_before_minutes + meeting_type.buffer_after_minutes) * 60 + DAY
    schedules = load_schedules(
        team_id=team.id,
        officer_ids=officer_ids,
        span_start=local_instant(first_day, 0, zone) - margin,
        span_end=local_instant(last_day + timedelta(days=1), 0, zone) + margin,
        exclude_booking_id=exclude_booking_id,
    )
    if not schedules:
        return []
    return compute_slots(
        officers=schedules,
        meeting=meeting_rule(meeting_type),
        first_day=first_day,
        last_day=last_day,
        zone=zone,
        calendar=office_calendar(first_day=first_day, last_day=last_day),
        earliest=earliest,
        latest=latest,
    )


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
    team: Team,
    meeting_type: MeetingType,
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
    slots = compute_team_slots(
        team=team,
        meeting_type=meeting_type,
        first_day=day,
        last_day=day,
        officer_ids=officer_ids,
        is_staff=is_staff,
        now=now,
        exclude_booking_id=exclude_booking_id,
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
    return closure


def list_closures() -> Sequence[Closure]:
    """Return every closure by date."""
    return db.session.scalars(select(Closure).order_by(Closure.day)).all()
