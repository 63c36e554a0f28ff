"""The console's start page: the service center's overview per team, or an officer's own day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from flask import render_template

from booking.bookings.models import Booking
from booking.bookings.service import list_bookings
from booking.callbacks.models import PENDING_STATUSES, Callback
from booking.callbacks.service import list_callbacks
from booking.clock import now
from booking.config_cache import current_config
from booking.fields import office_zone
from booking.surveys.service import count_awaiting_outcome, list_awaiting_outcome
from booking.web.staff import bp
from booking.web.staff.auth import signed_in
from booking.web.staff.forms import (
    BOOKING_OUTCOME_NAMES,
    BOOKING_STATUS_NAMES,
    CALLBACK_STATUS_NAMES,
    KIND_NAMES,
    MODE_NAMES,
    OUTCOME_NAMES,
)

# An officer's day lists this many meetings awaiting an outcome, newest first, and counts the rest.
AWAITING_SHOWN = 50


def _pending_callbacks(staff: Any) -> list[Callback]:
    found: list[Callback] = []
    for status in PENDING_STATUSES:
        page, _ = list_callbacks(
            staff=staff,
            status=status,
            team_slug=None,
            officer_id=None,
            first_day=None,
            last_day=None,
        )
        found.extend(page)
    # Abandoned ones (anonymised by retention) have nobody left to call.
    return sorted((c for c in found if c.is_pending), key=lambda c: (c.due_at, c.id))


def _split_week(bookings: Sequence[Booking], today: date) -> tuple[list[Booking], list[Booking]]:
    zone = office_zone()
    todays = [b for b in bookings if b.start_at.astimezone(zone).date() == today]
    later = [b for b in bookings if b.start_at.astimezone(zone).date() > today]
    return todays, later


def _is_overdue(callback: Callback, moment: datetime) -> bool:
    return callback.status == "overdue" or callback.due_at <= moment


def _officer_awaiting(staff: Any, moment: datetime) -> dict[str, Any]:
    """The officer's newest meetings awaiting an outcome, and how many older ones wait too."""
    shown, total = list_awaiting_outcome(
        staff=staff,
        team_slug=None,
        officer_id=None,
        now=moment,
        limit=AWAITING_SHOWN,
        newest_first=True,
    )
    return {"awaiting": list(shown), "awaiting_more": max(total - len(shown), 0)}


@bp.get("")
def home() -> str:
    """The overview (service center, admin) or "Min dag" (an officer)."""
    staff = signed_in()
    moment = now()
    today = moment.astimezone(office_zone()).date()
    sunday = today + timedelta(days=6 - today.weekday())
    bookings, _ = list_bookings(
        staff=staff,
        first_day=today,
        last_day=sunday,
        team_slug=None,
        officer_id=None,
        status=None,
        now=moment,
    )
    callbacks = _pending_callbacks(staff)
    names = {
        "kind_names": KIND_NAMES,
        "mode_names": MODE_NAMES,
        "booking_status_names": BOOKING_STATUS_NAMES,
        "callback_status_names": CALLBACK_STATUS_NAMES,
        "outcome_names": OUTCOME_NAMES,
        "booking_outcome_names": BOOKING_OUTCOME_NAMES,
        "is_overdue": lambda callback: _is_overdue(callback, moment),
        "today": today,
        "sunday": sunday,
    }
    if staff.role == "officer":
        todays, later = _split_week(bookings, today)
        return render_template(
            "web/staff/my_day.html",
            todays=todays,
            later=[b for b in later if b.status == "confirmed"],
            callbacks=callbacks,
            **_officer_awaiting(staff, moment),
            **names,
        )
    awaiting_per_team = count_awaiting_outcome(now=moment)
    teams = []
    for team in sorted(current_config().teams.values(), key=lambda t: t.id):
        todays, later = _split_week([b for b in bookings if b.team_id == team.id], today)
        teams.append(
            {
                "team": team,
                "todays": todays,
                "later": later,
                "callbacks": [c for c in callbacks if c.team_id == team.id],
                "awaiting_outcome": awaiting_per_team.get(team.id, 0),
            }
        )
    return render_template("web/staff/overview.html", teams=teams, **names)
