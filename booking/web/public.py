"""Public booking pages (/boka): four steps, each a plain link or form (no JavaScript).

1. `/boka`            who is booking (private person or company) and which kind of advice
2. `/boka/tid`        how to meet, and a free start in the routed team's week (one GET form)
3. `/boka/uppgifter`  the applicant's details; the POST books through the API's own service
4. `/boka/klar`       the confirmation: reference, time, calendar file, manage link

The draft of step 1 lives in the Flask session (a signed, HttpOnly cookie), never in a URL: a
sole trader identifies with a personal identity number. Steps 2 and 3 carry only the start and
the mode in their query strings. Views never commit: a 303 after a POST lets the unit of work
commit, a re-rendered form (422/409) makes it roll back.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup, escape
from marshmallow import ValidationError

from booking.availability.service import free_officers_at
from booking.bookings.links import manage_url
from booking.bookings.schemas import BookingCreateSchema
from booking.bookings.service import book_slot, get_booking_for
from booking.clock import now
from booking.config_cache import MeetingTypeConfig, TeamConfig, current_config
from booking.core.identity import InvalidIdentifier, normalise_company_identifier, normalise_phone
from booking.errors import (
    BadRequest,
    NotFound,
    SlotUnavailable,
    ValidationProblem,
    flatten_messages,
)
from booking.extensions import db
from booking.fields import office_zone
from booking.notifications.service import applicant_reminders
from booking.privacy.identity_numbers import decrypt_identity_number, encrypt_identity_number
from booking.teams.models import APPLICANT_KINDS, MODES
from booking.teams.service import route_team
from booking.web.i18n import local_time, page_language, translate
from booking.web.security import protect_form
from booking.web.weeks import (
    SlotChoice,
    first_free,
    monday_of,
    nearest_free,
    parse_start,
    parse_week,
    start_value,
    team_week,
)

bp = Blueprint("public", __name__, url_prefix="/boka")

DRAFT = "booking_draft"
DONE = "booking_done"
# What the page accepts; the API's limits are the same or wider (a short description is asked
# for, so the page's is tighter than the API's 4000).
MAX_LENGTHS = {
    "organisation_number": 20,
    "name": 200,
    "email": 254,
    "phone": 40,
    "property_designation": 200,
    "case_number": 64,
    "description": 1000,
}
DETAIL_FIELDS = ("name", "email", "phone", "property_designation", "case_number", "description")
# The per-form idempotency key the page itself renders (secrets.token_urlsafe(24)).
_FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{32}\Z")
# Built once (a schema deep-copies its fields when made); loading with it is thread-safe.
_CREATE = BookingCreateSchema()


@dataclass(frozen=True, slots=True)
class Draft:
    """Step 1's answers, checked again against the current configuration on every step."""

    kind: str
    organisation_number: str | None
    meeting_type: MeetingTypeConfig
    team: TeamConfig


# Step 1 ----------------------------------------------------------------------------------


@bp.route("", methods=["GET", "POST"])
def choose() -> Response:
    """Step 1: who is booking, and which kind of advice."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        protect_form()
        values = {
            name: request.form.get(name, "")
            for name in ("kind", "organisation_number", "meeting_type")
        }
        errors = _check_choice(values)
        if not errors:
            session[DRAFT] = {
                "kind": values["kind"],
                "org": _seal(values["organisation_number"].strip()),
                "type": values["meeting_type"],
            }
            return redirect(url_for(".choose_time"), 303)
    else:
        stored = session.get(DRAFT)
        stored = stored if isinstance(stored, dict) else {}
        values = {
            "kind": stored.get("kind") or "",
            "organisation_number": _unseal(stored.get("org")) or "",
            "meeting_type": stored.get("type") or "",
        }
    return _page(
        "web/public/choose.html",
        422 if errors else 200,
        values=values,
        errors=errors,
        kinds=[
            ("private", translate("public_kind_private"), None),
            ("company", translate("public_kind_company"), translate("public_kind_company_hint")),
        ],
        meeting_types=[
            (m.slug, meeting_type_label(m), meeting_type_hint(m)) for m in _bookable_types()
        ],
        max_org=MAX_LENGTHS["organisation_number"],
    )


def _check_choice(values: dict[str, str]) -> dict[str, list[str]]:
    """Localised errors of step 1's form (empty when it can go on to step 2)."""
    errors: dict[str, list[str]] = {}
    kind = values["kind"]
    if kind not in APPLICANT_KINDS:
        errors["kind"] = [translate("error_kind_required")]
    types = {m.slug: m for m in _bookable_types()}
    meeting_type = types.get(values["meeting_type"])
    if not values["meeting_type"]:
        errors["meeting_type"] = [translate("error_type_required")]
    elif meeting_type is None:
        errors["meeting_type"] = [translate("error_type_unknown")]
    number = values["organisation_number"].strip()
    if kind == "company":
        if not number:
            errors["organisation_number"] = [translate("error_org_required")]
        elif len(number) > MAX_LENGTHS["organisation_number"]:
            errors["organisation_number"] = [
                translate("error_too_long", max=MAX_LENGTHS["organisation_number"])
            ]
        else:
            try:
                normalise_company_identifier(number)
            except InvalidIdentifier:
                errors["organisation_number"] = [translate("error_org_invalid")]
    elif kind == "private":
        # A private person needs none: a number typed before switching kind is dropped, not
        # stored.
        values["organisation_number"] = ""
    if meeting_type is not None and kind in APPLICANT_KINDS:
        try:
            route_team(applicant_kind=kind, meeting_type=meeting_type)
        except ValidationProblem:
            errors["meeting_type"] = [translate("error_type_not_for_kind")]
    return errors


# Step 2 ----------------------------------------------------------------------------------


@bp.get("/tid")
def choose_time() -> Response:
    """Step 2: how to meet, and a free time of the team's week (a GET form to step 3)."""
    draft = _draft()
    if draft is None:
        return redirect(url_for(".choose"), 303)
    mode = request.args.get("mode")
    return _time_page(
        draft, mode=mode if mode in draft.meeting_type.modes else None, around=None, errors={}
    )


def _time_page(
    draft: Draft,
    *,
    mode: str | None,
    around: datetime | None,
    errors: dict[str, list[str]],
) -> Response:
    """Render step 2: the week asked for, else that of `around`, else of the first free time."""
    moment = now()
    today = moment.astimezone(office_zone()).date()
    first = first_free(team=draft.team, meeting_type=draft.meeting_type, is_staff=False, now=moment)
    asked = request.args.get("vecka")
    if asked:
        monday = parse_week(asked, today=today)
    elif around is not None:
        monday = parse_week(around.date().isoformat(), today=today)
    else:
        # Straight to the first week with a free time: with a day's notice, this week is often
        # empty on a Friday.
        monday = monday_of(first.start.date() if first is not None else today)
    week = team_week(
        team=draft.team, meeting_type=draft.meeting_type, monday=monday, is_staff=False, now=moment
    )

    def week_url(day: date) -> str:
        return url_for(".choose_time", vecka=day.isoformat(), mode=mode)

    return _page(
        "web/public/time.html",
        422 if errors else 200,
        draft=draft,
        errors=errors,
        mode=mode,
        modes=_mode_options(draft.meeting_type),
        week=week,
        week_url=week_url,
        first=first,
        first_free_url=week_url(monday_of(first.start.date())) if first is not None else None,
        first_free_monday=monday_of(first.start.date()) if first is not None else None,
        type_label=meeting_type_label(draft.meeting_type),
    )


# Step 3 ----------------------------------------------------------------------------------


@bp.route("/uppgifter", methods=["GET", "POST"])
def details() -> Response:
    """Step 3: the applicant's details for the chosen time; the POST books it."""
    if request.method == "POST":
        protect_form()
    draft = _draft()
    if draft is None:
        return redirect(url_for(".choose"), 303)
    if request.method == "POST":
        return _book(draft)
    mode = request.args.get("mode")
    if "start" not in request.args:
        # E.g. the language switch of a re-rendered form: no time chosen yet, so choose one.
        return redirect(url_for(".choose_time", mode=mode if mode in MODES else None), 303)
    start = parse_start(request.args.get("start"))
    if start is None:
        raise BadRequest("The start is missing or not a time with its offset.")
    if mode not in draft.meeting_type.modes:
        # The week's form sent a time without a mode: ask again, on the same week.
        return _time_page(
            draft, mode=None, around=start, errors={"mode": [translate("error_mode_required")]}
        )
    moment = now()
    values = dict.fromkeys(DETAIL_FIELDS, "")
    if not free_officers_at(
        team=draft.team,
        meeting_type=draft.meeting_type,
        start=start,
        officer_ids=None,
        is_staff=False,
        now=moment,
    ):
        # A stale link or a hand-edited start: say so at once, not after the form is filled.
        return _details_page(draft, start=start, mode=mode, values=values, taken=True, status=409)
    return _details_page(draft, start=start, mode=mode, values=values)


def _book(draft: Draft) -> Response:
    """Book from step 3's POST: 303 to the confirmation, or the form again (422/409)."""
    form = request.form
    mode = form.get("mode", "")
    key = form.get("idempotency_key", "")
    if mode not in draft.meeting_type.modes or not _FORM_KEY.match(key):
        raise BadRequest("The form was not sent by this page.")
    values = {name: form.get(name, "") for name in DETAIL_FIELDS}
    taken = parse_start(form.get("taken")) if form.get("taken") else None
    start = parse_start(form.get("start"))
    errors = _check_details(values, mode)
    if start is None:
        if form.get("start") or taken is None:
            raise BadRequest("The start is missing or not a time with its offset.")
        # On the "taken" page no nearest time was chosen: the same choice again.
        errors["start"] = [translate("error_start_required")]
        return _details_page(
            draft,
            start=taken,
            mode=mode,
            values=values,
            errors=errors,
            key=key,
            taken=True,
            status=422,
        )
    if errors:
        return _details_page(
            draft, start=start, mode=mode, values=values, errors=errors, key=key, status=422
        )
    body = _booking_body(draft, start=start, mode=mode, values=values)
    try:
        data = _CREATE.load(body)
    except ValidationError as exc:
        errors = _localised(flatten_messages(exc.messages), mode=mode, values=values)
        return _details_page(
            draft, start=start, mode=mode, values=values, errors=errors, key=key, status=422
        )
    try:
        result = book_slot(
            data=data,
            raw_body=body,
            staff=None,
            now=now(),
            idempotency_key=f"web:{key}",
            secret_key=current_app.config["SECRET_KEY"],
        )
    except SlotUnavailable:
        # An insert refused by the database aborts a PostgreSQL transaction: roll back before
        # reading the nearest free times.
        db.session.rollback()
        return _details_page(
            draft, start=start, mode=mode, values=values, key=key, taken=True, status=409
        )
    except ValidationProblem as exc:
        db.session.rollback()
        errors = _localised(exc.errors, mode=mode, values=values)
        # A key already used for another booking (a form sent again after it booked) must not
        # block this one: the next submit gets a fresh key.
        fresh = "Idempotency-Key" in exc.errors
        return _details_page(
            draft,
            start=start,
            mode=mode,
            values=values,
            errors=errors,
            key=None if fresh else key,
            status=422,
        )
    session.pop(DRAFT, None)
    session[DONE] = {"ref": result.booking.reference, "token": result.manage_token}
    return redirect(url_for(".done"), 303)


def _check_details(values: dict[str, str], mode: str) -> dict[str, list[str]]:
    """Localised errors of what the page itself checks: required fields, lengths, the phone."""
    errors: dict[str, list[str]] = {}
    for name in DETAIL_FIELDS:
        values[name] = values[name].strip()
        if len(values[name]) > MAX_LENGTHS[name]:
            errors[name] = [translate("error_too_long", max=MAX_LENGTHS[name])]
    if not values["name"]:
        errors["name"] = [translate("error_name_required")]
    if not values["email"]:
        errors["email"] = [translate("error_email_required")]
    if "phone" not in errors:
        if not values["phone"] and mode == "phone":
            errors["phone"] = [translate("error_phone_required")]
        elif values["phone"]:
            try:
                normalise_phone(values["phone"])
            except InvalidIdentifier:
                errors["phone"] = [translate("error_phone_invalid")]
    return errors


# Where the API's error keys land on this page, and what the page says there.
_FIELD_OF = {
    "applicant.name": ("name", "error_name_invalid"),
    "applicant.email": ("email", "error_email_invalid"),
    "applicant.phone": ("phone", "error_phone_invalid"),
    "property_designation": ("property_designation", "error_text_invalid"),
    "case_number": ("case_number", "error_text_invalid"),
    "description": ("description", "error_text_invalid"),
}


def _localised(
    api_errors: dict[str, list[str]], *, mode: str, values: dict[str, str]
) -> dict[str, list[str]]:
    """The schema's or service's English errors as this page's fields and messages."""
    errors: dict[str, list[str]] = {}
    for key in api_errors:
        field, message = _FIELD_OF.get(key, ("form", "error_details_generic"))
        if field == "phone" and mode == "phone" and not values["phone"]:
            message = "error_phone_required"
        elif field == "email" and not values["email"]:
            message = "error_email_required"
        errors.setdefault(field, [])
        if translate(message) not in errors[field]:
            errors[field].append(translate(message))
    return errors


def _booking_body(
    draft: Draft, *, start: datetime, mode: str, values: dict[str, str]
) -> dict[str, Any]:
    """The booking as the JSON API would receive it (also the idempotency fingerprint)."""
    return {
        "meeting_type": draft.meeting_type.slug,
        "start": start_value(start),
        "mode": mode,
        "applicant": {
            "kind": draft.kind,
            "name": values["name"],
            "email": values["email"] or None,
            "phone": values["phone"] or None,
            "organisation_number": draft.organisation_number,
        },
        "property_designation": values["property_designation"] or None,
        "case_number": values["case_number"] or None,
        "description": values["description"] or None,
        "language": page_language(),
    }


def _details_page(
    draft: Draft,
    *,
    start: datetime,
    mode: str,
    values: dict[str, str],
    errors: dict[str, list[str]] | None = None,
    key: str | None = None,
    taken: bool = False,
    status: int = 200,
) -> Response:
    """Render step 3 (with the nearest free times when the chosen one is not free)."""
    nearest: list[SlotChoice] = []
    if taken:
        nearest = nearest_free(
            team=draft.team,
            meeting_type=draft.meeting_type,
            around=start,
            is_staff=False,
            now=now(),
        )
    errors = errors or {}
    return _page(
        "web/public/details.html",
        status,
        draft=draft,
        start=start,
        start_value=start_value(start),
        mode=mode,
        values=values,
        errors={k: v for k, v in errors.items() if k != "form"},
        form_error=errors.get("form"),
        # A new form gets a new key; a form sent back keeps its own, so sending it twice books
        # once.
        key=key or secrets.token_urlsafe(24),
        taken=taken,
        nearest=[(c.value, _written(c.start), None) for c in nearest],
        type_label=meeting_type_label(draft.meeting_type),
        max_lengths=MAX_LENGTHS,
    )


# Step 4 ----------------------------------------------------------------------------------


@bp.get("/klar")
def done() -> Response:
    """Step 4: the confirmation of the booking this browser just made."""
    stored = session.get(DONE)
    reference = stored.get("ref") if isinstance(stored, dict) else None
    token = stored.get("token") if isinstance(stored, dict) else None
    booking = None
    if isinstance(reference, str) and isinstance(token, str):
        try:
            booking = get_booking_for(reference=reference, manage_token=token, staff=None)
        except NotFound:
            booking = None  # e.g. deleted since: nothing to confirm any more
    if booking is None or token is None:
        return _page("web/public/done_missing.html", 200)
    meeting_type = current_config().meeting_types_by_id.get(booking.meeting_type_id)
    return _page(
        "web/public/done.html",
        200,
        booking=booking,
        reminders=applicant_reminders(booking.id),
        type_label=meeting_type_label(meeting_type) if meeting_type else booking.meeting_type.name,
        invite_url=url_for("bookings.BookingInvite", reference=booking.reference, token=token),
        manage_url=manage_url(
            public_url=current_app.config["BOOKING_PUBLIC_URL"],
            reference=booking.reference,
            token=token,
            language=booking.language,
        ),
    )


# Shared ----------------------------------------------------------------------------------


def _page(template: str, status: int, **context: Any) -> Response:
    """A rendered step; never cached, since steps 3 and 4 show personal data and tokens."""
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _bookable_types() -> list[MeetingTypeConfig]:
    """The meeting types some team serves, oldest first."""
    config = current_config()
    served = {slug for team in config.teams.values() for slug in team.meeting_types}
    return sorted(
        (m for m in config.meeting_types.values() if m.slug in served), key=lambda m: m.id
    )


def _seal(number: str) -> str | None:
    """The draft's number as the session cookie carries it: encrypted (a sole trader's may be a
    personal identity number, and Flask's cookie is only signed, readable by anyone holding it)."""
    return encrypt_identity_number(number, config=current_app.config) if number else None


def _unseal(sealed: object) -> str | None:
    """The draft's number back from the cookie; None if absent or not ours."""
    if not isinstance(sealed, str) or not sealed:
        return None
    return decrypt_identity_number(sealed, config=current_app.config)


def _draft() -> Draft | None:
    """Step 1's answers from the session, if they still route to a team."""
    stored = session.get(DRAFT)
    if not isinstance(stored, dict):
        return None
    kind, slug, number = stored.get("kind"), stored.get("type"), _unseal(stored.get("org"))
    meeting_type = current_config().meeting_types.get(slug) if isinstance(slug, str) else None
    if kind not in APPLICANT_KINDS or meeting_type is None:
        return None
    try:
        team, _ = route_team(applicant_kind=kind, meeting_type=meeting_type)
    except ValidationProblem:
        return None
    return Draft(
        kind=kind,
        organisation_number=number if isinstance(number, str) and kind == "company" else None,
        meeting_type=meeting_type,
        team=team,
    )


def _mode_options(meeting_type: MeetingTypeConfig) -> list[tuple[str, str, str]]:
    """The meeting type's modes as radio options, in the service's order."""
    return [
        (mode, translate(f"mode_{mode}"), translate(f"mode_{mode}_hint"))
        for mode in MODES
        if mode in meeting_type.modes
    ]


def _written(start: datetime) -> str:
    """A start written out in the page's language ("onsdag 3 mars 2027 kl. 10:00")."""
    return local_time(start, "long")


def _catalog_text(key: str) -> str | None:
    """The page language's own text for `key`, without falling back to Swedish."""
    text: str | None = current_app.extensions["booking_catalogs"][page_language()].get(key)
    return text


def meeting_type_label(meeting_type: MeetingTypeConfig) -> Markup:
    """A meeting type's name: the catalog's translation, else the (Swedish) name marked so."""
    if page_language() == "sv":
        return escape(meeting_type.name)
    text = _catalog_text(f"meeting_type_{meeting_type.slug}")
    if text:
        return escape(text)
    # Screen readers pronounce an untranslated name as Swedish.
    return Markup('<span lang="sv">{}</span>').format(meeting_type.name)


def meeting_type_hint(meeting_type: MeetingTypeConfig) -> str:
    """A meeting type's one-line description: the catalog's, else its length."""
    # The length comes from the meeting type, so the text stays true when an admin changes it.
    text = _catalog_text(f"meeting_type_{meeting_type.slug}_hint") or translate(
        "public_type_minutes"
    )
    return text.format(minutes=meeting_type.duration_minutes)
