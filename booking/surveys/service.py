"""Meeting outcomes, survey invitations through the outbox, and survey answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from booking.audit import service as audit
from booking.auth.models import StaffToken
from booking.auth.service import hash_secret
from booking.bookings.models import Booking
from booking.bookings.service import LIST_PAGE_SIZE, fetch_page
from booking.errors import Conflict, NotFound, ValidationProblem
from booking.extensions import db
from booking.notifications.models import Notification
from booking.surveys.models import QUESTIONS, SurveyInvitation, SurveyResponse
from booking.teams.models import Team


class SurveyLinkGone(Exception):
    """The survey link is unknown, used or expired: the page says so and stores nothing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "unknown", "used" or "expired"


def survey_token_for(*, secret_key: str, invitation_id: int) -> str:
    """Return an invitation's token: an HMAC of its id, so the worker can render the link."""
    digest = hmac.new(
        secret_key.encode(), b"survey-token\0" + str(invitation_id).encode(), hashlib.sha256
    )
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def survey_url(*, public_url: str, token: str) -> str:
    """Return the applicant's personal survey link."""
    return f"{public_url.rstrip('/')}/enkat/{token}"


def record_outcome(
    *,
    booking: Booking,
    outcome: str,
    note: str | None,
    staff: StaffToken,
    now: datetime,
    config: Mapping[str, Any],
) -> Booking:
    """Record what happened at the meeting; an admin may change it, others set it once."""
    if staff.role == "officer" and booking.officer_id != staff.officer_id:
        raise NotFound("No such booking.")
    if booking.status != "confirmed":
        raise Conflict("A cancelled booking has no outcome.")
    if now < booking.start_at:
        raise Conflict("The outcome can be recorded once the meeting has started.")
    previous = booking.outcome
    if previous is not None and staff.role != "admin":
        raise Conflict(f"The outcome is already {previous}; only an admin may change it.")
    booking.outcome = outcome
    booking.outcome_note = note
    booking.outcome_at = now
    booking.outcome_by_token_id = staff.id
    db.session.flush()
    audit.record(
        action="booking.outcome",
        object_type="booking",
        object_id=booking.reference,
        details={"outcome": outcome, "previous": previous},
    )
    if outcome == "completed":
        invite_to_survey(booking=booking, now=now, config=config)
    else:
        # Corrected to a no-show: nobody who did not come is asked. An unsent message is then
        # superseded by the dispatcher; a link already sent stops working. An answer already
        # given stays: it was given, and erasure is the way to remove it.
        db.session.execute(
            delete(SurveyInvitation).where(
                SurveyInvitation.booking_id == booking.id, SurveyInvitation.used_at.is_(None)
            )
        )
    return booking


def list_awaiting_outcome(
    *,
    staff: StaffToken,
    team_slug: str | None,
    officer_id: int | None,
    now: datetime,
    offset: int = 0,
    limit: int = LIST_PAGE_SIZE,
    newest_first: bool = False,
) -> tuple[Sequence[Booking], int]:
    """A page of confirmed meetings ended without an outcome, and the total; officers: their own."""
    query = select(Booking).where(
        Booking.status == "confirmed", Booking.outcome.is_(None), Booking.end_at <= now
    )
    if staff.role == "officer":
        query = query.where(Booking.officer_id == staff.officer_id)
    elif officer_id is not None:
        query = query.where(Booking.officer_id == officer_id)
    if team_slug is not None:
        query = query.join(Team, Team.id == Booking.team_id).where(Team.slug == team_slug)
    # End then id is a total order: pages neither overlap nor skip a row.
    order = (Booking.end_at, Booking.id)
    if newest_first:
        order = (Booking.end_at.desc(), Booking.id.desc())
    return fetch_page(query, order_by=order, offset=offset, limit=limit)


def count_awaiting_outcome(*, now: datetime) -> dict[int, int]:
    """How many ended meetings await an outcome, per team id."""
    query = (
        select(Booking.team_id, func.count())
        .where(Booking.status == "confirmed", Booking.outcome.is_(None), Booking.end_at <= now)
        .group_by(Booking.team_id)
    )
    return {team_id: count for team_id, count in db.session.execute(query)}


def _asked_recently(*, booking: Booking, now: datetime, quiet_days: int) -> bool:
    """Whether the same e-mail or phone number was invited within the quiet period."""
    same_person = []
    if booking.applicant_email:
        # Addresses are stored as typed; mail systems treat them without regard to case.
        same_person.append(func.lower(Booking.applicant_email) == booking.applicant_email.lower())
    if booking.applicant_phone:
        same_person.append(Booking.applicant_phone == booking.applicant_phone)
    if not same_person:
        return False
    query = select(
        exists()
        .where(SurveyInvitation.booking_id == Booking.id)
        .where(SurveyInvitation.created_at > now - timedelta(days=quiet_days))
        .where(or_(*same_person))
    )
    return bool(db.session.scalar(query))


def invite_to_survey(
    *, booking: Booking, now: datetime, config: Mapping[str, Any]
) -> SurveyInvitation | None:
    """Create the booking's survey invitation and queue its message; None when not to ask."""
    if booking.status != "confirmed" or booking.outcome == "no_show":
        return None
    if booking.anonymised_at is not None:
        return None
    channel = "email" if booking.applicant_email else "sms" if booking.applicant_phone else None
    if channel is None:
        return None
    already = select(SurveyInvitation.id).where(SurveyInvitation.booking_id == booking.id)
    if db.session.scalar(already) is not None:
        return None
    quiet_days = int(config["BOOKING_SURVEY_QUIET_DAYS"])
    if _asked_recently(booking=booking, now=now, quiet_days=quiet_days):
        return None
    # The token derives from the id, which exists only after the insert: a random placeholder
    # fills the unique column until then.
    invitation = SurveyInvitation(
        booking_id=booking.id,
        token_hash=secrets.token_hex(32),
        created_at=now,
        expires_at=now + timedelta(days=int(config["BOOKING_SURVEY_LINK_DAYS"])),
    )
    db.session.add(invitation)
    db.session.flush()
    token = survey_token_for(secret_key=config["SECRET_KEY"], invitation_id=invitation.id)
    invitation.token_hash = hash_secret(token)
    _enqueue_survey_message(booking=booking, channel=channel, now=now)
    db.session.flush()
    return invitation


def _enqueue_survey_message(*, booking: Booking, channel: str, now: datetime) -> None:
    values = {
        "idempotency_key": f"survey:{booking.id}",
        "kind": "survey",
        "channel": channel,
        "audience": "applicant",
        "booking_id": booking.id,
        "booking_version": booking.sequence,
        "officer_id": None,
        "recipient": booking.applicant_email if channel == "email" else booking.applicant_phone,
        "language": booking.language,
        "due_at": now,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # The same key as a concurrent enqueue: one message however often it is attempted.
    statement = insert(Notification.__table__).values(**values)
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["idempotency_key"]))


def bookings_due_for_survey(*, now: datetime, delay_hours: int, limit: int = 500) -> list[int]:
    """Ids of confirmed bookings ended over the delay ago, not no_show, not yet invited."""
    invited = exists().where(SurveyInvitation.booking_id == Booking.id)
    query = (
        select(Booking.id)
        .where(
            Booking.status == "confirmed",
            or_(Booking.outcome.is_(None), Booking.outcome == "completed"),
            Booking.end_at <= now - timedelta(hours=delay_hours),
            # Older meetings are past the point where asking makes sense (and past the quiet
            # period's reach): the bound also keeps the search short.
            Booking.end_at > now - timedelta(days=14),
            Booking.anonymised_at.is_(None),
            ~invited,
        )
        .order_by(Booking.end_at, Booking.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def find_invitation(*, token: str, now: datetime) -> SurveyInvitation:
    """Return the invitation a link names, or raise SurveyLinkGone (unknown, used, expired)."""
    invitation = None
    if 0 < len(token) <= 100:
        query = select(SurveyInvitation).where(SurveyInvitation.token_hash == hash_secret(token))
        invitation = db.session.scalars(query).one_or_none()
    if invitation is None:
        raise SurveyLinkGone("unknown")
    if invitation.used_at is not None:
        raise SurveyLinkGone("used")
    if now >= invitation.expires_at:
        raise SurveyLinkGone("expired")
    return invitation


def validate_answers(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Read the survey form: (answers, errors by field, as message codes)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in QUESTIONS:
        raw = (form.get(name) or "").strip()
        if not raw:
            errors[name] = "missing"
            continue
        try:
            value = int(raw)
        except ValueError:
            errors[name] = "range"
            continue
        if not 1 <= value <= 10:
            errors[name] = "range"
        else:
            answers[name] = value
    comment = (form.get("comment") or "").strip()
    if len(comment) > 2000:
        errors["comment"] = "too_long"
    answers["comment"] = comment or None
    return answers, errors


def submit_response(
    *, invitation: SurveyInvitation, answers: Mapping[str, Any], now: datetime
) -> SurveyResponse:
    """Store the one answer of this invitation and mark the link used."""
    for name in QUESTIONS:
        if not isinstance(answers.get(name), int) or not 1 <= answers[name] <= 10:
            raise ValidationProblem("Each answer must be a whole number from 1 to 10.")
    booking = db.session.get(Booking, invitation.booking_id)
    if booking is None:
        raise NotFound("No such booking.")
    # The conditional update is the single-use guarantee: of two tabs posting at once, one wins.
    updated = db.session.execute(
        SurveyInvitation.__table__.update()
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.used_at.is_(None))
        .values(used_at=now)
    )
    if updated.rowcount != 1:
        raise SurveyLinkGone("used")
    response = SurveyResponse(
        booking_id=booking.id,
        team_id=booking.team_id,
        answered_at=now,
        q_overall=answers["q_overall"],
        q_expectations=answers["q_expectations"],
        q_ideal=answers["q_ideal"],
        comment=answers.get("comment"),
    )
    db.session.add(response)
    db.session.flush()
    return response

