"""The notification outbox: one row per message to send, written with the change that causes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.bookings.models import Booking
from booking.callbacks.models import Callback
from booking.db import Base, UTCDateTime, utcnow
from booking.officers.models import Officer

# pending → sending → sent; a failed attempt → failed (retried at next_attempt_at) or dead.
# superseded: the booking changed or was cancelled before it went out; expired: too late to
# matter (the meeting has begun). Neither is deleted: staff can see what was not sent and why.
STATUSES = ("pending", "sending", "sent", "failed", "dead", "superseded", "expired")
# Rows a dispatcher may claim once `next_attempt_at` has come (for `sending`: once the lease of
# the worker that claimed it has run out, i.e. it crashed or hung).
CLAIMABLE = ("pending", "failed", "sending")
# Rows not yet handed over: a booking change supersedes these.
UNSENT = ("pending", "failed")


class Notification(Base):
    """One message (e-mail or SMS) to one recipient about one version of a booking, or a call-back.

    Channel `caldav` is a calendar write instead of a message: the booking PUT into (kind
    confirmation or rescheduled) or DELETEd from (kind cancelled) the CalDAV calendar of the
    officer's calendar source, whose id is the `recipient`.

    While a row is `sending`, `next_attempt_at` is the end of the claiming worker's lease:
    the one condition `status IN CLAIMABLE AND next_attempt_at <= now` finds both due
    messages and those a crashed worker left behind.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'dead', 'superseded', 'expired')",
            name="status",
        ),
        # caldav: a booking written into (or deleted from) the officer's CalDAV calendar.
        CheckConstraint("channel IN ('email', 'sms', 'caldav')", name="channel"),
        # team: a call-back's escalation, to the team's shared address.
        CheckConstraint("audience IN ('applicant', 'officer', 'team')", name="audience"),
        Index("ix_notifications_status_next", "status", "next_attempt_at"),
        # The retention job's search: not yet cleared, final (sent, dead…) before the cut-off.
        Index("ix_notifications_retention", "anonymised_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # booking, version, kind, audience, channel (and the reminder's offset): a retried request
    # or a second enqueue of the same message cannot add a second row.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    audience: Mapped[str] = mapped_column(String(16))
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    # Or the call-back the message is about (rows name a booking or a call-back, not both).
    callback_id: Mapped[int | None] = mapped_column(
        ForeignKey("callbacks.id", ondelete="CASCADE"), index=True
    )
    # The booking's `sequence` when this message was made: a later change makes it stale.
    booking_version: Mapped[int] = mapped_column(default=0)
    # For messages to an officer: which one (a move can change the booking's officer).
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="sv")
    # For reminders: how long before the meeting, as the policy said.
    minutes_before: Mapped[int | None]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Fences a worker whose lease ran out: only the current claim may mark the row.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Why a row was superseded or expired instead of sent.
    skip_reason: Mapped[str | None] = mapped_column(String(200))
    # What was sent, kept for staff until the retention job (issue 7) clears it.
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the recipient and the kept copy were cleared (retention or erasure; booking/privacy/).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    booking: Mapped[Booking | None] = relationship()
    callback: Mapped[Callback | None] = relationship()
    officer: Mapped[Officer | None] = relationship()
