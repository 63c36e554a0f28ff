"""Job: hand the due messages of the outbox to the e-mail and SMS senders."""

from __future__ import annotations

from booking.clock import now
from booking.jobs.stopping import is_stopping
from booking.notifications.dispatch import dispatch_due


def dispatch_notifications() -> str:
    """Send everything due now; return counts by outcome."""
    report = dispatch_due(now_fn=now, should_stop=is_stopping)
    counts = {k: v for k, v in vars(report).items() if v}
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing due"
