"""Officer, weekly-hours and absence tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.db import Base, UTCDateTime, utcnow
from booking.teams.models import Team

officer_teams = Table(
    "officer_teams",
    Base.metadata,
    Column("officer_id", ForeignKey("officers.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Officer(Base):
    """A case officer (handläggare) who gives advice."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Tie-breaker of fair assignment: least recently assigned goes first.
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    teams: Mapped[list[Team]] = relationship(secondary=officer_teams, order_by=Team.id)
    weekly_hours: Mapped[list[WeeklyHours]] = relationship(
        back_populates="officer",
        cascade="all, delete-orphan",
        order_by="(WeeklyHours.weekday, WeeklyHours.start_minute)",
    )


class WeeklyHours(Base):
    """One working interval of an officer on a weekday, in local wall-clock minutes."""

    __tablename__ = "weekly_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute", name="range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(
        ForeignKey("officers.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    start_minute: Mapped[int]
    end_minute: Mapped[int]

    officer: Mapped[Officer] = relationship(back_populates="weekly_hours")


class Absence(Base):
    """Time an officer is away (leave, training, sickness); it blocks slots."""

    __tablename__ = "absences"
    __table_args__ = (
        CheckConstraint("start_at < end_at", name="range"),
        Index("ix_absences_officer_start", "officer_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
