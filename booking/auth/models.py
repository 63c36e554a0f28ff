"""Staff token table: only a hash of each token is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from booking.db import Base, UTCDateTime, utcnow

ROLES = ("admin", "service_center", "officer")


class StaffToken(Base):
    """A bearer token for staff, with its role (and officer, for the officer role)."""

    __tablename__ = "staff_tokens"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'service_center', 'officer')", name="role"),
        CheckConstraint("role <> 'officer' OR officer_id IS NOT NULL", name="officer_bound"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        """Whether the token may still be used."""
        return self.revoked_at is None
