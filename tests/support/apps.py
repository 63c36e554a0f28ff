"""Another app on the suite's database, for tests that need settings the session app lacks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from booking import create_app
from booking.extensions import db
from tests.conftest import Clock


@contextmanager
def another_app(app: Flask, clock: Clock, **settings: Any) -> Iterator[Flask]:
    """An app on `app`'s database with the test clock and these settings; disposed afterwards."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret",
        "BOOKING_CLOCK": clock,
        "BOOKING_PUBLIC_URL": "http://booking.test",
    }
    config.update(settings)
    made = create_app(config)
    try:
        yield made
    finally:
        with made.app_context():
            db.engine.dispose()
