"""Creating and finding teams and meeting types."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from booking.audit.service import record
from booking.config_cache import MeetingTypeConfig, TeamConfig, current_config
from booking.core.routing import TeamChoice, choose_team
from booking.errors import Conflict, ValidationProblem
from booking.extensions import db
from booking.teams.models import MeetingType, Team


def list_teams() -> Sequence[Team]:
    """Return every team, oldest first."""
    query = select(Team).options(selectinload(Team.meeting_types)).order_by(Team.id)
    return db.session.scalars(query).all()


def list_meeting_types() -> Sequence[MeetingType]:
    """Return every meeting type, oldest first."""
    return db.session.scalars(select(MeetingType).order_by(MeetingType.id)).all()


def get_meeting_type(*, slug: str, field: str = "meeting_type") -> MeetingTypeConfig:
    """Return the meeting type with this slug (cached), or a 422 naming `field`."""
    meeting_type = current_config().meeting_types.get(slug)
    if meeting_type is None:
        raise ValidationProblem(errors={field: [f"Unknown meeting type '{slug}'."]})
    return meeting_type


def create_meeting_type(*, data: dict[str, Any]) -> MeetingType:
    """Create a meeting type; 409 if the slug is taken."""
    if db.session.scalars(select(MeetingType.id).where(MeetingType.slug == data["slug"])).first():
        raise Conflict(f"A meeting type '{data['slug']}' already exists.")
    meeting_type = MeetingType(**data)
    db.session.add(meeting_type)
    db.session.flush()
    record(action="meeting_type.create", object_type="meeting_type", object_id=meeting_type.slug)
    return meeting_type


def create_team(*, data: dict[str, Any]) -> Team:
    """Create a team serving the named meeting types; 409 if the slug is taken."""
    if db.session.scalars(select(Team.id).where(Team.slug == data["slug"])).first():
        raise Conflict(f"A team '{data['slug']}' already exists.")
    slugs = list(dict.fromkeys(data.pop("meeting_types")))
    found = db.session.scalars(select(MeetingType).where(MeetingType.slug.in_(slugs))).all()
    missing = sorted(set(slugs) - {m.slug for m in found})
    if missing:
        raise ValidationProblem(
            errors={"meeting_types": [f"Unknown meeting type '{s}'." for s in missing]}
        )
    team = Team(**data, meeting_types=sorted(found, key=lambda m: m.id))
    db.session.add(team)
    db.session.flush()
    record(
        action="team.create",
        object_type="team",
        object_id=team.slug,
        details={"meeting_types": [m.slug for m in team.meeting_types]},
    )
    return team


def route_team(
    *, applicant_kind: str, meeting_type: MeetingTypeConfig, field: str = "applicant_kind"
) -> tuple[TeamConfig, TeamChoice]:
    """Pick the team serving this applicant kind and meeting type; 422 naming `field` if none.

    `field` is where the caller's request carried the kind: the slot search's query parameter
    `applicant_kind`, or `applicant.kind` in a booking's body.
    """
    config = current_config()
    choice = choose_team(
        teams=config.team_options, applicant_kind=applicant_kind, meeting_type=meeting_type.slug
    )
    if choice is None:
        message = f"No team serves {applicant_kind} applicants for '{meeting_type.slug}'."
        raise ValidationProblem(message, errors={field: [message]})
    return config.teams[choice.team_id], choice
