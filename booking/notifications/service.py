"""Staff's view of the outbox: list messages by status, give a dead one another chance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from booking.audit.service import record
from booking.bookings.models import Booking
from booking.errors import Conflict, NotFound
from booking.extensions import db
from booking.fields import MAX_ID
from booking.notifications.models import UNSENT, Notification

RETRYABLE = ("dead", "failed")


def applicant_reminders(booking_id: int) -> Sequence[Notification]:
    """The reminders still to be sent to a booking's applicant, by when they are due."""
    query = (
        select(Notification)
        .where(
            Notification.booking_id == booking_id,
            Notification.kind == "reminder",
            Notification.audience == "applicant",
            Notification.status.in_(UNSENT),
        )
        .order_by(Notification.due_at, Notification.id)
    )
    return db.session.scalars(query).all()


def list_notifications(
    *, status: str | None, reference: str | None, limit: int, callback_id: int | None = None
) -> Sequence[Notification]:
    """Outbox rows, newest first, optionally by status, booking reference or call-back."""
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Notification.status == status)
    if callback_id is not None:
        query = query.where(Notification.callback_id == callback_id)
    if reference is not None:
        query = query.join(Booking, Booking.id == Notification.booking_id).where(
            Booking.reference == reference
        )
    return db.session.scalars(query).all()


def get_notification(*, notification_id: int) -> Notification:
    """Return the outbox row, or 404."""
    # An id beyond any row's is simply unknown (looked up, it would overflow SQLite's integer).
    notification = (
        db.session.get(Notification, notification_id) if 1 <= notification_id <= MAX_ID else None
    )
    if notification is None:
        raise NotFound("No such notification.")
    return notification


def retry_notification(*, notification: Notification, now: datetime) -> Notification:
    """Give a dead (or failed) message a fresh set of attempts, due now; the caller commits.

    The dispatcher still re-reads the booking before sending, so retrying a reminder of a
    booking that has since moved or been cancelled marks it superseded instead of sending it.
    """
    if notification.status not in RETRYABLE:
        raise Conflict(
            f"Only a dead or failed message can be retried; this one is {notification.status}."
        )
    notification.status = "pending"
    notification.attempts = 0
    notification.next_attempt_at = now
    notification.claim_token = None
    notification.updated_at = now
    db.session.flush()
    record(
        action="notification.retry",
        object_type="notification",
        object_id=notification.id,
        details={"kind": notification.kind, "channel": notification.channel},
    )
    return notification
