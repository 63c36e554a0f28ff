"""Booking and idempotency-record tables."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    and_,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.db import Base, UTCDateTime, utcnow
from booking.officers.models import Officer
from booking.teams.models import MeetingType, Team

STATUSES = ("confirmed", "cancelled")
# What happened at the meeting, recorded by staff after it began (booking/surveys/).
OUTCOMES = ("completed", "no_show")
# Meetings last at most 8 h and each buffer at most 4 h (the meeting-type schema's limits).
MAX_BUSY_SPAN = timedelta(days=1)
CHANNELS = ("web", "service_center")


class Booking(Base):
    """An applicant's advice meeting with one officer.

    `busy_start_at`/`busy_end_at` are the meeting widened by its buffers: the span the officer
    cannot be booked for again. PostgreSQL excludes overlapping spans of one officer's confirmed
    bookings, as the last line of defence behind the locking in the service.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("start_at < end_at", name="range"),
        CheckConstraint("busy_start_at <= start_at AND end_at <= busy_end_at", name="busy_range"),
        CheckConstraint("status IN ('confirmed', 'cancelled')", name="status"),
        CheckConstraint("channel IN ('web', 'service_center')", name="channel"),
        CheckConstraint("outcome IN ('completed', 'no_show')", name="outcome"),
        Index("ix_bookings_officer_busy", "officer_id", "busy_start_at"),
        Index("ix_bookings_team_start", "team_id", "start_at"),
        # Fair assignment counts each officer's bookings per week by start.
        Index("ix_bookings_officer_start", "officer_id", "start_at"),
        # The retention job's search: not yet anonymised, meeting ended before the cut-off.
        Index("ix_bookings_retention", "anonymised_at", "end_at"),
        # A person found by e-mail (export, erasure, the survey's quiet period) whatever its case.
        Index("ix_bookings_applicant_email_lower", func.lower(text("applicant_email"))),
        # The measure-first-free job's queue: new bookings not yet measured, by age.
        Index(
            "ix_bookings_first_free_pending",
            "created_at",
            postgresql_where=text("first_free_checked_at IS NULL"),
            sqlite_where=text("first_free_checked_at IS NULL"),
        ),
        ExcludeConstraint(
            ("officer_id", "="),
            (func.tstzrange(text("busy_start_at"), text("busy_end_at"), "[)"), "&&"),
            name="ex_bookings_officer_busy",
            using="gist",
            where=text("status = 'confirmed'"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    meeting_type_id: Mapped[int] = mapped_column(ForeignKey("meeting_types.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    busy_start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    busy_end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="confirmed")

    applicant_kind: Mapped[str] = mapped_column(String(16))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_email: Mapped[str | None] = mapped_column(String(254))
    applicant_phone: Mapped[str | None] = mapped_column(String(20))
    # "organisation_number", or "personal_identity_number" for a sole trader, whose number is
    # kept only masked (birth date part): the department does not need the full number.
    identifier_kind: Mapped[str | None] = mapped_column(String(32))
    organisation_number: Mapped[str | None] = mapped_column(String(16))
    # A sole trader's full personal identity number, encrypted (booking/privacy/identity_numbers).
    identity_number_ciphertext: Mapped[str | None] = mapped_column(String(255))
    property_designation: Mapped[str | None] = mapped_column(String(200))
    case_number: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="sv")

    channel: Mapped[str] = mapped_column(String(16))
    created_by_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_tokens.id", ondelete="SET NULL")
    )
    manage_token_hash: Mapped[str] = mapped_column(String(64))
    team_reason: Mapped[str] = mapped_column(Text)
    officer_reason: Mapped[str] = mapped_column(Text)
    # Whether the applicant asked for this officer: then a move never silently changes officer.
    officer_requested: Mapped[bool] = mapped_column(default=False)
    # iCalendar SEQUENCE: bumped on every change the attendee sees.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    # When the applicant's data was anonymised (retention or erasure; booking/privacy/).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What happened at the meeting: "completed" or "no_show" (booking/surveys/); NULL until told.
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Plain id, no foreign key: the record of who said so outlives a revoked token.
    outcome_by_token_id: Mapped[int | None]
    # The team's first free start when the booking was made (the first slot the applicant was
    # offered), measured shortly after by the measure-first-free job (booking/stats/); NULL
    # until measured. `first_free_checked_at` tells "measured, nothing free" from "not yet".
    first_free_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_free_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting_type: Mapped[MeetingType] = relationship()
    team: Mapped[Team] = relationship()
    officer: Mapped[Officer] = relationship()

    @property
    def is_active(self) -> bool:
        """Whether the booking still holds its officer's time."""
        return self.status == "confirmed"


def holds_time_in(lower: datetime, upper: datetime) -> ColumnElement[bool]:
    """Condition: a confirmed booking whose busy span overlaps [lower, upper).

    The bound from below (no span is longer than MAX_BUSY_SPAN) lets the
    (officer_id, busy_start_at) index skip each officer's whole history.
    """
    return and_(
        Booking.status == "confirmed",
        Booking.busy_start_at < upper,
        Booking.busy_end_at > lower,
        Booking.busy_start_at > lower - MAX_BUSY_SPAN,
    )


class IdempotencyRecord(Base):
    """Remembers a POST /bookings made with an Idempotency-Key, so a retry replays it."""

    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Hash of the caller's scope and key: the key itself helps derive the manage token.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
