"""Escalating call-backs whose window runs: remind the officer, then alarm the team.

Stages, each at most once per call-back: `callback_window_start` (the window begins: e-mail the
officer), `callback_reminder` (80 % of the window gone, still open: e-mail the officer again),
`callback_overdue` (the window ended unreached: status `overdue`, e-mail the team's address).
Only the latest stage due is made: a worker that was down does not send a "the window starts"
mail after the window has ended.

Any number of workers may run this at once. A stage's message is an outbox row whose key is
(call-back, stage), inserted with ON CONFLICT DO NOTHING; the move to `overdue` is a conditional
UPDATE (`… WHERE status = 'open'`) and only the worker whose UPDATE changed the row writes the
team's message, in the same transaction. Each call-back is its own transaction, so one bad row
does not stop the rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from booking.callbacks.models import Callback
from booking.db import write_intent
from booking.extensions import db
from booking.notifications.callbacks import enqueue_callback_message, idempotency_key
from booking.notifications.models import Notification
from booking.officers.models import Officer
from booking.teams.models import Team

log = logging.getLogger(__name__)

STAGES = ("callback_window_start", "callback_reminder", "callback_overdue")
# The officer's second reminder comes when this share of the window has passed.
REMINDER_SHARE = 0.8
# Staff read the officers' and the team's mail in Swedish.
STAFF_LANGUAGE = "sv"


@dataclass
class EscalationReport:
    """What one escalation run did, by stage."""

    window_start: int = 0
    reminder: int = 0
    overdue: int = 0
    failed: int = 0

    def summary(self) -> str:
        """One line for the job runner."""
        counts = {k: v for k, v in vars(self).items() if v}
        return ", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing to escalate"


@dataclass(frozen=True, slots=True)
class _Due:
    callback_id: int
    stage: str
    officer_id: int
    officer_email: str
    team_id: int


def stage_at(*, window_start_at: datetime, window_end_at: datetime, now: datetime) -> str | None:
    """The latest escalation stage an open call-back has reached at `now`, if any."""
    if now >= window_end_at:
        return "callback_overdue"
    if now >= window_start_at + (window_end_at - window_start_at) * REMINDER_SHARE:
        return "callback_reminder"
    if now >= window_start_at:
        return "callback_window_start"
    return None


def _due_stages(*, now: datetime, limit: int) -> list[_Due]:
    """Open call-backs whose window has begun, with the stage each needs and has not had."""
    rows = db.session.execute(
        select(
            Callback.id,
            Callback.window_start_at,
            Callback.window_end_at,
            Callback.officer_id,
            Officer.email,
            Callback.team_id,
        )
        .join(Officer, Officer.id == Callback.officer_id)
        .where(Callback.status == "open", Callback.window_start_at <= now)
        .order_by(Callback.due_at, Callback.id)
        .limit(limit)
    ).all()
    due = []
    for callback_id, start, end, officer_id, email, team_id in rows:
        stage = stage_at(window_start_at=start, window_end_at=end, now=now)
        if stage is not None:
            due.append(_Due(callback_id, stage, officer_id, email, team_id))
    if not due:
        return []
    # Open call-backs stay candidates until closed: leave out the stages already made.
    made = set(
        db.session.scalars(
            select(Notification.idempotency_key).where(
                Notification.callback_id.in_([d.callback_id for d in due]),
                Notification.kind.in_(STAGES),
            )
        )
    )
    return [d for d in due if idempotency_key(callback_id=d.callback_id, kind=d.stage) not in made]


def _escalate_one(item: _Due, *, now: datetime) -> bool:
    """Make this call-back's stage in the current transaction; return whether this call made it."""
    if item.stage != "callback_overdue":
        return enqueue_callback_message(
            callback_id=item.callback_id,
            kind=item.stage,
            recipient=item.officer_email,
            language=STAFF_LANGUAGE,
            officer_id=item.officer_id,
            due_at=now,
            now=now,
        )
    table = Callback.__table__
    changed = db.session.execute(
        update(table)
        .where(table.c.id == item.callback_id, table.c.status == "open")
        .values(status="overdue", updated_at=now)
    ).rowcount
    if changed != 1:
        # Another worker marked it first (and wrote the team's message), or it was closed.
        return False
    # Read here, not from the configuration cache: an address changed a second ago counts.
    address = db.session.scalar(select(Team.email).where(Team.id == item.team_id))
    if not address:
        # A team without a shared mailbox: the officer is told instead, so a broken promise is
        # never silent.
        log.warning(
            "call-back %s is overdue and its team has no e-mail address: telling the officer",
            item.callback_id,
        )
        address = item.officer_email
    if address:
        enqueue_callback_message(
            callback_id=item.callback_id,
            kind="callback_overdue",
            recipient=address,
            language=STAFF_LANGUAGE,
            officer_id=item.officer_id,
            due_at=now,
            now=now,
        )
    return True


def escalate_callbacks(*, now: datetime, limit: int = 1000) -> EscalationReport:
    """Make every escalation stage due at `now`, one call-back per transaction."""
    report = EscalationReport()
    due = _due_stages(now=now, limit=limit)
    # The read above ran in a plain transaction; each write below starts its own (SQLite:
    # BEGIN IMMEDIATE, so two workers take turns instead of failing to upgrade a lock).
    db.session.rollback()
    for item in due:
        try:
            with write_intent():
                made = _escalate_one(item, now=now)
                db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("escalating call-back %s failed", item.callback_id)
            report.failed += 1
            continue
        if made:
            name = item.stage.removeprefix("callback_")
            setattr(report, name, getattr(report, name) + 1)
    return report
