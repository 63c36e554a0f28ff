"""Calendar-feed tokens: the secret in an officer's or a team's feed URL (only its hash is kept)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from booking.db import Base, UTCDateTime, utcnow


class CalendarFeedToken(Base):
    """The current secret of one feed: an officer's or a team's, never both.

    Posting a new token replaces the hash in place and bumps `version`, so the old URL stops
    working in the same transaction.
    """

    __tablename__ = "calendar_feed_tokens"
    __table_args__ = (
        CheckConstraint("(officer_id IS NULL) <> (team_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("officers.id", ondelete="CASCADE"), unique=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    created_by_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_tokens.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
