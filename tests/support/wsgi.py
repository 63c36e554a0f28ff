"""Gunicorn entry point of the multi-process tests: `gunicorn 'tests.support.wsgi:create_app()'`.

The settings come from the environment as in production (booking.config.config_from_env); the
clock is fixed at BOOKING_TEST_NOW (RFC 3339) so that every process agrees with the test's clock.
"""

from __future__ import annotations

import os
from datetime import datetime

from flask import Flask

from booking import create_app as create_booking_app
from booking.config import config_from_env


class _Fixed:
    def __init__(self, value: datetime) -> None:
        self.value = value

    def __call__(self) -> datetime:
        return self.value


def create_app() -> Flask:
    """The booking app configured from the environment, with the test's fixed clock."""
    now = datetime.fromisoformat(os.environ["BOOKING_TEST_NOW"])
    return create_booking_app({**config_from_env(), "BOOKING_CLOCK": _Fixed(now)})
