"""Calendar tables: feed tokens (hashes only), officers' own calendars and their busy time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
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


SOURCE_KINDS = ("ics", "caldav")


class CalendarSource(Base):
    """An officer's own calendar (an ICS URL or a CalDAV calendar), imported as busy time.

    `url` never holds user info: a user and password given in it are moved to `username` and
    `password_ciphertext`. The password has to be sent to the calendar server by the worker, so
    it cannot be hashed: it is encrypted at rest (booking/calendar/credentials.py). `version`
    grows with every change of kind, URL or credentials, so an import that began before the
    change cannot store the old calendar's busy time under the new settings.
    """

    __tablename__ = "calendar_sources"
    __table_args__ = (CheckConstraint("kind IN ('ics', 'caldav')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(
        ForeignKey("officers.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(String(2000))
    username: Mapped[str | None] = mapped_column(String(254))
    password_ciphertext: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    # The validators of the last full answer (ICS), sent back as If-None-Match/If-Modified-Since.
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    # A hash of the stored busy intervals: an unchanged calendar rewrites no rows.
    busy_digest: Mapped[str | None] = mapped_column(String(64))
    events_imported: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the last attempt failed (None after a success); never a URL or a credential.
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportedBusy(Base):
    """One merged interval of busy time imported from an officer's calendar source.

    A source's rows are disjoint and replaced as a whole by each successful import. They carry
    the officer (not only the source) so the slot search reads them beside bookings and
    absences, by officer, without a join.
    """

    __tablename__ = "calendar_busy"
    __table_args__ = (
        CheckConstraint("start_at < end_at", name="range"),
        Index("ix_calendar_busy_officer_start", "officer_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_sources.id", ondelete="CASCADE"), index=True
    )
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
