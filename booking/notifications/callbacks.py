"""Write a call-back's messages to the outbox, in the transaction that causes them.

Each call-back has at most one message per kind (registration SMS, unreachable SMS, and one per
escalation stage): the idempotency key is (call-back, kind), and rows are inserted with
ON CONFLICT DO NOTHING, so any number of escalation workers, or a retried request, add it once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from booking.callbacks.models import Callback
from booking.extensions import db
from booking.notifications.models import Notification
from booking.notifications.render import CALLBACK_KINDS


def booking_link(*, public_url: str) -> str:
    """Where an applicant we could not reach books a meeting online instead."""
    # The public booking pages do not exist yet: this one function says where they will be.
    return public_url.rstrip("/") + "/boka"


def idempotency_key(*, callback_id: int, kind: str) -> str:
    """The outbox key of a call-back's message of this kind: one row per call-back and kind."""
    return f"callback:{callback_id}:{kind}"


def enqueue_callback_message(
    *,
    callback_id: int,
    kind: str,
    recipient: str,
    language: str,
    officer_id: int | None,
    due_at: datetime,
    now: datetime,
) -> bool:
    """Add the call-back's message of `kind` unless it exists; return whether this call added it."""
    channel, audience = CALLBACK_KINDS[kind]
    values = {
        "idempotency_key": idempotency_key(callback_id=callback_id, kind=kind),
        "kind": kind,
        "channel": channel,
        "audience": audience,
        "callback_id": callback_id,
        "booking_version": 0,
        "officer_id": officer_id,
        "recipient": recipient,
        "language": language,
        "due_at": due_at,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": due_at,
        "created_at": now,
        "updated_at": now,
    }
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # A concurrent worker's row wins quietly; on PostgreSQL the loser waits for the winner's
    # commit and then does nothing, so the stage is never sent twice nor lost.
    table = Notification.__table__
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id)
    )
    # RETURNING, not rowcount: drivers disagree on the rowcount of a skipped insert.
    return db.session.execute(statement).first() is not None


def notify_callback_registered(*, callback: Callback, now: datetime) -> None:
    """Queue the SMS telling the applicant who will call and when."""
    enqueue_callback_message(
        callback_id=callback.id,
        kind="callback_registered",
        recipient=callback.applicant_phone,
        language=callback.language,
        officer_id=callback.officer_id,
        due_at=now,
        now=now,
    )


def notify_callback_unreachable(*, callback: Callback, now: datetime) -> None:
    """Queue the SMS offering the applicant we could not reach a link to book online."""
    enqueue_callback_message(
        callback_id=callback.id,
        kind="callback_unreachable",
        recipient=callback.applicant_phone,
        language=callback.language,
        officer_id=callback.officer_id,
        due_at=now,
        now=now,
    )
