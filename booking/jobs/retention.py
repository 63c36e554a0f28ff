"""Job: anonymise applicants' data past its retention period (booking/privacy/retention.py)."""

from __future__ import annotations

from flask import current_app

from booking.clock import now
from booking.privacy.retention import RetentionPolicy, apply_retention

# Retention is counted in days: once a day is plenty (the default of
# BOOKING_RETENTION_INTERVAL_SECONDS). The worker also runs it at start.
INTERVAL_SECONDS = 86_400


def apply_retention_policy() -> str:
    """Anonymise what is past its retention period now; return the counts."""
    config = current_app.config
    counts = apply_retention(
        now=now(),
        policy=RetentionPolicy.from_config(config),
        batch_size=int(config["BOOKING_RETENTION_BATCH"]),
    )
    return counts.summary()
