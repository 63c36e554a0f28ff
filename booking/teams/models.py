"""Team and meeting-type tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.db import Base, UTCDateTime, utcnow

APPLICANT_KINDS = ("private", "company")
MODES = ("phone", "video", "in_person")

team_meeting_types = Table(
    "team_meeting_types",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("meeting_type_id", ForeignKey("meeting_types.id", ondelete="CASCADE"), primary_key=True),
)


class Team(Base):
    """A group of officers serving one applicant kind (private persons or companies)."""

    __tablename__ = "teams"
    __table_args__ = (CheckConstraint("applicant_kind IN ('private', 'company')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    applicant_kind: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    # A call-back without a window is promised within this many working hours (None: the
    # service's BOOKING_CALLBACK_HOURS).
    callback_hours: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting_types: Mapped[list[MeetingType]] = relationship(
        secondary=team_meeting_types, order_by="MeetingType.id"
    )


class MeetingType(Base):
    """A kind of advice meeting: its length, buffers, grid, modes, notice and horizon."""

    __tablename__ = "meeting_types"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration"),
        CheckConstraint("slot_step_minutes > 0", name="step"),
        CheckConstraint("buffer_before_minutes >= 0 AND buffer_after_minutes >= 0", name="buffers"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int]
    buffer_before_minutes: Mapped[int] = mapped_column(default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(default=0)
    slot_step_minutes: Mapped[int]
    modes: Mapped[list[str]] = mapped_column(JSON)
    min_notice_minutes: Mapped[int] = mapped_column(default=1440)
    staff_min_notice_minutes: Mapped[int] = mapped_column(default=0)
    horizon_days: Mapped[int] = mapped_column(default=60)
    # Reminder policy: [{"channel": "email"|"sms", "minutes_before": n}, ...]; None means the
    # service's default (BOOKING_REMINDERS), [] means no reminders for this kind of meeting.
    reminders: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
