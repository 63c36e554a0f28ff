"""Survey invitations (one personal link per booking) and the answers given through them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.bookings.models import Booking
from booking.db import Base, UTCDateTime, utcnow

# The three NKI questions, each answered on a 1–10 scale.
QUESTIONS = ("q_overall", "q_expectations", "q_ideal")


class SurveyInvitation(Base):
    """The survey link sent after one booking: only the token's hash is stored."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One invitation per booking: the unique key is what makes the job and the outcome race-safe.
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    booking: Mapped[Booking] = relationship()


class SurveyResponse(Base):
    """One applicant's answers to the three NKI questions, and an optional comment."""

    __tablename__ = "survey_responses"
    __table_args__ = tuple(
        CheckConstraint(f"{name} BETWEEN 1 AND 10", name=name) for name in QUESTIONS
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), unique=True
    )
    # Copied from the booking so figures per team need no join and survive a re-routed booking.
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    q_overall: Mapped[int]
    q_expectations: Mapped[int]
    q_ideal: Mapped[int]
    # Free text is personal data: the retention job clears it (booking/privacy/retention.py).
    comment: Mapped[str | None] = mapped_column(Text)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
