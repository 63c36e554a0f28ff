"""Registering call-backs, routing them to a team and a working officer, recording attempts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from booking.audit.service import record, staff_actor
from booking.auth.models import StaffToken
from booking.bookings.models import Booking
from booking.bookings.service import LIST_PAGE_SIZE, fetch_page
from booking.callbacks.models import PENDING_STATUSES, Callback, CallbackAttempt
from booking.config_cache import (
    MeetingTypeConfig,
    OfficerConfig,
    TeamConfig,
    current_config,
    refreshed_config,
)
from booking.core.identity import InvalidIdentifier, normalise_company_identifier, normalise_phone
from booking.core.intervals import subtract
from booking.core.nki import median
from booking.core.slots import local_instant
from booking.core.working_hours import add_working_time, open_intervals, union_weekly_hours
from booking.db import UTCDateTime
from booking.errors import Conflict, NotFound, ValidationProblem
from booking.extensions import db
from booking.fields import MAX_ID, office_zone
from booking.notifications.callbacks import notify_callback_registered, notify_callback_unreachable
from booking.officers.models import Absence, Officer
from booking.privacy.identity_numbers import sealed_identity_number
from booking.teams.models import MeetingType, Team
from booking.teams.service import get_meeting_type, route_team

REGISTER_ROLES = ("admin", "service_center")
ASSIGN_ROLES = ("admin", "service_center")
STATS_ROLES = ("admin", "service_center")
# A client's "now" may lag the server's by a little: a window starting that much earlier is
# taken as meant, not as a window in the past.
WINDOW_START_TOLERANCE = timedelta(minutes=5)
# The furthest a promise may reach: anything later is a typing mistake, not a call-back.
MAX_WINDOW_AHEAD = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class _Load:
    officer_id: int
    pending_callbacks: int
    bookings_that_day: int


def _applicant_fields(applicant: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {
        "applicant_kind": applicant["kind"],
        "applicant_name": applicant["name"].strip(),
        "applicant_phone": None,
        "identifier_kind": None,
        "organisation_number": None,
    }
    try:
        fields["applicant_phone"] = normalise_phone(applicant["phone"])
    except InvalidIdentifier as exc:
        errors["applicant.phone"] = [str(exc)]
    number = applicant.get("organisation_number")
    if applicant["kind"] == "company":
        if not number:
            errors["applicant.organisation_number"] = [
                "A company needs its organisation number (a sole trader: personal identity number)."
            ]
        else:
            try:
                fields["identifier_kind"], fields["organisation_number"] = (
                    normalise_company_identifier(number)
                )
            except InvalidIdentifier as exc:
                errors["applicant.organisation_number"] = [str(exc)]
    elif number:
        errors["applicant.organisation_number"] = ["Only company applicants give one."]
    if errors:
        raise ValidationProblem("The applicant's details are not valid.", errors=errors)
    return fields


def _route_team(
    *, applicant_kind: str, meeting_type: MeetingTypeConfig | None, team_slug: str | None
) -> tuple[TeamConfig, str]:
    config = current_config()
    if team_slug is not None:
        team = next((t for t in config.teams.values() if t.slug == team_slug), None)
        if team is None:
            raise ValidationProblem(errors={"team": [f"Unknown team '{team_slug}'."]})
        if team.applicant_kind != applicant_kind:
            raise ValidationProblem(
                errors={"team": [f"Team '{team.slug}' does not serve {applicant_kind} applicants."]}
            )
        if meeting_type is not None and meeting_type.slug not in team.meeting_types:
            raise ValidationProblem(
                errors={
                    "meeting_type": [f"Team '{team.slug}' does not offer '{meeting_type.slug}'."]
                }
            )
        return team, f"team '{team.slug}' chosen by staff"
    if meeting_type is not None:
        team, choice = route_team(
            applicant_kind=applicant_kind, meeting_type=meeting_type, field="applicant.kind"
        )
        return team, choice.reason
    # No meeting type: the kind alone decides, as it does for bookings (lowest id first).
    matching = [t for t in config.teams.values() if t.applicant_kind == applicant_kind]
    if not matching:
        message = f"No team serves {applicant_kind} applicants."
        raise ValidationProblem(message, errors={"applicant.kind": [message]})
    team = min(matching, key=lambda t: t.id)
    reason = f"applicant kind '{applicant_kind}' is served by team '{team.slug}'"
    if len(matching) > 1:
        reason += f" (lowest team id of {len(matching)} matching teams)"
    return team, reason


def _team_officers(team: TeamConfig) -> list[OfficerConfig]:
    officers = current_config().officers
    found = [officers.get(officer_id) for officer_id in team.officer_ids]
    return [
        officer
        for officer in found
        if officer is not None and officer.active and officer.weekly_hours
    ]


def _check_officer(*, officer_id: int, team: TeamConfig, field: str) -> None:
    officer = current_config().officers.get(officer_id)
    if officer is None or team.id not in officer.team_ids:
        raise ValidationProblem(
            errors={field: [f"Officer {officer_id} does not serve team '{team.slug}'."]}
        )
    if not officer.active:
        raise ValidationProblem(errors={field: [f"Officer {officer_id} is not active."]})


def _epoch(value: datetime) -> int:
    return int(value.timestamp())


def _instant(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _window(
    *,
    data: dict[str, Any],
    officers: Sequence[OfficerConfig],
    now: datetime,
    default_hours: int,
) -> tuple[datetime, datetime]:
    """The requested window, or "within `default_hours` working hours" of the team."""
    start: datetime | None = data.get("window_start")
    end: datetime | None = data.get("window_end")
    errors: dict[str, list[str]] = {}
    if start is not None and start < now - WINDOW_START_TOLERANCE:
        errors["window_start"] = ["Must not be in the past."]
    elif start is not None and start > now + MAX_WINDOW_AHEAD:
        errors["window_start"] = ["Must be within a year."]
    if end is not None:
        if end <= now:
            errors["window_end"] = ["Must be in the future."]
        elif start is not None and end <= start:
            errors["window_end"] = ["Must be after window_start."]
        elif end > now + MAX_WINDOW_AHEAD:
            errors["window_end"] = ["Must be within a year."]
    if errors:
        raise ValidationProblem("The call-back window is not valid.", errors=errors)
    if end is not None:
        return (start or now), end
    hours = union_weekly_hours(officer.weekly_hours for officer in officers)
    # Counted from the given start, or from now: the promise starts at the first working
    # instant, so a call-back registered at night is due the next working day.
    window = add_working_time(
        start=_epoch(start or now),
        seconds=default_hours * 3600,
        weekly_hours=hours,
        calendar=current_config().calendar,
        zone=office_zone(),
    )
    if window is None:
        raise Conflict(
            "The team has no opening hours to count the call-back's working hours in; "
            "give window_start and window_end."
        )
    opens_at = _instant(window.opens_at) if start is None else start
    return opens_at, _instant(window.deadline)


def _working_officers(
    *, officers: Sequence[OfficerConfig], start: datetime, end: datetime
) -> list[int]:
    """Ids of the officers whose hours, less closures and absences, overlap the window."""
    if not officers:
        return []
    lower, upper = _epoch(start), _epoch(end)
    absences: dict[int, list[tuple[int, int]]] = {}
    rows = db.session.execute(
        select(Absence.officer_id, Absence.start_at, Absence.end_at).where(
            Absence.officer_id.in_([o.id for o in officers]),
            Absence.start_at < end,
            Absence.end_at > start,
        )
    )
    for officer_id, absent_from, absent_to in rows:
        absences.setdefault(officer_id, []).append((_epoch(absent_from), _epoch(absent_to)))
    calendar, zone = current_config().calendar, office_zone()
    working = []
    for officer in officers:
        hours = open_intervals(
            weekly_hours=officer.weekly_hours,
            calendar=calendar,
            zone=zone,
            lower=lower,
            upper=upper,
        )
        if subtract(hours, absences.get(officer.id, [])):
            working.append(officer.id)
    return working


def _loads(officer_ids: Sequence[int], day: date) -> list[_Load]:
    zone = office_zone()
    day_start = _instant(local_instant(day, 0, zone))
    day_end = _instant(local_instant(day + timedelta(days=1), 0, zone))
    pending = dict(
        db.session.execute(
            select(Callback.officer_id, func.count(Callback.id))
            .where(
                Callback.officer_id.in_(officer_ids),
                Callback.status.in_(PENDING_STATUSES),
                # An abandoned call-back (anonymised by retention) is no work left to do.
                Callback.anonymised_at.is_(None),
            )
            .group_by(Callback.officer_id)
        ).all()
    )
    bookings = dict(
        db.session.execute(
            select(Booking.officer_id, func.count(Booking.id))
            .where(
                Booking.officer_id.in_(officer_ids),
                Booking.status == "confirmed",
                Booking.start_at >= day_start,
                Booking.start_at < day_end,
            )
            .group_by(Booking.officer_id)
        ).all()
    )
    return [
        _Load(officer_id, int(pending.get(officer_id, 0)), int(bookings.get(officer_id, 0)))
        for officer_id in officer_ids
    ]


def _choose(loads: Sequence[_Load]) -> tuple[int, str]:
    """Fewest pending call-backs, then fewest bookings that day, then lowest id; and why."""
    # Like booking reasons, these name no officer: they are read more widely than the call-back.
    ranked = sorted(loads, key=lambda x: (x.pending_callbacks, x.bookings_that_day, x.officer_id))
    best = ranked[0]
    among = f"among {len(ranked)} officers working in the window"
    if len(ranked) == 1:
        return best.officer_id, (
            f"only officer working in the window ({best.pending_callbacks} open call-backs, "
            f"{best.bookings_that_day} bookings that day)"
        )
    second = ranked[1]
    if second.pending_callbacks != best.pending_callbacks:
        reason = (
            f"fewest open call-backs ({best.pending_callbacks}; next fewest "
            f"{second.pending_callbacks}) {among}"
        )
    elif second.bookings_that_day != best.bookings_that_day:
        reason = (
            f"tied on open call-backs ({best.pending_callbacks}); fewest bookings that day "
            f"({best.bookings_that_day}; next fewest {second.bookings_that_day}) {among}"
        )
    else:
        reason = (
            f"tied on open call-backs ({best.pending_callbacks}) and bookings that day "
            f"({best.bookings_that_day}); lowest officer id {among}"
        )
    return best.officer_id, reason


def register_callback(
    *, data: dict[str, Any], staff: StaffToken, now: datetime, default_hours: int
) -> Callback:
    """Register a call-back, routed to a team and an officer working in its window."""
    applicant = _applicant_fields(data["applicant"])
    meeting_type = None
    if data.get("meeting_type") is not None:
        meeting_type = get_meeting_type(slug=data["meeting_type"])
    team, team_reason = _route_team(
        applicant_kind=applicant["applicant_kind"],
        meeting_type=meeting_type,
        team_slug=data.get("team"),
    )
    preferred = data.get("officer_id")
    if preferred is not None:
        _check_officer(officer_id=preferred, team=team, field="officer_id")
    officers = _team_officers(team)
    team_row = db.session.get(Team, team.id)
    if team_row is not None and team_row.callback_hours is not None:
        default_hours = team_row.callback_hours  # the team's own promise
    start, end = _window(data=data, officers=officers, now=now, default_hours=default_hours)
    if preferred is not None:
        officer_id = preferred
        officer_reason = "chosen by staff at registration"
        assigned_by = staff.id
    else:
        working = _working_officers(officers=officers, start=start, end=end)
        if not working and data.get("window_start") is None and data.get("window_end") is None:
            # The team has hours, but everyone is absent: the caller must pick a window.
            raise Conflict(
                f"No officer of team '{team.slug}' works within the promised working hours; "
                "give window_start and window_end."
            )
        if not working:
            raise ValidationProblem(
                f"No officer of team '{team.slug}' works during the window.",
                errors={"window_start": ["No officer of the team works during this window."]},
            )
        officer_id, officer_reason = _choose(
            _loads(working, start.astimezone(office_zone()).date())
        )
        assigned_by = None
    callback = Callback(
        team=db.session.get(Team, team.id),
        officer=db.session.get(Officer, officer_id),
        meeting_type=db.session.get(MeetingType, meeting_type.id) if meeting_type else None,
        status="open",
        topic=data["topic"].strip(),
        note=data.get("note"),
        language=data.get("language") or "sv",
        window_start_at=start,
        window_end_at=end,
        due_at=end,
        team_reason=team_reason,
        officer_reason=officer_reason,
        assigned_by_token_id=assigned_by,
        assigned_at=now,
        created_by_token_id=staff.id,
        created_at=now,
        updated_at=now,
        identity_number_ciphertext=sealed_identity_number(
            identifier_kind=applicant["identifier_kind"],
            number=data["applicant"].get("organisation_number"),
        ),
        **applicant,
    )
    db.session.add(callback)
    db.session.flush()
    notify_callback_registered(callback=callback, now=now)
    record(
        action="callback.create",
        object_type="callback",
        object_id=callback.id,
        details={"team": team.slug, "officer_id": officer_id},
        actor=staff_actor(staff),
    )
    return callback


# What a response shows: loaded with the call-backs, a statement per relation, not per row.
_RELATIONS = (
    selectinload(Callback.attempts),
    selectinload(Callback.team),
    selectinload(Callback.officer),
    selectinload(Callback.meeting_type),
)


def get_callback_for(*, callback_id: int, staff: StaffToken, lock: bool = False) -> Callback:
    """Return the call-back the caller may see (an officer: their own), else 404."""
    callback = None
    # An id beyond the column's range is unknown without asking the database.
    if 1 <= callback_id <= MAX_ID:
        query = select(Callback).where(Callback.id == callback_id)
        if lock:
            query = query.with_for_update()
        callback = db.session.scalars(query.options(*_RELATIONS)).one_or_none()
    if callback is None or (staff.role == "officer" and callback.officer_id != staff.officer_id):
        raise NotFound("No such call-back.")
    return callback


def list_callbacks(
    *,
    staff: StaffToken,
    status: str | None,
    team_slug: str | None,
    officer_id: int | None,
    first_day: date | None,
    last_day: date | None,
    offset: int = 0,
    limit: int = LIST_PAGE_SIZE,
) -> tuple[Sequence[Callback], int]:
    """A page of call-backs by promise (`due_at`), filtered, and the total; officers: their own."""
    zone = office_zone()
    query = select(Callback)
    if staff.role == "officer":
        query = query.where(Callback.officer_id == staff.officer_id)
    elif officer_id is not None:
        query = query.where(Callback.officer_id == officer_id)
    if status is not None:
        query = query.where(Callback.status == status)
    if team_slug is not None:
        query = query.join(Team, Team.id == Callback.team_id).where(Team.slug == team_slug)
    if first_day is not None:
        query = query.where(Callback.due_at >= _instant(local_instant(first_day, 0, zone)))
    if last_day is not None:
        upper = _instant(local_instant(last_day + timedelta(days=1), 0, zone))
        query = query.where(Callback.due_at < upper)
    # Promise then id is a total order: pages neither overlap nor skip a row.
    return fetch_page(
        query,
        order_by=(Callback.due_at, Callback.id),
        offset=offset,
        limit=limit,
        options=_RELATIONS,
    )


def _check_pending(callback: Callback) -> None:
    if callback.anonymised_at is not None:
        raise Conflict("The call-back was abandoned and its applicant's data anonymised.")
    if not callback.is_pending:
        raise Conflict(f"The call-back is already {callback.status}.")


def record_attempt(
    *,
    callback: Callback,
    outcome: str,
    note: str | None,
    staff: StaffToken,
    now: datetime,
    max_attempts: int,
) -> Callback:
    """Record a call attempt: `reached` completes the call-back, failures may close it."""
    _check_pending(callback)
    callback.attempts.append(
        CallbackAttempt(outcome=outcome, note=note, staff_token_id=staff.id, attempted_at=now)
    )
    unanswered = sum(1 for attempt in callback.attempts if attempt.outcome == "no_answer")
    if outcome == "reached":
        callback.status = "completed"
    # A wrong number cannot be called again: no later attempt could reach the applicant.
    elif outcome == "wrong_number" or unanswered >= max_attempts:
        callback.status = "unreachable"
    if not callback.is_pending:
        callback.closed_at = now
    callback.updated_at = now
    db.session.flush()
    # Only after unanswered calls: a wrong number belongs to someone else, who must not get
    # the applicant's link.
    if callback.status == "unreachable" and outcome == "no_answer":
        notify_callback_unreachable(callback=callback, now=now)
    record(
        action="callback.attempt",
        object_type="callback",
        object_id=callback.id,
        details={"outcome": outcome, "status": callback.status},
        actor=staff_actor(staff),
    )
    return callback


def assign_callback(
    *, callback: Callback, officer_id: int, staff: StaffToken, now: datetime
) -> Callback:
    """Give the call-back to another officer of its team, recording who did it."""
    _check_pending(callback)
    team = current_config().teams.get(callback.team_id)
    if team is None:
        # Made by another instance within the cache's TTL: it exists (foreign key).
        team = refreshed_config().teams[callback.team_id]
    _check_officer(officer_id=officer_id, team=team, field="officer_id")
    if officer_id == callback.officer_id:
        return callback
    officer = db.session.get(Officer, officer_id)
    assert officer is not None
    callback.officer = officer
    callback.officer_reason = "assigned by staff"
    callback.assigned_by_token_id = staff.id
    callback.assigned_at = now
    callback.updated_at = now
    db.session.flush()
    record(
        action="callback.assign",
        object_type="callback",
        object_id=callback.id,
        details={"officer_id": officer_id},
        actor=staff_actor(staff),
    )
    return callback


def callback_stats(
    *, first_day: date, last_day: date, team_slug: str | None, now: datetime
) -> dict[str, Any]:
    """The figures the department reports on for call-backs promised between two local dates."""
    zone = office_zone()
    lower = _instant(local_instant(first_day, 0, zone))
    upper = _instant(local_instant(last_day + timedelta(days=1), 0, zone))
    first_attempt = func.min(CallbackAttempt.attempted_at)
    # The promise is kept by a `reached` attempt at or before `due_at`, whatever came later.
    first_reached = func.min(
        case((CallbackAttempt.outcome == "reached", CallbackAttempt.attempted_at)),
        type_=UTCDateTime(),
    )
    query = (
        select(Callback.status, Callback.created_at, Callback.due_at, first_attempt, first_reached)
        .outerjoin(CallbackAttempt, CallbackAttempt.callback_id == Callback.id)
        .where(Callback.due_at >= lower, Callback.due_at < upper)
        .group_by(Callback.id, Callback.status, Callback.created_at, Callback.due_at)
    )
    if team_slug is not None:
        team_id = db.session.scalar(select(Team.id).where(Team.slug == team_slug))
        if team_id is None:
            raise ValidationProblem(errors={"team": [f"Unknown team '{team_slug}'."]})
        query = query.where(Callback.team_id == team_id)
    count = reached = decided = past_promise = overdue = 0
    waits: list[float] = []
    for status, created_at, due_at, attempted_at, reached_at in db.session.execute(query):
        count += 1
        kept = reached_at is not None and reached_at <= due_at
        # A promise still running is neither kept nor broken yet: it is left out of the share.
        if kept or due_at <= now:
            decided += 1
            reached += kept
        if due_at <= now:
            past_promise += 1
            # Pending past the promise, whether or not the escalation job has marked it yet.
            overdue += status in PENDING_STATUSES
        if attempted_at is not None:
            waits.append((attempted_at - created_at).total_seconds())
    middle = median(waits)
    return {
        "from_": first_day,
        "to": last_day,
        "team": team_slug,
        "count": count,
        "reached_within_promise": {
            "share": round(reached / decided, 4) if decided else None,
            "reached": reached,
            "decided": decided,
        },
        # Real elapsed time from registration, not working time: what the caller waits.
        "time_to_first_attempt": {
            "median_seconds": round(middle) if middle is not None else None,
            "callbacks": len(waits),
        },
        "overdue": {"count": overdue, "past_promise": past_promise},
    }
