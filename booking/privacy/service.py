"""Data subject requests (GDPR art. 15 and 17): export or erase what is held about one person.

A person is found by the e-mail address or the phone number they gave (bookings carry both,
call-backs only a phone number, outbox rows the address they went to). Erasure anonymises in
place, as retention does (booking/privacy/anonymise.py), so statistics keep their counts. Before
that, what is still to happen is wound up so no one acts on data that is gone: the person's
confirmed meetings that have not ended are cancelled (the officer is told and the meeting
leaves their calendar; the applicant is not messaged, since their address is being erased), and
their call-backs still waiting for a call are closed `unreachable`, so no officer is asked to
phone a number that no longer exists.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, false, func, or_, select, update
from sqlalchemy.orm import selectinload

from booking.audit import service as audit
from booking.bookings.models import Booking
from booking.bookings.service import cancel_booking
from booking.callbacks.models import PENDING_STATUSES, Callback
from booking.core.identity import InvalidIdentifier, normalise_phone
from booking.errors import ValidationProblem
from booking.extensions import db
from booking.notifications.models import UNSENT, Notification
from booking.privacy.anonymise import (
    anonymise_bookings,
    anonymise_callbacks,
    anonymise_notifications,
)

ERASED_REASON = "the applicant's data was erased"


@dataclass(frozen=True, slots=True)
class DataSubject:
    """The person a request is about: one identifier, normalised."""

    email: str | None = None
    phone: str | None = None

    @property
    def kind(self) -> str:
        """Which identifier the request gave: "email" or "phone"."""
        return "email" if self.email is not None else "phone"

    def pseudonym(self, *, secret_key: str) -> str:
        """A keyed hash of the identifier, for the audit log (which must not hold it)."""
        value = self.email if self.email is not None else self.phone
        digest = hmac.new(
            secret_key.encode("utf-8"), f"{self.kind}:{value}".encode(), hashlib.sha256
        ).hexdigest()
        return f"{self.kind}:{digest[:40]}"


@dataclass
class ApplicantData:
    """Everything held about one person."""

    bookings: Sequence[Booking] = field(default_factory=list)
    callbacks: Sequence[Callback] = field(default_factory=list)
    messages: Sequence[Notification] = field(default_factory=list)


@dataclass
class ErasureCounts:
    """What an erasure did."""

    bookings: int = 0
    cancelled: int = 0
    callbacks: int = 0
    callbacks_closed: int = 0
    callback_attempts: int = 0
    messages: int = 0
    audit_addresses: int = 0


def data_subject(*, email: str | None, phone: str | None) -> DataSubject:
    """The person named by exactly one of e-mail and phone (422 naming the field otherwise)."""
    if (email is None) == (phone is None):
        message = "Give exactly one of 'email' and 'phone'."
        raise ValidationProblem(message, errors={"email": [message], "phone": [message]})
    if email is not None:
        # Addresses are matched without regard to case, as mail systems treat them.
        return DataSubject(email=email.strip().lower())
    assert phone is not None
    try:
        return DataSubject(phone=normalise_phone(phone))
    except InvalidIdentifier as exc:
        raise ValidationProblem(
            "The phone number is not valid.", errors={"phone": [str(exc)]}
        ) from None


def _booking_match(subject: DataSubject) -> ColumnElement[bool]:
    if subject.email is not None:
        return func.lower(Booking.applicant_email) == subject.email
    return Booking.applicant_phone == subject.phone


def _callback_match(subject: DataSubject) -> ColumnElement[bool]:
    if subject.phone is None:
        # Call-backs are registered by phone number alone.
        return false()
    return Callback.applicant_phone == subject.phone


def _message_match(
    subject: DataSubject, booking_ids: Sequence[int], callback_ids: Sequence[int]
) -> ColumnElement[bool]:
    """Messages about the person's bookings and call-backs, and any sent to their address."""
    value = subject.email if subject.email is not None else subject.phone
    recipient = (
        func.lower(Notification.recipient) if subject.email is not None else Notification.recipient
    )
    return or_(
        Notification.booking_id.in_(booking_ids),
        Notification.callback_id.in_(callback_ids),
        (Notification.audience == "applicant") & (recipient == value),
    )


def export_applicant(*, subject: DataSubject, secret_key: str) -> ApplicantData:
    """Everything held about the person: bookings, call-backs with attempts, messages to them."""
    bookings = db.session.scalars(
        select(Booking)
        .where(_booking_match(subject))
        .options(
            selectinload(Booking.team),
            selectinload(Booking.officer),
            selectinload(Booking.meeting_type),
        )
        .order_by(Booking.start_at, Booking.id)
    ).all()
    callbacks = db.session.scalars(
        select(Callback)
        .where(_callback_match(subject))
        .options(selectinload(Callback.attempts))
        .order_by(Callback.created_at, Callback.id)
    ).all()
    messages = db.session.scalars(
        select(Notification)
        .where(
            Notification.audience == "applicant",
            _message_match(subject, [b.id for b in bookings], [c.id for c in callbacks]),
        )
        .order_by(Notification.created_at, Notification.id)
    ).all()
    data = ApplicantData(bookings=bookings, callbacks=callbacks, messages=messages)
    audit.record(
        action="applicant.export",
        object_type="applicant",
        object_id=subject.pseudonym(secret_key=secret_key),
        details={
            "by": subject.kind,
            "bookings": len(bookings),
            "callbacks": len(callbacks),
            "messages": len(messages),
        },
    )
    return data


def erase_applicant(*, subject: DataSubject, now: datetime, secret_key: str) -> ErasureCounts:
    """Wind up what is pending for the person, then anonymise all of it now; flushes, audited."""
    counts = ErasureCounts()
    bookings = db.session.scalars(
        select(Booking).where(_booking_match(subject), Booking.anonymised_at.is_(None))
    ).all()
    cancelled = []
    for booking in bookings:
        if booking.status == "confirmed" and booking.end_at > now:
            cancel_booking(booking=booking, reason=None, now=now)
            cancelled.append(booking.reference)
    counts.cancelled = len(cancelled)
    booking_ids = [b.id for b in bookings]

    callback_ids = list(
        db.session.scalars(
            select(Callback.id).where(_callback_match(subject), Callback.anonymised_at.is_(None))
        )
    )
    closed = db.session.execute(
        update(Callback)
        .where(Callback.id.in_(callback_ids), Callback.status.in_(PENDING_STATUSES))
        .values(status="unreachable", closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    counts.callbacks_closed = int(closed.rowcount or 0)

    message_match = _message_match(subject, booking_ids, callback_ids)
    # Nothing more goes to the person; the officer still hears of a cancelled meeting. A row a
    # dispatcher is sending right now loses its claim too: whatever it sends, it cannot write
    # the kept copy back afterwards (its outcome is fenced by the claim token).
    db.session.execute(
        update(Notification)
        .where(
            message_match,
            Notification.audience == "applicant",
            Notification.status.in_((*UNSENT, "sending")),
        )
        .values(status="superseded", skip_reason=ERASED_REASON, claim_token=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    message_ids = list(db.session.scalars(select(Notification.id).where(message_match)))

    counts.bookings = anonymise_bookings(booking_ids, now=now)
    counts.callbacks, counts.callback_attempts = anonymise_callbacks(callback_ids, now=now)
    counts.messages = anonymise_notifications(message_ids, now=now)
    # The person's own actions on their bookings (the manage page) carry their address.
    references = [b.reference for b in bookings]
    entry_ids = list(
        db.session.scalars(audit.applicant_entries(object_type="booking", object_ids=references))
    )
    counts.audit_addresses = audit.forget_addresses(entry_ids)
    db.session.flush()
    # The ORM objects loaded above still hold the old values.
    db.session.expire_all()
    audit.record(
        action="applicant.erase",
        object_type="applicant",
        object_id=subject.pseudonym(secret_key=secret_key),
        details={"by": subject.kind, **asdict(counts), "cancelled_references": cancelled},
    )
    return counts
