"""Office closure table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from booking.db import Base, UTCDateTime, utcnow


class Closure(Base):
    """The whole office closed on a local date, or from a local time of that date."""

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint(
            "close_from_minute IS NULL OR close_from_minute BETWEEN 0 AND 1439", name="close_from"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    reason: Mapped[str] = mapped_column(String(500))
    close_from_minute: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
