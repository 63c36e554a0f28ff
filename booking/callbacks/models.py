"""Call-back and call-back attempt tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.db import Base, UTCDateTime, utcnow
from booking.officers.models import Officer
from booking.teams.models import MeetingType, Team

# `open` and `overdue` still wait for a call; `completed` and `unreachable` are closed.
STATUSES = ("open", "completed", "unreachable", "overdue")
PENDING_STATUSES = ("open", "overdue")
OUTCOMES = ("reached", "no_answer", "wrong_number")


class Callback(Base):
    """A promise that an officer phones the applicant back within a window."""

    __tablename__ = "callbacks"
    __table_args__ = (
        CheckConstraint("window_start_at < window_end_at", name="window"),
        CheckConstraint("status IN ('open', 'completed', 'unreachable', 'overdue')", name="status"),
        CheckConstraint("applicant_kind IN ('private', 'company')", name="kind"),
        # Routing counts each officer's pending call-backs; the listing filters by team.
        Index("ix_callbacks_officer_status", "officer_id", "status"),
        Index("ix_callbacks_team_status", "team_id", "status"),
        # The escalation job looks for pending call-backs whose window is running out.
        Index("ix_callbacks_status_due", "status", "due_at"),
        # The retention job's search: not yet anonymised, closed before the cut-off.
        Index("ix_callbacks_retention", "anonymised_at", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    meeting_type_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_types.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")

    applicant_kind: Mapped[str] = mapped_column(String(16))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_phone: Mapped[str] = mapped_column(String(20))
    # As on bookings: "organisation_number", or "personal_identity_number" for a sole trader,
    # whose number is kept only masked.
    identifier_kind: Mapped[str | None] = mapped_column(String(32))
    organisation_number: Mapped[str | None] = mapped_column(String(16))
    # A sole trader's full personal identity number, encrypted (booking/privacy/identity_numbers).
    identity_number_ciphertext: Mapped[str | None] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="sv")

    window_start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The promise: the end of the window (kept apart so a later policy may differ).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team_reason: Mapped[str] = mapped_column(Text)
    officer_reason: Mapped[str] = mapped_column(Text)
    # Who last chose the officer by hand (None: routed automatically), and when.
    assigned_by_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_tokens.id", ondelete="SET NULL")
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_tokens.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the applicant's data (and the attempts' notes) was anonymised; booking/privacy/.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    officer: Mapped[Officer] = relationship()
    meeting_type: Mapped[MeetingType | None] = relationship()
    attempts: Mapped[list[CallbackAttempt]] = relationship(
        back_populates="callback",
        cascade="all, delete-orphan",
        order_by="(CallbackAttempt.attempted_at, CallbackAttempt.id)",
    )

    @property
    def is_pending(self) -> bool:
        """Whether the call is still to be made (open or overdue, and not abandoned)."""
        # An abandoned one was anonymised by retention: there is no number left to call.
        return self.status in PENDING_STATUSES and self.anonymised_at is None


class CallbackAttempt(Base):
    """One try at calling the applicant back: its outcome, who made it and when."""

    __tablename__ = "callback_attempts"
    __table_args__ = (
        CheckConstraint("outcome IN ('reached', 'no_answer', 'wrong_number')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(
        ForeignKey("callbacks.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    staff_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_tokens.id", ondelete="SET NULL")
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    callback: Mapped[Callback] = relationship(back_populates="attempts")
