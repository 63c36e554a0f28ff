"""Prometheus metrics: per-process counters and histograms, and gauges read from the database.

Counters and histograms live in this process (or, under gunicorn with PROMETHEUS_MULTIPROC_DIR,
in files every worker writes and the scrape sums). The state of the outbox, the call-backs and
the calendar sources is read from the database at scrape time instead: the database is shared by
every instance and worker, so each scrape of any instance reports the same, current numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "booking_http_requests_total",
    "HTTP requests by method, endpoint (URL rule) and status",
    ["method", "endpoint", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "booking_http_request_seconds",
    "HTTP request latency by method, endpoint (URL rule) and status",
    ["method", "endpoint", "status"],
    registry=REGISTRY,
)
BOOKINGS = Counter(
    "booking_bookings_total",
    "Bookings created, cancelled or rescheduled (counted once committed), by booking channel",
    ["action", "channel"],
    registry=REGISTRY,
)
SLOT_SEARCH = Histogram(
    "booking_slot_search_seconds",
    "Time to compute a team's free slots (API and pages)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)

_EVENTS = "booking_metric_events"
# Outbox states worth a gauge: what is waiting or needs a person. The rest is history.
OUTBOX_STATUSES = ("pending", "sending", "failed", "dead")


def record_booking_event(session: Session, *, action: str, channel: str) -> None:
    """Count a booking change once the session's transaction commits (never if it rolls back)."""
    session.info.setdefault(_EVENTS, []).append((action, channel))


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for action, channel in session.info.pop(_EVENTS, ()):
        BOOKINGS.labels(action, channel).inc()


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    # after_commit has already taken what committed; an outer transaction ending any other way
    # rolled back, and its changes never happened.
    if transaction.parent is None:
        session.info.pop(_EVENTS, None)


class DatabaseCollector(Collector):
    """Gauges computed by a few aggregate queries when scraped."""

    def __init__(self, engine: Engine, now: datetime) -> None:
        self._engine = engine
        self._now = now

    def collect(self) -> Iterator[Metric]:
        """Read the outbox, call-backs and calendar sources (the database may be down)."""
        up = GaugeMetricFamily(
            "booking_metrics_database_up", "Whether the scrape could read the database"
        )
        try:
            families = self._read()
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self) -> list[Metric]:
        from booking.calendar.models import CalendarSource
        from booking.callbacks.models import PENDING_STATUSES, Callback
        from booking.notifications.models import CLAIMABLE, Notification

        outbox = GaugeMetricFamily(
            "booking_outbox_messages",
            "Outbox messages waiting (pending, sending, failed) or given up (dead)",
            labels=["status", "channel"],
        )
        oldest = GaugeMetricFamily(
            "booking_outbox_oldest_due_seconds",
            "How long the oldest message that is due has waited since it became due (0: none)",
        )
        callbacks = GaugeMetricFamily(
            "booking_callbacks", "Call-backs not yet closed, by status", labels=["status"]
        )
        failing = GaugeMetricFamily(
            "booking_calendar_sources_failing",
            "Officers' calendar sources whose last import failed",
        )
        with self._engine.connect() as connection:
            counts = {
                (status, channel): count
                for status, channel, count in connection.execute(
                    select(Notification.status, Notification.channel, func.count())
                    .where(Notification.status.in_(OUTBOX_STATUSES))
                    .group_by(Notification.status, Notification.channel)
                )
            }
            first_due = connection.execute(
                select(func.min(Notification.due_at)).where(
                    Notification.status.in_(CLAIMABLE), Notification.next_attempt_at <= self._now
                )
            ).scalar_one()
            open_callbacks = dict(
                connection.execute(
                    select(Callback.status, func.count())
                    .where(Callback.status.in_(PENDING_STATUSES))
                    .group_by(Callback.status)
                ).all()
            )
            failing_sources = connection.execute(
                select(func.count()).where(CalendarSource.last_error.is_not(None))
            ).scalar_one()
        for status in OUTBOX_STATUSES:
            for channel in ("email", "sms", "caldav"):
                outbox.add_metric([status, channel], counts.pop((status, channel), 0))
        for (status, channel), count in counts.items():
            outbox.add_metric([status, channel], count)
        oldest.add_metric([], _waited_seconds(first_due, self._now))
        for status in PENDING_STATUSES:
            callbacks.add_metric([status], open_callbacks.get(status, 0))
        failing.add_metric([], failing_sources)
        return [outbox, oldest, callbacks, failing]


def _waited_seconds(first_due: Any, now: datetime) -> float:
    if first_due is None:
        return 0.0
    # min() keeps the column's UTC type, but a driver may still hand back naive UTC or text.
    if isinstance(first_due, str):
        first_due = datetime.fromisoformat(first_due)
    if first_due.tzinfo is None:
        first_due = first_due.replace(tzinfo=UTC)
    return max(0.0, (now - first_due).total_seconds())


class _ThisProcess(Collector):
    """The in-process registry's metrics, forwarded into a scrape's registry."""

    def collect(self) -> Iterator[Metric]:
        """This process's counters and histograms."""
        yield from REGISTRY.collect()


def scrape_registry(
    *, engine: Engine, now: datetime, multiproc_dir: str | None
) -> CollectorRegistry:
    """A registry for one scrape: process (or all gunicorn workers') metrics and database gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if multiproc_dir:
        MultiProcessCollector(registry, path=multiproc_dir)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseCollector(engine, now))
    return registry
