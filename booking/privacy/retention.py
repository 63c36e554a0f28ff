"""Retention (GDPR art. 5(1)(e)): anonymise applicants' data once it is no longer needed.

Three categories, each with its own period (configuration, in days):

- bookings (`BOOKING_RETENTION_CONTACT_DAYS`, 90): after the meeting's end, or after the
  cancellation; never while the meeting has not ended, cancelled or not;
- call-backs and their attempts' notes (`BOOKING_RETENTION_CALLBACK_DAYS`, 30): after the
  call-back was closed (completed or unreachable). One never closed (open or overdue) is
  abandoned once its window ended `BOOKING_RETENTION_CONTACT_DAYS` ago: it is anonymised too,
  stays overdue in the figures, and no longer counts as an officer's open call-back;
- the outbox's kept copies and applicants' addresses (`BOOKING_RETENTION_MESSAGE_DAYS`, 30):
  after sending or a final failure (also superseded and expired rows);
- survey answers' free-text comments (`BOOKING_RETENTION_CONTACT_DAYS`): after answering, or
  with their booking's data if that goes first; the 1–10 scores stay for the figures;
- the client addresses in the audit log (`BOOKING_RETENTION_AUDIT_ADDRESS_DAYS`, 180): after
  the event; the rest of each row stays for good (the log's triggers allow only this change).

The run works in batches of `BOOKING_RETENTION_BATCH` ids, one transaction per batch, so years
of history neither hold a lock for long nor make one huge transaction; the last transaction
also writes the run's audit row with the counts. Rows are marked (`anonymised_at`), so a second
run, or a run on another worker at the same time, finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select

from booking.audit import service as audit
from booking.bookings.models import Booking
from booking.callbacks.models import PENDING_STATUSES, Callback
from booking.db import write_intent
from booking.extensions import db
from booking.notifications.models import Notification
from booking.privacy.anonymise import (
    FINAL_STATUSES,
    MESSAGE_CHANNELS,
    anonymise_bookings,
    anonymise_callbacks,
    anonymise_notifications,
    anonymise_survey_comments,
)
from booking.surveys.models import SurveyResponse

CLOSED_CALLBACK_STATUSES = ("completed", "unreachable")


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How many days each category is kept."""

    contact_days: int = 90
    callback_days: int = 30
    message_days: int = 30
    audit_address_days: int = 180

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RetentionPolicy:
        """The policy the configuration sets (BOOKING_RETENTION_*_DAYS)."""
        return cls(
            contact_days=int(config["BOOKING_RETENTION_CONTACT_DAYS"]),
            callback_days=int(config["BOOKING_RETENTION_CALLBACK_DAYS"]),
            message_days=int(config["BOOKING_RETENTION_MESSAGE_DAYS"]),
            audit_address_days=int(config["BOOKING_RETENTION_AUDIT_ADDRESS_DAYS"]),
        )


@dataclass
class RetentionCounts:
    """What one run anonymised, by kind of row."""

    bookings: int = 0
    callbacks: int = 0
    callback_attempts: int = 0
    notifications: int = 0
    survey_comments: int = 0
    audit_addresses: int = 0

    def summary(self) -> str:
        """One line for the job runner."""
        done = {k: v for k, v in asdict(self).items() if v}
        if not done:
            # The scheduler logs summaries starting "nothing" at DEBUG only.
            return "nothing to anonymise"
        return "anonymised " + ", ".join(f"{k} {v}" for k, v in done.items())


def bookings_due(*, now: datetime, days: int) -> Select[tuple[int]]:
    """Ids of bookings whose applicant data is due for anonymisation at `now`."""
    cutoff = now - timedelta(days=days)
    return select(Booking.id).where(
        Booking.anonymised_at.is_(None),
        # Never a meeting that has not ended, even a cancelled one: cheap insurance against a
        # clock or configuration mistake, and the index on (anonymised_at, end_at) serves it.
        Booking.end_at <= now,
        or_(
            and_(Booking.status == "confirmed", Booking.end_at <= cutoff),
            and_(Booking.status == "cancelled", Booking.cancelled_at <= cutoff),
        ),
    )


def callbacks_due(*, now: datetime, days: int, abandoned_days: int) -> Select[tuple[int]]:
    """Ids of call-backs due for anonymisation at `now`: closed `days` ago, or never closed
    and their window ended `abandoned_days` ago."""
    return select(Callback.id).where(
        Callback.anonymised_at.is_(None),
        or_(
            and_(
                Callback.status.in_(CLOSED_CALLBACK_STATUSES),
                Callback.closed_at <= now - timedelta(days=days),
            ),
            and_(
                Callback.status.in_(PENDING_STATUSES),
                Callback.window_end_at <= now - timedelta(days=abandoned_days),
            ),
        ),
    )


def notifications_due(*, now: datetime, days: int) -> Select[tuple[int]]:
    """Ids of final outbox rows whose copy and recipient are due for clearing at `now`."""
    # A final row's updated_at is the moment it became final (sent, dead, superseded, expired).
    return select(Notification.id).where(
        Notification.anonymised_at.is_(None),
        Notification.status.in_(FINAL_STATUSES),
        Notification.channel.in_(MESSAGE_CHANNELS),
        Notification.updated_at <= now - timedelta(days=days),
    )


def survey_responses_due(*, now: datetime, days: int) -> Select[tuple[int]]:
    """Ids of survey answers whose comment is due for clearing (contact days after answering)."""
    return select(SurveyResponse.id).where(
        SurveyResponse.anonymised_at.is_(None),
        SurveyResponse.answered_at <= now - timedelta(days=days),
    )


def _in_batches(
    due: Select[tuple[int]], batch_size: int, anonymise: Callable[[Sequence[int]], None]
) -> None:
    """Anonymise what `due` selects, one committed transaction per batch of ids."""
    while True:
        with write_intent():
            ids = db.session.scalars(due.order_by(None).limit(batch_size)).all()
            if ids:
                anonymise(ids)
            db.session.commit()
        if len(ids) < batch_size:
            return


def apply_retention(
    *, now: datetime, policy: RetentionPolicy, batch_size: int = 1000
) -> RetentionCounts:
    """Anonymise everything past its retention period; commits; audits the run with its counts."""
    counts = RetentionCounts()

    def bookings(ids: Sequence[int]) -> None:
        counts.bookings += anonymise_bookings(ids, now=now)

    def callbacks(ids: Sequence[int]) -> None:
        done, attempts = anonymise_callbacks(ids, now=now)
        counts.callbacks += done
        counts.callback_attempts += attempts

    def notifications(ids: Sequence[int]) -> None:
        counts.notifications += anonymise_notifications(ids, now=now)

    _in_batches(bookings_due(now=now, days=policy.contact_days), batch_size, bookings)
    _in_batches(
        callbacks_due(now=now, days=policy.callback_days, abandoned_days=policy.contact_days),
        batch_size,
        callbacks,
    )
    _in_batches(notifications_due(now=now, days=policy.message_days), batch_size, notifications)

    def survey_comments(ids: Sequence[int]) -> None:
        counts.survey_comments += anonymise_survey_comments(ids, now=now)

    _in_batches(
        survey_responses_due(now=now, days=policy.contact_days), batch_size, survey_comments
    )

    def audit_addresses(ids: Sequence[int]) -> None:
        counts.audit_addresses += audit.forget_addresses(ids)

    cutoff = now - timedelta(days=policy.audit_address_days)
    _in_batches(audit.addresses_due(before=cutoff), batch_size, audit_addresses)
    with write_intent():
        audit.record(
            action="retention.run",
            object_type="retention",
            object_id=now.date().isoformat(),
            details={**asdict(counts), **asdict(policy)},
            actor=audit.SYSTEM,
        )
        db.session.commit()
    return counts
