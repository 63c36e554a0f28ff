"""Separate dispatcher processes against the test database (spawned by the outbox tests)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any


class _Fixed:
    def __init__(self, value: datetime) -> None:
        self.value = value

    def __call__(self) -> datetime:
        return self.value


def _app(database_url: str, now: datetime, settings: dict[str, Any]) -> Any:
    from booking import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "BOOKING_CLOCK": _Fixed(now),
            "BOOKING_PUBLIC_URL": "http://booking.test",
            "BOOKING_RATE_LIMIT": "off",
            **settings,
        }
    )


def dispatch(
    database_url: str, now: datetime, settings: dict[str, Any], start_gate: Any, results: Any
) -> None:
    """Build an app, wait at the gate, then dispatch everything due and report the counts."""
    from booking.notifications.dispatch import dispatch_due

    app = _app(database_url, now, settings)
    start_gate.wait()
    with app.app_context():
        report = dispatch_due(now_fn=app.config["BOOKING_CLOCK"])
    results.put(vars(report))


def claim_and_hang(
    database_url: str, now: datetime, settings: dict[str, Any], lease_seconds: int, results: Any
) -> None:
    """Claim the due rows like a dispatcher, report them, then hang until killed (a crash)."""
    from booking.notifications.dispatch import claim_due

    app = _app(database_url, now, settings)
    with app.app_context():
        _, ids = claim_due(now=now, limit=1000, lease=timedelta(seconds=lease_seconds))
    results.put(ids)
    time.sleep(600)
