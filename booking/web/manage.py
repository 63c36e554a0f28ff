"""The manage page (hantera bokning): the applicant's link from the confirmation, reminders and
invite. It shows the booking and lets the applicant move or cancel it.

Opening the link never changes anything (mail scanners follow links): every change is a POST
carrying the CSRF token and the manage token as form fields. The token appears only in this
page's own forms and links; the blueprint is sent with `Referrer-Policy: no-referrer` and
`Cache-Control: no-store` (security.py). A wrong token and an unknown reference are the same 404.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from marshmallow import ValidationError

from booking.bookings.models import Booking
from booking.bookings.schemas import CancelSchema
from booking.bookings.service import cancel_booking, get_booking_for, reschedule_booking
from booking.clock import now
from booking.errors import Conflict
from booking.extensions import db
from booking.fields import office_zone
from booking.web.i18n import translate
from booking.web.security import protect_form
from booking.web.weeks import move_choices, parse_start, parse_week

bp = Blueprint("manage", __name__, url_prefix="/boka/hantera")

# Flashed after a change, shown once on the manage page the POST redirects to. Keys, not texts:
# the notice is written in the language of the page that shows it, with the booking's time then.
_FLASH_CATEGORY = "manage"
_NOTICES = {"moved", "unchanged", "cancelled"}
_CANCEL_ARGS = CancelSchema()
# Where someone whose booking is cancelled or over books again (the public booking pages).
BOOK_AGAIN_PATH = "/boka"

Html = str | tuple[str, int]


def _booking(reference: str, token: str | None, *, lock: bool = False) -> Booking:
    return get_booking_for(reference=reference, manage_token=token, staff=None, lock=lock)


def booking_state(booking: Booking, moment: datetime) -> str:
    """The booking's state for the page: "cancelled", "past" (begun or over) or "active"."""
    if booking.status == "cancelled":
        return "cancelled"
    if booking.start_at <= moment:
        return "past"
    return "active"


def _show_url(booking: Booking, token: str, **arguments: str) -> str:
    return url_for("manage.show", reference=booking.reference, token=token, **arguments)


def _move_url(booking: Booking, token: str, **arguments: str) -> str:
    return url_for("manage.move", reference=booking.reference, token=token, **arguments)


def _invite_url(booking: Booking, token: str) -> str:
    # The JSON API's invitation takes the same token; relative, so it stays on this origin.
    return (
        f"/api/v1/bookings/{quote(booking.reference, safe='')}/invite.ics"
        f"?token={quote(token, safe='')}"
    )


def _render_manage(
    booking: Booking,
    token: str,
    *,
    status: int = 200,
    refused: bool = False,
    cancel_errors: dict[str, list[str]] | None = None,
    reason: str = "",
) -> Html:
    moment = now()
    notices = [
        key for key in get_flashed_messages(category_filter=[_FLASH_CATEGORY]) if key in _NOTICES
    ]
    html = render_template(
        "web/manage/show.html",
        booking=booking,
        token=token,
        state=booking_state(booking, moment),
        held=booking.end_at <= moment,
        notices=notices,
        refused=refused,
        cancel_errors=cancel_errors or {},
        reason=reason,
        officer_name=_first_name(booking.officer.name),
        invite_url=_invite_url(booking, token),
        move_url=_move_url(booking, token),
        book_again_url=BOOK_AGAIN_PATH,
        language_link=lambda language: _show_url(booking, token, lang=language),
    )
    return html, status


def _first_name(name: str) -> str:
    # The applicant meets a person; the first name is enough to recognise them on the phone.
    parts = name.split()
    return parts[0] if parts else name


def _render_move(
    booking: Booking,
    token: str,
    *,
    monday: date,
    status: int = 200,
    taken: datetime | None = None,
    error: str | None = None,
) -> Html:
    choices = move_choices(booking=booking, monday=monday, is_staff=False, now=now(), taken=taken)
    week, first, nearest = choices.week, choices.first, choices.nearest

    def week_url(day: date) -> str:
        return _move_url(booking, token, vecka=day.isoformat())

    html = render_template(
        "web/manage/move.html",
        booking=booking,
        token=token,
        week=week,
        week_url=week_url,
        first_free_url=week_url(first.day) if first is not None else None,
        taken=taken,
        nearest=nearest,
        error=error,
        show_url=_show_url(booking, token),
        language_link=lambda language: _move_url(
            booking, token, vecka=monday.isoformat(), lang=language
        ),
    )
    return html, status


def _today() -> date:
    return now().astimezone(office_zone()).date()


@bp.get("/<reference>")
def show(reference: str) -> Html:
    """The booking as the applicant entered it, with the ways to move or cancel it."""
    token = request.args.get("token", "")
    booking = _booking(reference, token)
    return _render_manage(booking, token)


@bp.post("/<reference>/avboka")
def cancel(reference: str) -> Html | Response:
    """Cancel the booking (the button says so explicitly); then back to the manage page."""
    protect_form()
    token = request.form.get("token", "")
    booking = _booking(reference, token, lock=True)
    if booking_state(booking, now()) != "active":
        return _render_manage(booking, token, status=409, refused=True)
    reason = request.form.get("reason", "").strip()
    try:
        data = _CANCEL_ARGS.load({"reason": reason or None})
    except ValidationError:
        too_long = len(reason) > 500
        key = "manage_cancel_reason_too_long" if too_long else "manage_cancel_reason_invalid"
        return _render_manage(
            booking, token, status=422, cancel_errors={"reason": [translate(key)]}, reason=reason
        )
    cancel_booking(booking=booking, reason=data["reason"], now=now())
    flash("cancelled", _FLASH_CATEGORY)
    return redirect(_show_url(booking, token), 303)


@bp.get("/<reference>/flytta")
def move(reference: str) -> Html:
    """The week view of the booking's team, its own time shown free, to choose a new start."""
    token = request.args.get("token", "")
    booking = _booking(reference, token)
    if booking_state(booking, now()) != "active":
        return _render_manage(booking, token, status=409, refused=True)
    monday = parse_week(request.args.get("vecka"), today=_today())
    return _render_move(booking, token, monday=monday)


@bp.post("/<reference>/flytta")
def move_to(reference: str) -> Html | Response:
    """Move the booking to the chosen start; a time taken meanwhile offers the nearest ones."""
    protect_form()
    token = request.form.get("token", "")
    booking = _booking(reference, token, lock=True)
    moment = now()
    if booking_state(booking, moment) != "active":
        return _render_manage(booking, token, status=409, refused=True)
    start = parse_start(request.form.get("start"))
    if start is None:
        monday = parse_week(request.form.get("vecka"), today=_today())
        return _render_move(booking, token, monday=monday, status=422, error="move_bad_start")
    unchanged = start == booking.start_at
    try:
        reschedule_booking(booking=booking, start=start, staff=None, now=moment)
    except Conflict:
        # PostgreSQL has aborted the transaction: roll back before reading again.
        db.session.rollback()
        booking = _booking(reference, token)
        if booking_state(booking, now()) != "active":
            return _render_manage(booking, token, status=409, refused=True)
        monday = parse_week(start.date().isoformat(), today=_today())
        return _render_move(booking, token, monday=monday, status=409, taken=start)
    flash("unchanged" if unchanged else "moved", _FLASH_CATEGORY)
    return redirect(_show_url(booking, token), 303)
