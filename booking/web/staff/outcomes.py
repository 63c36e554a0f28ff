"""Meeting outcomes in the console: completed or no-show, from an officer's day or a booking's page.

The same service as `POST /api/v1/bookings/{reference}/outcome`: an officer records their own
meetings only, once; an admin may change an outcome. A refused form changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from marshmallow import ValidationError

from booking.auth.models import StaffToken
from booking.bookings.models import Booking
from booking.bookings.service import get_booking_for
from booking.clock import now
from booking.errors import Conflict, flatten_messages
from booking.extensions import db
from booking.surveys import service
from booking.surveys.schemas import OutcomeSchema
from booking.web.security import protect_form
from booking.web.staff import bp
from booking.web.staff.auth import require_role
from booking.web.staff.bookings import booking_page
from booking.web.staff.forms import BOOKING_OUTCOME_NAMES, field

OUTCOME_ROLES = ("admin", "service_center", "officer")
# The API's own schema, so the page accepts exactly what the API accepts.
_OUTCOME = OutcomeSchema()
_NOTE_MAX = 2000
_CHOOSE = "Välj om mötet genomfördes eller om sökanden uteblev."


def _booking_for(reference: str, staff: StaffToken, *, lock: bool = False) -> Booking:
    # Another officer's booking is a 404, as on its page.
    return get_booking_for(reference=reference[:32], manage_token=None, staff=staff, lock=lock)


def _field_errors(messages: dict[str, list[str]], note: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "outcome" in messages:
        errors["outcome"] = [_CHOOSE]
    if "note" in messages:
        if len(note) > _NOTE_MAX:
            errors["note"] = [f"Anteckningen får vara högst {_NOTE_MAX} tecken."]
        else:
            errors["note"] = ["Anteckningen innehåller tecken som inte går att spara."]
    if not errors:
        errors["outcome"] = ["Formuläret gick inte att använda. Välj utfall och skicka igen."]
    return errors


def _refusal(booking: Booking, moment: datetime) -> str:
    """Why the service refused, in the console's words (read from the booking as stored)."""
    if booking.status != "confirmed":
        return "Bokningen är avbokad, så mötet kan inte få något utfall. Inget har sparats."
    if moment < booking.start_at:
        return "Mötet har inte börjat än. Utfallet kan registreras när mötet har börjat."
    if booking.outcome is not None:
        name = BOOKING_OUTCOME_NAMES.get(booking.outcome, booking.outcome)
        return (
            f"Utfallet är redan registrerat ({name}) och har inte ändrats. "
            "Bara en administratör kan ändra det."
        )
    return "Utfallet kunde inte registreras. Försök igen."


@bp.post("/bokning/<reference>/utfall")
def record_booking_outcome(reference: str) -> Any:
    """Record whether the meeting took place or the applicant did not come."""
    protect_form()
    staff = require_role(*OUTCOME_ROLES)
    booking = _booking_for(reference, staff, lock=True)
    outcome = field("outcome")
    note = request.form.get("note", "").strip()
    kept = {"note": note, "outcome_value": outcome if outcome in BOOKING_OUTCOME_NAMES else None}
    try:
        data = _OUTCOME.load({"outcome": outcome, "note": note or None})
    except ValidationError as exc:
        errors = _field_errors(flatten_messages(exc.messages), note)
        return booking_page(booking, errors=errors, **kept), 422
    previous = booking.outcome
    moment = now()
    try:
        service.record_outcome(
            booking=booking,
            outcome=data["outcome"],
            note=data["note"],
            staff=staff,
            now=moment,
            config=current_app.config,
        )
    except Conflict:
        db.session.rollback()
        booking = _booking_for(reference, staff)
        return booking_page(booking, problem=_refusal(booking, moment), **kept), 409
    verb = "ändrat" if previous is not None else "registrerat"
    flash(
        f"Utfallet för mötet med {booking.applicant_name} ({booking.reference}) är {verb}: "
        f"{BOOKING_OUTCOME_NAMES[data['outcome']]}.",
        "success",
    )
    if request.form.get("return_to") == "home":
        return redirect(url_for("staff.home"), 303)
    return redirect(url_for("staff.booking_detail", reference=booking.reference), 303)
