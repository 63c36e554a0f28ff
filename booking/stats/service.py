"""The figures per period and team, computed from bookings, survey responses and call-backs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from booking.bookings.models import Booking
from booking.callbacks.service import callback_stats
from booking.config_cache import current_config
from booking.core.nki import Figure, median_figure, nki, period_label, period_start, periods, rate
from booking.core.slots import local_instant
from booking.errors import ValidationProblem
from booking.extensions import db
from booking.fields import office_zone
from booking.surveys.models import SurveyResponse
from booking.teams.models import MODES

STATS_ROLES = ("admin", "service_center")
GROUPINGS = ("month", "week")
CHANNELS = ("web", "service_center")
# Two years and a day for a leap year: what one report may cover.
MAX_STATS_DAYS = 731


def _instant(day: date) -> datetime:
    return datetime.fromtimestamp(local_instant(day, 0, office_zone()), UTC)


def _figure(figure: Figure) -> dict[str, Any]:
    return asdict(figure)


def _period_end(start: date, group_by: str) -> date:
    if group_by == "week":
        return start + timedelta(days=6)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _teams(team_slug: str | None) -> list[tuple[int, str, str]]:
    teams = sorted(current_config().teams.values(), key=lambda t: t.id)
    if team_slug is None:
        return [(t.id, t.slug, t.name) for t in teams]
    chosen = [(t.id, t.slug, t.name) for t in teams if t.slug == team_slug]
    if not chosen:
        raise ValidationProblem(errors={"team": [f"Unknown team '{team_slug}'."]})
    return chosen


def department_stats(
    *,
    first_day: date,
    last_day: date,
    team_slug: str | None,
    group_by: str,
    min_answers: int,
    now: datetime,
) -> dict[str, Any]:
    """Return the figures for each period (month or ISO week, local time) and team in a range."""
    teams = _teams(team_slug)
    team_ids = [team_id for team_id, _, _ in teams]
    zone = office_zone()
    lower, upper = _instant(first_day), _instant(last_day + timedelta(days=1))

    booked: dict[tuple[date, int], list[Any]] = defaultdict(list)
    query = select(
        Booking.team_id,
        Booking.channel,
        Booking.mode,
        Booking.status,
        Booking.created_at,
        Booking.start_at,
        Booking.outcome,
        Booking.first_free_start_at,
    ).where(Booking.start_at >= lower, Booking.start_at < upper, Booking.team_id.in_(team_ids))
    # A booking belongs to the period of its meeting (local date), as the department plans.
    for row in db.session.execute(query):
        key = (period_start(row.start_at.astimezone(zone).date(), group_by), row.team_id)
        booked[key].append(row)

    answers: dict[tuple[date, int], list[tuple[int, int, int]]] = defaultdict(list)
    survey = select(
        SurveyResponse.team_id,
        SurveyResponse.answered_at,
        SurveyResponse.q_overall,
        SurveyResponse.q_expectations,
        SurveyResponse.q_ideal,
    ).where(
        SurveyResponse.answered_at >= lower,
        SurveyResponse.answered_at < upper,
        SurveyResponse.team_id.in_(team_ids),
    )
    # A response belongs to the period it was given in, as NKI is reported.
    for row in db.session.execute(survey):
        key = (period_start(row.answered_at.astimezone(zone).date(), group_by), row.team_id)
        answers[key].append((row.q_overall, row.q_expectations, row.q_ideal))

    rows: list[dict[str, Any]] = []
    for start in periods(first_day, last_day, group_by):
        # The first and last period are cut to the range asked for.
        period_first = max(start, first_day)
        period_last = min(_period_end(start, group_by), last_day)
        for team_id, slug, name in teams:
            found = booked.get((start, team_id), [])
            confirmed = [b for b in found if b.status == "confirmed"]
            judged = [b for b in confirmed if b.outcome is not None]
            no_shows = sum(1 for b in judged if b.outcome == "no_show")
            cancelled = sum(1 for b in found if b.status == "cancelled")
            lead_days = [(b.start_at - b.created_at).total_seconds() / 86_400 for b in confirmed]
            # Every request counts, also one cancelled later: it was offered its first slot.
            first_slot_days = [
                (b.first_free_start_at - b.created_at).total_seconds() / 86_400
                for b in found
                if b.first_free_start_at is not None
            ]
            callbacks = callback_stats(
                first_day=period_first, last_day=period_last, team_slug=slug, now=now
            )
            kept = callbacks["reached_within_promise"]
            rows.append(
                {
                    "period": period_label(start, group_by),
                    "period_from": period_first,
                    "period_to": period_last,
                    "team": slug,
                    "team_name": name,
                    "bookings": {
                        "count": len(found),
                        "by_channel": {c: sum(b.channel == c for b in found) for c in CHANNELS},
                        "by_mode": {m: sum(b.mode == m for b in found) for m in MODES},
                    },
                    "cancellations": {
                        "count": cancelled,
                        **_figure(rate(cancelled, len(found))),
                    },
                    "no_show": {
                        "count": no_shows,
                        **_figure(rate(no_shows, len(judged))),
                    },
                    "lead_time_days": _figure(median_figure(lead_days)),
                    "request_to_first_slot_days": _figure(median_figure(first_slot_days)),
                    "callback_promises_kept": {
                        "count": kept["reached"],
                        **_figure(rate(kept["reached"], kept["decided"])),
                    },
                    "responses": len(answers.get((start, team_id), [])),
                    "nki": _figure(nki(answers.get((start, team_id), []), min_answers=min_answers)),
                }
            )
    return {
        "from_": first_day,
        "to": last_day,
        "team": team_slug,
        "group_by": group_by,
        "min_answers": min_answers,
        "rows": rows,
    }
