"""Call-backs in the console: registering one for a caller, its page, and recording attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from booking.callbacks import service
from booking.callbacks.models import OUTCOMES, Callback
from booking.callbacks.schemas import AttemptCreateSchema, CallbackCreateSchema
from booking.clock import now
from booking.config_cache import current_config
from booking.errors import Conflict, ValidationProblem, flatten_messages
from booking.extensions import db
from booking.fields import office_zone
from booking.teams.models import APPLICANT_KINDS
from booking.web.i18n import local_time
from booking.web.security import protect_form
from booking.web.staff import bp
from booking.web.staff.auth import require_role, signed_in
from booking.web.staff.forms import (
    CALLBACK_STATUS_NAMES,
    KIND_NAMES,
    OUTCOME_NAMES,
    field,
    is_phone_number,
    map_errors,
    optional,
    parse_local_datetime,
)

_CREATE = CallbackCreateSchema()
_ATTEMPT = AttemptCreateSchema()
_WINDOW_CHOICES = ("promise", "custom")
_WINDOW_TIME = "Skriv datum och klockslag, till exempel 2027-03-02 13:00."
_FIELDS = {
    "applicant.kind": ("kind", "Välj om den som ringer är privatperson eller företag."),
    "applicant.name": ("name", "Skriv sökandens namn (högst 200 tecken, på en rad)."),
    "applicant.phone": ("phone", "Skriv ett giltigt telefonnummer, till exempel 070-123 45 67."),
    "applicant.organisation_number": (
        "organisation_number",
        "Företag: skriv ett giltigt organisationsnummer, till exempel 556036-0793 (enskild "
        "firma: personnummer). Privatperson: lämna fältet tomt.",
    ),
    "topic": ("topic", "Skriv vad samtalet gäller (högst 200 tecken, på en rad)."),
    "note": ("note", "Anteckningen får vara högst 4000 tecken."),
    "meeting_type": ("meeting_type", "Välj en mötestyp som teamet erbjuder, eller ingen."),
    "window_start": (
        "window_start",
        "Den tidigaste tiden måste vara från och med nu, inom ett år, och någon i teamet måste "
        "arbeta under tiden.",
    ),
    "window_end": (
        "window_end",
        "Den senaste tiden måste vara efter den tidigaste och inom ett år.",
    ),
}
FORM_ORDER = (
    "kind",
    "name",
    "phone",
    "organisation_number",
    "meeting_type",
    "topic",
    "window",
    "window_start",
    "window_end",
    "note",
)


def _form_context(
    values: dict[str, str],
    errors: dict[str, list[str]] | None = None,
    general: list[str] | None = None,
) -> dict[str, Any]:
    meeting_types = sorted(current_config().meeting_types.values(), key=lambda m: m.id)
    return {
        "values": values,
        "errors": errors or {},
        "general_errors": general or [],
        "fields_order": FORM_ORDER,
        "kind_options": [(k, name, None) for k, name in KIND_NAMES.items()],
        "meeting_types": [(m.slug, m.name) for m in meeting_types],
        "window_options": [
            ("promise", "Inom teamets löfte", "Räknas i teamets arbetstimmar från nu."),
            ("custom", "Välj tidsfönster", "Fyll i tidigast och senast nedan."),
        ],
    }


def _parse_window(
    values: dict[str, str], errors: dict[str, list[str]]
) -> tuple[datetime | None, datetime | None]:
    if values["window"] not in _WINDOW_CHOICES:
        errors["window"] = ["Välj när sökanden ska bli uppringd."]
        return None, None
    if values["window"] == "promise":
        return None, None
    zone = office_zone()
    start = parse_local_datetime(values["window_start"], zone)
    end = parse_local_datetime(values["window_end"], zone)
    if values["window_start"] and start is None:
        errors["window_start"] = [_WINDOW_TIME]
    if end is None:
        errors["window_end"] = [_WINDOW_TIME]
    return start, end


@bp.route("/aterkomst/ny", methods=["GET", "POST"])
def new_callback() -> Any:
    """Register a call-back for a caller; it is routed to a team and a working officer."""
    if request.method == "POST":
        protect_form()
    staff = require_role(*service.REGISTER_ROLES)
    if request.method == "GET":
        context = _form_context({"window": "promise"})
        return render_template("web/staff/callback_new.html", **context)
    names = ("kind", "name", "phone", "organisation_number", "meeting_type", "topic", "window")
    values = {name: field(name) for name in (*names, "window_start", "window_end")}
    values["note"] = request.form.get("note", "").strip()
    errors: dict[str, list[str]] = {}
    if values["kind"] not in APPLICANT_KINDS:
        errors["kind"] = [_FIELDS["applicant.kind"][1]]
    for name, message in (
        ("name", "Skriv sökandens namn."),
        ("phone", "Skriv sökandens telefonnummer."),
        ("topic", "Skriv vad samtalet gäller."),
    ):
        if not values[name]:
            errors[name] = [message]
    if values["phone"] and not is_phone_number(values["phone"]):
        errors["phone"] = [_FIELDS["applicant.phone"][1]]
    start, end = _parse_window(values, errors)
    if errors:
        return render_template("web/staff/callback_new.html", **_form_context(values, errors)), 422
    body = {
        "applicant": {
            "kind": values["kind"],
            "name": values["name"],
            "phone": values["phone"],
            "organisation_number": optional(values["organisation_number"]),
        },
        "topic": values["topic"],
        "meeting_type": optional(values["meeting_type"]),
        "note": optional(values["note"]),
        "window_start": start.isoformat() if start is not None else None,
        "window_end": end.isoformat() if end is not None else None,
        "language": "sv",
    }
    try:
        data = _CREATE.load(body)
        callback = service.register_callback(
            data=data,
            staff=staff,
            now=now(),
            default_hours=int(current_app.config["BOOKING_CALLBACK_HOURS"]),
        )
    except ValidationError as exc:
        errors, general = map_errors(flatten_messages(exc.messages), _FIELDS)
        return render_template(
            "web/staff/callback_new.html", **_form_context(values, errors, general)
        ), 422
    except ValidationProblem as exc:
        db.session.rollback()
        errors, general = map_errors(exc.errors, _FIELDS)
        if not errors and not general:
            general = ["Återuppringningen gick inte att registrera. Kontrollera uppgifterna."]
        return render_template(
            "web/staff/callback_new.html", **_form_context(values, errors, general)
        ), 422
    except Conflict:
        db.session.rollback()
        general = [
            "Ingen i teamet arbetar inom teamets löfte (till exempel på grund av frånvaro). "
            "Välj ett tidsfönster när någon arbetar."
        ]
        values["window"] = "custom"
        return render_template(
            "web/staff/callback_new.html", **_form_context(values, None, general)
        ), 409
    flash(
        f"Återuppringningen är registrerad. {callback.officer.name} ringer "
        f"{callback.applicant_name} senast {local_time(callback.due_at)}.",
        "success",
    )
    return redirect(url_for("staff.callback_detail", callback_id=callback.id), 303)


def _callback_for(callback_id: int, *, lock: bool = False) -> Callback:
    return service.get_callback_for(callback_id=callback_id, staff=signed_in(), lock=lock)


def _detail(callback: Callback, **extra: Any) -> str:
    return render_template(
        "web/staff/callback.html",
        callback=callback,
        now=now(),
        kind_names=KIND_NAMES,
        status_names=CALLBACK_STATUS_NAMES,
        outcome_names=OUTCOME_NAMES,
        outcomes=OUTCOMES,
        errors=extra.pop("errors", {}),
        **extra,
    )


@bp.get("/aterkomst/<int:callback_id>")
def callback_detail(callback_id: int) -> str:
    """A call-back: who calls whom by when, its attempts, and a form to record one."""
    return _detail(_callback_for(callback_id))


_ATTEMPT_DONE = {
    "completed": "Försöket är registrerat och återuppringningen är klar.",
    "unreachable": "Försöket är registrerat. Sökanden nåddes inte och ärendet är avslutat.",
}


@bp.post("/aterkomst/<int:callback_id>/forsok")
def record_attempt(callback_id: int) -> Any:
    """Record a call attempt: reached completes it; a wrong number or no answers may close it."""
    protect_form()
    staff = signed_in()
    callback = _callback_for(callback_id, lock=True)
    outcome = field("outcome")
    note = request.form.get("note", "").strip()
    try:
        data = _ATTEMPT.load({"outcome": outcome, "note": note or None})
    except ValidationError as exc:
        messages = flatten_messages(exc.messages)
        errors = {}
        if "outcome" in messages:
            errors["outcome"] = ["Välj hur samtalet gick."]
        if "note" in messages:
            errors["note"] = ["Anteckningen får vara högst 4000 tecken."]
        return _detail(callback, errors=errors, note=note), 422
    try:
        service.record_attempt(
            callback=callback,
            outcome=data["outcome"],
            note=data["note"],
            staff=staff,
            now=now(),
            max_attempts=int(current_app.config["BOOKING_CALLBACK_MAX_ATTEMPTS"]),
        )
    except Conflict:
        db.session.rollback()
        callback = _callback_for(callback_id)
        problem = "Återuppringningen är redan avslutad; försöket registrerades inte."
        return _detail(callback, problem=problem), 409
    flash(_ATTEMPT_DONE.get(callback.status, "Försöket är registrerat."), "success")
    if request.form.get("return_to") == "home":
        return redirect(url_for("staff.home"), 303)
    return redirect(url_for("staff.callback_detail", callback_id=callback.id), 303)
