"""The audit log table: rows are only ever inserted (the database refuses the rest)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from booking.db import Base, UTCDateTime

ACTOR_KINDS = ("staff", "applicant", "system")


class AuditEntry(Base):
    """One audited event: the actor, the action and the object it concerned; no personal data
    but the client's address, which retention clears (the only change the triggers allow)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint("actor_kind IN ('staff', 'applicant', 'system')", name="actor_kind"),
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_object", "object_type", "object_id", "at"),
        Index("ix_audit_log_actor_token", "actor_token_id", "at"),
        Index("ix_audit_log_action_at", "action", "at"),
        # Retention's queue: rows still holding a client address, by age (migration 0014).
        Index(
            "ix_audit_log_address_kept",
            "at",
            postgresql_where=text("client_address IS NOT NULL"),
            sqlite_where=text("client_address IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_kind: Mapped[str] = mapped_column(String(16))
    # No foreign key: the log outlives the tokens it names.
    actor_token_id: Mapped[int | None]
    actor_name: Mapped[str | None] = mapped_column(String(200))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    client_address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
