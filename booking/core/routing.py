"""Which team and which officer get a booking, with a plain-English reason for the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "OfficerChoice",
    "OfficerLoad",
    "TeamChoice",
    "TeamOption",
    "choose_officer",
    "choose_team",
    "rank_officers",
]


@dataclass(frozen=True, slots=True)
class TeamOption:
    """A team that can be routed to: the applicant kind it serves and its meeting types."""

    team_id: int
    slug: str
    applicant_kind: str
    meeting_types: frozenset[str]


@dataclass(frozen=True, slots=True)
class TeamChoice:
    """The chosen team and why."""

    team_id: int
    slug: str
    reason: str


@dataclass(frozen=True, slots=True)
class OfficerLoad:
    """An eligible officer's load: bookings in the ISO week and last assignment (epoch or None)."""

    officer_id: int
    bookings_this_week: int
    last_assigned_at: int | None


@dataclass(frozen=True, slots=True)
class OfficerChoice:
    """The chosen officer and why (the reason carries no personal data)."""

    officer_id: int
    reason: str


def choose_team(
    *, teams: Sequence[TeamOption], applicant_kind: str, meeting_type: str
) -> TeamChoice | None:
    """Return the team serving ``applicant_kind`` and ``meeting_type`` (lowest id wins), or None."""
    matching = [
        team
        for team in teams
        if team.applicant_kind == applicant_kind and meeting_type in team.meeting_types
    ]
    if not matching:
        return None
    team = min(matching, key=lambda option: option.team_id)
    reason = (
        f"applicant kind '{applicant_kind}' and meeting type '{meeting_type}' "
        f"are served by team '{team.slug}'"
    )
    if len(matching) > 1:
        reason += f" (lowest team id of {len(matching)} matching teams)"
    return TeamChoice(team_id=team.team_id, slug=team.slug, reason=reason)


def _fairness_key(load: OfficerLoad) -> tuple[int, int, int, int]:
    # Never-assigned officers sort before anyone with a timestamp, then oldest assignment first.
    if load.last_assigned_at is None:
        return (load.bookings_this_week, 0, 0, load.officer_id)
    return (load.bookings_this_week, 1, load.last_assigned_at, load.officer_id)


def rank_officers(candidates: Iterable[OfficerLoad]) -> list[OfficerLoad]:
    """Order officers fairly: fewest bookings this ISO week, never/least recently assigned, id."""
    return sorted(candidates, key=_fairness_key)


def _describe_last(last_assigned_at: int | None) -> str:
    if last_assigned_at is None:
        return "never assigned"
    when = datetime.fromtimestamp(last_assigned_at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"last assigned {when}"


def choose_officer(
    *, candidates: Sequence[OfficerLoad], preferred_id: int | None = None
) -> OfficerChoice | None:
    """Return the preferred officer if available, else the fairest one; None if nobody fits."""
    # Reasons deliberately omit officer ids and names: they end up in logs and audit trails
    # that are read more widely than the booking itself.
    if preferred_id is not None:
        for load in candidates:
            if load.officer_id == preferred_id:
                return OfficerChoice(
                    officer_id=load.officer_id,
                    reason="the applicant's preferred officer was requested and is available",
                )
        # Never fall back silently: the caller must tell the applicant the preference failed.
        return None

    ranked = rank_officers(candidates)
    if not ranked:
        return None
    best = ranked[0]
    bookings = best.bookings_this_week
    if len(ranked) == 1:
        reason = (
            f"only eligible officer ({bookings} bookings this ISO week, "
            f"{_describe_last(best.last_assigned_at)})"
        )
        return OfficerChoice(officer_id=best.officer_id, reason=reason)

    runner_up = ranked[1]
    if runner_up.bookings_this_week != bookings:
        reason = (
            f"fewest bookings this ISO week ({bookings}; next fewest "
            f"{runner_up.bookings_this_week}) among {len(ranked)} eligible officers"
        )
    elif runner_up.last_assigned_at != best.last_assigned_at:
        reason = (
            f"tied on fewest bookings this ISO week ({bookings}); least recently assigned "
            f"({_describe_last(best.last_assigned_at)}) among {len(ranked)} eligible officers"
        )
    else:
        reason = (
            f"tied on fewest bookings this ISO week ({bookings}) and on last assignment "
            f"({_describe_last(best.last_assigned_at)}); lowest officer id among "
            f"{len(ranked)} eligible officers"
        )
    return OfficerChoice(officer_id=best.officer_id, reason=reason)
