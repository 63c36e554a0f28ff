"""Job: remind officers of call-backs whose window runs, mark the late ones overdue, alarm teams."""

from __future__ import annotations

from booking.callbacks.escalation import escalate_callbacks
from booking.clock import now

# Stages are a few minutes apart at the least (80 % of a one-hour window is 12 minutes before
# its end): once a minute keeps them on time without a setting of their own.
INTERVAL_SECONDS = 60  # the default of BOOKING_CALLBACK_ESCALATION_SECONDS


def escalate_due_callbacks() -> str:
    """Make the escalation stages due now; return counts by stage."""
    return escalate_callbacks(now=now()).summary()
