"""Booking for a caller (search → week → form → confirmation) and a booking's own page."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from booking.auth.models import StaffToken
from booking.bookings import service
from booking.bookings.models import Booking
from booking.bookings.schemas import BookingCreateSchema, CancelSchema
from booking.clock import now
from booking.config_cache import MeetingTypeConfig, TeamConfig, current_config
from booking.errors import (
    BadRequest,
    Conflict,
    SlotUnavailable,
    ValidationProblem,
    flatten_messages,
)
from booking.extensions import db
from booking.fields import office_zone
from booking.teams.models import APPLICANT_KINDS
from booking.teams.service import route_team
from booking.web.security import protect_form
from booking.web.staff import bp
from booking.web.staff.auth import require_role, signed_in
from booking.web.staff.forms import (
    BOOKING_OUTCOME_NAMES,
    BOOKING_STATUS_NAMES,
    KIND_NAMES,
    MODE_NAMES,
    field,
    is_phone_number,
    map_errors,
    optional,
)
from booking.web.weeks import (
    first_free,
    monday_of,
    move_choices,
    nearest_free,
    parse_start,
    parse_week,
    start_value,
    team_week,
)

_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CREATE = BookingCreateSchema()
_CANCEL = CancelSchema()

_APPLICANT_FIELDS = {
    "applicant.name": ("name", "Skriv sökandens namn (högst 200 tecken, på en rad)."),
    "applicant.phone": ("phone", "Skriv ett giltigt telefonnummer, till exempel 070-123 45 67."),
    "applicant.email": (
        "email",
        "Skriv en giltig e-postadress, till exempel namn@exempel.se, eller lämna fältet tomt.",
    ),
    "applicant.organisation_number": (
        "organisation_number",
        "Skriv ett giltigt organisationsnummer, till exempel 556036-0793 "
        "(enskild firma: personnummer).",
    ),
    "property_designation": (
        "property_designation",
        "Fastighetsbeteckningen får vara högst 200 tecken på en rad.",
    ),
    "case_number": ("case_number", "Ärendenumret får vara högst 64 tecken på en rad."),
    "description": ("description", "Beskrivningen får vara högst 4000 tecken."),
}
BOOKING_FORM_ORDER = (
    "name",
    "phone",
    "email",
    "organisation_number",
    "property_designation",
    "case_number",
    "description",
    "start",
)


@dataclass(frozen=True, slots=True)
class Search:
    """What the caller needs: their kind, the meeting type and mode, and the team it routes to."""

    kind: str
    meeting_type: MeetingTypeConfig
    mode: str
    team: TeamConfig

    def params(self) -> dict[str, Any]:
        """The query parameters that name this search."""
        return {"kind": self.kind, "meeting_type": self.meeting_type.slug, "mode": self.mode}


def _parse_search(values: MultiDict[str, str]) -> tuple[Search | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    kind = values.get("kind", "")
    slug = values.get("meeting_type", "")
    mode = values.get("mode", "")
    if kind not in APPLICANT_KINDS:
        errors["kind"] = ["Välj om den som ringer är privatperson eller företag."]
    meeting_type = current_config().meeting_types.get(slug) if len(slug) <= 63 else None
    if meeting_type is None:
        errors["meeting_type"] = ["Välj typ av möte."]
    if mode not in MODE_NAMES or (meeting_type is not None and mode not in meeting_type.modes):
        errors["mode"] = ["Välj hur mötet ska hållas (ett sätt som mötestypen erbjuds på)."]
    if errors or meeting_type is None:
        return None, errors
    try:
        team, _ = route_team(applicant_kind=kind, meeting_type=meeting_type)
    except ValidationProblem:
        return None, {"kind": ["Inget team tar emot den här sortens sökande för mötestypen."]}
    return Search(kind=kind, meeting_type=meeting_type, mode=mode, team=team), {}


def _search_options() -> dict[str, Any]:
    meeting_types = sorted(current_config().meeting_types.values(), key=lambda m: m.id)
    return {
        "kind_options": [(k, name, None) for k, name in KIND_NAMES.items()],
        "meeting_type_options": [(m.slug, m.name, None) for m in meeting_types],
        "mode_options": [(m, name, None) for m, name in MODE_NAMES.items()],
    }


@bp.get("/sok")
def search() -> Any:
    """Find free times for a caller: kind, meeting type and mode → the routed team's week."""
    require_role(*service.STAFF_BOOKING_ROLES)
    asked = any(name in request.args for name in ("kind", "meeting_type", "mode"))
    found, errors = _parse_search(request.args) if asked else (None, {})
    context: dict[str, Any] = {"errors": errors, "values": request.args, "search": found}
    context.update(_search_options())
    if found is None:
        meeting_types = context["meeting_type_options"]
        if not asked and len(meeting_types) == 1:
            context["values"] = {"meeting_type": meeting_types[0][0]}
        return render_template("web/staff/search.html", **context), 422 if errors else 200
    moment = now()
    today = moment.astimezone(office_zone()).date()
    monday = parse_week(request.args.get("vecka"), today=today)
    week = team_week(
        team=found.team,
        meeting_type=found.meeting_type,
        monday=monday,
        is_staff=True,
        now=moment,
    )
    first = first_free(team=found.team, meeting_type=found.meeting_type, is_staff=True, now=moment)

    def week_url(day: date) -> str:
        return url_for("staff.search", **found.params(), vecka=day.isoformat())

    context.update(
        week=week,
        week_url=week_url,
        first_free_url=week_url(monday_of(first.day)) if first is not None else None,
    )
    return render_template("web/staff/search.html", **context)


def _booking_context(
    found: Search,
    *,
    start: datetime | None,
    values: dict[str, str],
    key: str,
    errors: dict[str, list[str]] | None = None,
    general: list[str] | None = None,
    alternatives: list[Any] | None = None,
) -> dict[str, Any]:
    return {
        "search": found,
        "start": start,
        "start_value": start_value(start) if start is not None else "",
        "values": values,
        "idempotency_key": key,
        "errors": errors or {},
        "general_errors": general or [],
        "alternatives": alternatives,
        "kind_name": KIND_NAMES[found.kind],
        "mode_name": MODE_NAMES[found.mode],
        "fields_order": BOOKING_FORM_ORDER,
        "back_url": url_for(
            "staff.search",
            **found.params(),
            vecka=start.date().isoformat() if start is not None else None,
        ),
    }


@bp.get("/boka")
def booking_form() -> Any:
    """The caller's details for the chosen time."""
    require_role(*service.STAFF_BOOKING_ROLES)
    found, _ = _parse_search(request.args)
    start = parse_start(request.args.get("start"))
    if found is None or start is None:
        # A stale or edited link: back to the search, which says what is missing.
        # Only the search's own parameters: url_for treats `_external`, `_scheme`… specially.
        kept: dict[str, Any] = {
            name: request.args[name][:100]
            for name in ("kind", "meeting_type", "mode")
            if name in request.args
        }
        return redirect(url_for("staff.search", **kept), 303)
    context = _booking_context(found, start=start, values={}, key=secrets.token_urlsafe(24))
    return render_template("web/staff/book.html", **context)


def _booking_values() -> dict[str, str]:
    names = ("name", "phone", "email", "organisation_number", "property_designation")
    values = {name: field(name) for name in (*names, "case_number")}
    values["description"] = request.form.get("description", "").strip()
    return values


def _booking_body(found: Search, start: datetime, values: dict[str, str]) -> dict[str, Any]:
    applicant: dict[str, Any] = {
        "kind": found.kind,
        "name": values["name"],
        "phone": optional(values["phone"]),
        "email": optional(values["email"]),
    }
    if found.kind == "company":
        applicant["organisation_number"] = optional(values["organisation_number"])
    return {
        "meeting_type": found.meeting_type.slug,
        "start": start_value(start),
        "mode": found.mode,
        "applicant": applicant,
        "property_designation": optional(values["property_designation"]),
        "case_number": optional(values["case_number"]),
        "description": optional(values["description"]),
        "language": "sv",
    }


@bp.post("/boka")
def book() -> Any:
    """Book the chosen time for the caller with the staff token (channel service_center)."""
    protect_form()
    staff = require_role(*service.STAFF_BOOKING_ROLES)
    found, _ = _parse_search(request.form)
    key = request.form.get("idempotency_key", "")
    if found is None or not _IDEMPOTENCY_KEY.match(key):
        raise BadRequest("The booking form is incomplete.")
    values = _booking_values()
    start = parse_start(request.form.get("start"))
    errors: dict[str, list[str]] = {}
    if start is None:
        errors["start"] = ["Välj en tid."]
    if not values["phone"]:
        errors["phone"] = ["Skriv sökandens telefonnummer: bekräftelsen skickas som sms."]
    elif not is_phone_number(values["phone"]):
        errors["phone"] = [_APPLICANT_FIELDS["applicant.phone"][1]]
    body = _booking_body(found, start, values) if start is not None else None
    data: dict[str, Any] = {}
    if body is not None:
        try:
            data = _CREATE.load(body)
        except ValidationError as exc:
            schema_errors, general = map_errors(flatten_messages(exc.messages), _APPLICANT_FIELDS)
            for name, messages in schema_errors.items():
                errors.setdefault(name, messages)
            if general:
                raise BadRequest("The booking form is not valid.") from None
    if errors:
        context = _booking_context(found, start=start, values=values, key=key, errors=errors)
        return render_template("web/staff/book.html", **context), 422
    assert start is not None
    try:
        result = service.book_slot(
            data=data,
            raw_body=body,
            staff=staff,
            now=now(),
            idempotency_key=key,
            secret_key=current_app.config["SECRET_KEY"],
        )
    except SlotUnavailable:
        db.session.rollback()
        alternatives = nearest_free(
            team=found.team,
            meeting_type=found.meeting_type,
            around=start,
            is_staff=True,
            now=now(),
        )
        context = _booking_context(
            found, start=start, values=values, key=key, alternatives=alternatives
        )
        return render_template("web/staff/book.html", **context), 409
    except ValidationProblem as exc:
        db.session.rollback()
        errors, general = map_errors(exc.errors, _APPLICANT_FIELDS)
        if "Idempotency-Key" in exc.errors:
            # The form was sent before with other details (back button, then edited): a new
            # key makes the next submit a new booking, after staff have checked the details.
            key = secrets.token_urlsafe(24)
            general = [
                "Formuläret har redan använts för en bokning. Kontrollera uppgifterna och skicka "
                "igen om du vill göra en ny bokning."
            ]
        context = _booking_context(
            found, start=start, values=values, key=key, errors=errors, general=general
        )
        return render_template("web/staff/book.html", **context), 422
    except Conflict:
        db.session.rollback()
        context = _booking_context(
            found,
            start=start,
            values=values,
            key=key,
            general=["Bokningen kunde inte göras just nu. Vänta en stund och skicka igen."],
        )
        return render_template("web/staff/book.html", **context), 409
    return redirect(url_for("staff.booking_done", reference=result.booking.reference), 303)


def _booking_for(reference: str, *, lock: bool = False) -> Booking:
    return service.get_booking_for(
        reference=reference[:32], manage_token=None, staff=signed_in(), lock=lock
    )


def _names() -> dict[str, Any]:
    return {
        "kind_names": KIND_NAMES,
        "mode_names": MODE_NAMES,
        "status_names": BOOKING_STATUS_NAMES,
    }


@bp.get("/bokning/<reference>/bokad")
def booking_done(reference: str) -> str:
    """The confirmation to read out: the reference, the time, and where the SMS goes."""
    booking = _booking_for(reference)
    return render_template("web/staff/booked.html", booking=booking, **_names())


def _can_change(booking: Booking) -> bool:
    return booking.status == "confirmed" and booking.start_at > now()


def can_record_outcome(booking: Booking, *, staff: StaffToken, moment: datetime) -> bool:
    """Whether the page offers the outcome form: a started meeting, once (an admin: again)."""
    return (
        booking.status == "confirmed"
        and booking.start_at <= moment
        and (booking.outcome is None or staff.role == "admin")
    )


def booking_page(booking: Booking, **extra: Any) -> str:
    """Render a booking's page with what the signed-in staff may do; `extra` adds or overrides."""
    context: dict[str, Any] = {
        "booking": booking,
        "can_change": _can_change(booking),
        "can_record_outcome": can_record_outcome(booking, staff=signed_in(), moment=now()),
        "outcome_names": BOOKING_OUTCOME_NAMES,
        "errors": {},
        **_names(),
    }
    context.update(extra)
    return render_template("web/staff/booking.html", **context)


@bp.get("/bokning/<reference>")
def booking_detail(reference: str) -> str:
    """A booking's details, with cancelling and moving while it is ahead, the outcome after."""
    return booking_page(_booking_for(reference))


@bp.post("/bokning/<reference>/avboka")
def cancel(reference: str) -> Any:
    """Cancel the booking, with the caller's reason."""
    protect_form()
    booking = _booking_for(reference, lock=True)
    reason = request.form.get("reason", "").strip()
    try:
        data = _CANCEL.load({"reason": reason or None})
    except ValidationError:
        errors = {"reason": ["Anledningen får vara högst 500 tecken."]}
        return booking_page(booking, errors=errors, reason=reason), 422
    try:
        service.cancel_booking(booking=booking, reason=data["reason"], now=now())
    except Conflict:
        db.session.rollback()
        booking = _booking_for(reference)
        return booking_page(
            booking, can_change=False, problem="Mötet har redan ägt rum och kan inte avbokas."
        ), 409
    flash(f"Bokningen {booking.reference} är avbokad.", "success")
    return redirect(url_for("staff.booking_detail", reference=booking.reference), 303)


def _move_context(booking: Booking, monday: date, taken: datetime | None = None) -> dict[str, Any]:
    choices = move_choices(booking=booking, monday=monday, is_staff=True, now=now(), taken=taken)

    def week_url(day: date) -> str:
        return url_for("staff.move_form", reference=booking.reference, vecka=day.isoformat())

    first = choices.first
    return {
        "booking": booking,
        "week": choices.week,
        "week_url": week_url,
        "first_free_url": week_url(monday_of(first.day)) if first is not None else None,
        "alternatives": choices.nearest if taken is not None else None,
        **_names(),
    }


@bp.get("/bokning/<reference>/flytta")
def move_form(reference: str) -> Any:
    """The booking's team's week, without the booking itself, to choose a new time."""
    booking = _booking_for(reference)
    if not _can_change(booking):
        return redirect(url_for("staff.booking_detail", reference=booking.reference), 303)
    today = now().astimezone(office_zone()).date()
    default = booking.start_at.astimezone(office_zone()).date()
    monday = parse_week(request.args.get("vecka") or default.isoformat(), today=today)
    context = _move_context(booking, monday)
    return render_template("web/staff/move.html", **context)


@bp.post("/bokning/<reference>/flytta")
def move(reference: str) -> Any:
    """Move the booking; a time taken meanwhile gives the nearest free times (409)."""
    protect_form()
    staff = signed_in()
    booking = _booking_for(reference, lock=True)
    start = parse_start(request.form.get("start"))
    if start is None:
        raise BadRequest("Choose a new time.")
    try:
        service.reschedule_booking(booking=booking, start=start, staff=staff, now=now())
    except SlotUnavailable:
        db.session.rollback()
        booking = _booking_for(reference)
        context = _move_context(booking, monday_of(start.date()), taken=start)
        return render_template("web/staff/move.html", **context), 409
    except Conflict:
        db.session.rollback()
        booking = _booking_for(reference)
        return booking_page(
            booking,
            can_change=False,
            problem="Bokningen kan inte flyttas: den är avbokad eller har redan börjat.",
        ), 409
    flash("Bokningen är flyttad. Sökanden får den nya tiden i en bekräftelse.", "success")
    return redirect(url_for("staff.booking_detail", reference=booking.reference), 303)
