"""Running the outbox dispatcher from a test, on the app's injected clock."""

from __future__ import annotations

from flask import Flask

from booking.notifications.dispatch import DispatchReport, dispatch_due


def run_dispatcher(app: Flask) -> DispatchReport:
    """Send everything due at the injected clock's now, as one worker run would."""
    with app.app_context():
        return dispatch_due(now_fn=app.config["BOOKING_CLOCK"])
