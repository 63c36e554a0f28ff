"""The set-based UPDATEs that anonymise applicants' data in place, shared by retention and erasure.

What stays is what the department's statistics need: team, meeting type, officer, times, status,
channel, mode, applicant kind, language, outcomes and counts. What goes is everything that says
who the applicant is or what they wrote: name, e-mail, phone, organisation or identity number,
property designation, case number, free text, and the outbox's recipients and kept copies.
Every statement only touches rows whose `anonymised_at` is still NULL and sets it, so running
one twice changes nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, delete, select, update

from booking.bookings.models import Booking, IdempotencyRecord
from booking.callbacks.models import Callback, CallbackAttempt
from booking.extensions import db
from booking.notifications.models import Notification
from booking.surveys.models import SurveyResponse

# Written into NOT NULL text columns (names, a call-back's phone and topic, an applicant's
# address on an outbox row); nullable ones become NULL.
ANONYMISED = "[anonymised]"
# Outbox rows that will never be sent again: their copy and recipient can go.
FINAL_STATUSES = ("sent", "dead", "superseded", "expired")
# caldav rows name the officer's calendar source and carry no applicant data.
MESSAGE_CHANNELS = ("email", "sms")


def anonymise_bookings(booking_ids: Sequence[int], *, now: datetime) -> int:
    """Anonymise these bookings' applicant data (those not yet done); return how many."""
    if not booking_ids:
        return 0
    result = db.session.execute(
        update(Booking)
        .where(Booking.id.in_(booking_ids), Booking.anonymised_at.is_(None))
        .values(
            applicant_name=ANONYMISED,
            applicant_email=None,
            applicant_phone=None,
            organisation_number=None,
            identity_number_ciphertext=None,
            property_designation=None,
            case_number=None,
            description=None,
            cancel_reason=None,
            anonymised_at=now,
            # Calendar feeds' ETags follow updated_at: subscribed calendars drop the name too.
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    # The survey comment is free text about the same meeting: erased with the booking.
    db.session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.booking_id.in_(booking_ids), SurveyResponse.anonymised_at.is_(None))
        .values(comment=None, anonymised_at=now)
        .execution_options(synchronize_session=False)
    )
    # A retried request's fingerprint is a hash of the body the applicant sent; a retry this
    # late is no retry, so the record goes too.
    db.session.execute(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.booking_id.in_(booking_ids))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def anonymise_callbacks(callback_ids: Sequence[int], *, now: datetime) -> tuple[int, int]:
    """Anonymise these call-backs and their attempts' notes; return (call-backs, attempts)."""
    if not callback_ids:
        return 0, 0
    # Attempts first: afterwards the call-backs are marked and would no longer be selected.
    attempts = db.session.execute(
        update(CallbackAttempt)
        .where(
            CallbackAttempt.callback_id.in_(
                select(Callback.id).where(
                    Callback.id.in_(callback_ids), Callback.anonymised_at.is_(None)
                )
            ),
            CallbackAttempt.note.is_not(None),
        )
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    callbacks = db.session.execute(
        update(Callback)
        .where(Callback.id.in_(callback_ids), Callback.anonymised_at.is_(None))
        .values(
            applicant_name=ANONYMISED,
            applicant_phone=ANONYMISED,
            organisation_number=None,
            identity_number_ciphertext=None,
            topic=ANONYMISED,
            note=None,
            anonymised_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(callbacks.rowcount or 0), int(attempts.rowcount or 0)


def anonymise_notifications(notification_ids: Sequence[int], *, now: datetime) -> int:
    """Clear these outbox rows' kept copy (and an applicant's address); return how many.

    Only final rows (sent, dead, superseded, expired) of e-mail and SMS are touched: a row still
    to be sent needs its recipient. Officers' and teams' addresses are staff's work addresses and
    stay, so staff can still see who was told; the copy goes because it names the applicant.
    """
    if not notification_ids:
        return 0
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id.in_(notification_ids),
            Notification.anonymised_at.is_(None),
            Notification.status.in_(FINAL_STATUSES),
            Notification.channel.in_(MESSAGE_CHANNELS),
        )
        .values(
            recipient=case(
                (Notification.audience == "applicant", ANONYMISED),
                else_=Notification.recipient,
            ),
            subject=None,
            body=None,
            # SMTP and gateway errors often quote the address they refused.
            last_error=None,
            anonymised_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def anonymise_survey_comments(response_ids: Sequence[int], *, now: datetime) -> int:
    """Clear these survey answers' free-text comments (the scores stay); return how many."""
    if not response_ids:
        return 0
    result = db.session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.id.in_(response_ids), SurveyResponse.anonymised_at.is_(None))
        .values(comment=None, anonymised_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
