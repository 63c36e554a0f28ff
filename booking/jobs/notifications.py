"""Job: hand the due messages of the outbox to the e-mail and SMS senders."""

from __future__ import annotations

from booking.clock import now
from booking.notifications.dispatch import dispatch_due


def dispatch_notifications() -> str:
    """Send everything due now; return counts by outcome."""
    report = dispatch_due(now_fn=now)
    counts = {k: v for k, v in vars(report).items() if v}
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing due"
