"""Creating officers and maintaining their hours and absences."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from booking.audit.service import record
from booking.core.identity import InvalidIdentifier, normalise_phone
from booking.core.intervals import merge
from booking.errors import NotFound, ValidationProblem
from booking.extensions import db
from booking.fields import MAX_ID
from booking.officers.models import Absence, Officer, WeeklyHours
from booking.teams.models import Team

# A week of working intervals: generous (a dozen a day), but bounded.
MAX_WEEKLY_INTERVALS = 84


def get_officer(*, officer_id: int) -> Officer:
    """Return the officer, or 404."""
    # Ids in URLs are unbounded integers; the database's are 32-bit (SQLite/PostgreSQL would
    # raise on a larger one).
    officer = db.session.get(Officer, officer_id) if 1 <= officer_id <= MAX_ID else None
    if officer is None:
        raise NotFound(f"No officer {officer_id}.")
    return officer


def list_officers() -> Sequence[Officer]:
    """Return every officer, oldest first."""
    query = select(Officer).options(selectinload(Officer.teams)).order_by(Officer.id)
    return db.session.scalars(query).all()


def create_officer(*, data: dict[str, Any]) -> Officer:
    """Create an officer in the named teams."""
    slugs = list(dict.fromkeys(data.pop("teams")))
    teams = db.session.scalars(select(Team).where(Team.slug.in_(slugs))).all()
    missing = sorted(set(slugs) - {t.slug for t in teams})
    if missing:
        raise ValidationProblem(errors={"teams": [f"Unknown team '{slug}'." for slug in missing]})
    if data.get("phone"):
        try:
            data["phone"] = normalise_phone(data["phone"])
        except InvalidIdentifier as exc:
            raise ValidationProblem(errors={"phone": [str(exc)]}) from exc
    officer = Officer(**data, teams=sorted(teams, key=lambda t: t.id))
    db.session.add(officer)
    db.session.flush()
    record(
        action="officer.create",
        object_type="officer",
        object_id=officer.id,
        details={"teams": [t.slug for t in officer.teams]},
    )
    return officer


def replace_weekly_hours(*, officer: Officer, hours: Sequence[dict[str, Any]]) -> list[WeeklyHours]:
    """Replace the officer's whole week; intervals of one weekday may not overlap.

    Touching intervals of a day (08:00-10:00 and 10:00-12:00) are stored joined: the officer
    works without a break, so a meeting may span 10:00.
    """
    if len(hours) > MAX_WEEKLY_INTERVALS:
        raise ValidationProblem(
            errors={"body": [f"At most {MAX_WEEKLY_INTERVALS} intervals per week."]}
        )
    by_day: dict[int, list[tuple[int, int, int]]] = {}
    for index, item in enumerate(hours):
        by_day.setdefault(item["weekday"], []).append(
            (item["start_minute"], item["end_minute"], index)
        )
    errors: dict[str, list[str]] = {}
    for weekday, intervals in by_day.items():
        reach = -1
        for start, end, index in sorted(intervals):
            if start < reach:
                errors[f"{index}.start"] = [f"Overlaps another interval of weekday {weekday}."]
            reach = max(reach, end)
    if errors:
        raise ValidationProblem("Intervals of one weekday overlap.", errors=errors)
    db.session.execute(delete(WeeklyHours).where(WeeklyHours.officer_id == officer.id))
    rows = [
        WeeklyHours(officer_id=officer.id, weekday=d, start_minute=s, end_minute=e)
        for d in sorted(by_day)
        for s, e in merge((s, e) for s, e, _ in by_day[d])
    ]
    db.session.add_all(rows)
    db.session.flush()
    db.session.expire(officer, ["weekly_hours"])
    record(
        action="hours.update",
        object_type="officer",
        object_id=officer.id,
        details={"intervals": len(rows)},
    )
    return rows


def add_absence(*, officer: Officer, data: dict[str, Any]) -> Absence:
    """Record an absence of the officer."""
    absence = Absence(
        officer_id=officer.id, start_at=data["start"], end_at=data["end"], reason=data.get("reason")
    )
    db.session.add(absence)
    db.session.flush()
    # The absence's reason may be personal (illness): only its ids go into the log.
    record(
        action="absence.create",
        object_type="officer",
        object_id=officer.id,
        details={"absence_id": absence.id},
    )
    return absence


def remove_absence(*, officer: Officer, absence_id: int) -> None:
    """Delete one of the officer's absences, or 404."""
    absence = db.session.get(Absence, absence_id) if 1 <= absence_id <= MAX_ID else None
    if absence is None or absence.officer_id != officer.id:
        raise NotFound(f"No absence {absence_id} for officer {officer.id}.")
    db.session.delete(absence)
    db.session.flush()
    record(
        action="absence.delete",
        object_type="officer",
        object_id=officer.id,
        details={"absence_id": absence_id},
    )
