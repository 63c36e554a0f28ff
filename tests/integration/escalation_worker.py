"""Separate escalation workers against the test database (spawned by the escalation tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.integration.dispatch_worker import _app


def escalate(database_url: str, moments: list[datetime], start_gate: Any, results: Any) -> None:
    """Build an app; at each moment wait at the gate with the other worker, then escalate."""
    from booking.callbacks.escalation import escalate_callbacks
    from booking.extensions import db

    app = _app(database_url, moments[0], {})
    totals: dict[str, int] = {}
    for moment in moments:
        start_gate.wait()
        with app.app_context():
            report = escalate_callbacks(now=moment)
            db.session.remove()
        for name, count in vars(report).items():
            totals[name] = totals.get(name, 0) + count
    results.put(totals)
