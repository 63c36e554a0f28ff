"""Test set-up: a fresh database per run (SQLite, or PostgreSQL when asked), an injected clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import make_url, text

from booking import create_app
from booking.config_cache import clear_config
from booking.db import Base
from booking.extensions import db

pytest_plugins = ["tests.support.fixtures"]

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A Monday morning: tests move the clock explicitly when it matters.
DEFAULT_NOW = datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM)


class Clock:
    """A settable clock injected as BOOKING_CLOCK; tests never sleep."""

    def __init__(self) -> None:
        self.value = DEFAULT_NOW

    def __call__(self) -> datetime:
        return self.value

    def set(self, value: datetime) -> None:
        assert value.tzinfo is not None
        self.value = value

    def advance(self, **delta: float) -> None:
        self.value += timedelta(**delta)


def _postgres_database(base_url: str) -> Iterator[str]:
    import psycopg

    url = make_url(base_url)
    name = f"booking_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for this run: PostgreSQL if BOOKING_TEST_DATABASE_URL says so."""
    wanted = os.environ.get("BOOKING_TEST_DATABASE_URL")
    if wanted:
        yield from _postgres_database(wanted)
    else:
        path: Path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def clock() -> Clock:
    """The injected clock (reset to DEFAULT_NOW before every test)."""
    return Clock()


@pytest.fixture(scope="session")
def app(
    database_url: str, clock: Clock, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """The app under test, its schema made by the migrations (as in production)."""
    from flask_migrate import upgrade

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "BOOKING_CLOCK": clock,
            "BOOKING_PUBLIC_URL": "http://booking.test",
            "BOOKING_RATE_LIMIT": "off",
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest, clock: Clock) -> Iterator[None]:
    clock.set(DEFAULT_NOW)
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(t.name for t in Base.metadata.sorted_tables)
                # The audit log refuses TRUNCATE: lift that for the clean-up only (the
                # transaction holds the table's lock, so nothing else sees it lifted).
                guard = "TRIGGER audit_log_no_truncate"
                connection.execute(text(f"ALTER TABLE audit_log DISABLE {guard}"))
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                connection.execute(text(f"ALTER TABLE audit_log ENABLE {guard}"))
            else:
                # The audit log's triggers refuse DELETE: lift them for the clean-up only.
                triggers = connection.execute(text(
                    "SELECT name, sql FROM sqlite_master "
                    "WHERE type = 'trigger' AND tbl_name = 'audit_log'"
                )).all()
                for name, _ in triggers:
                    connection.execute(text(f'DROP TRIGGER "{name}"'))
                for table in reversed(Base.metadata.sorted_tables):
                    connection.execute(table.delete())
                for _, sql in triggers:
                    connection.execute(text(sql))
        # The tables were emptied behind the session's back: forget the cached configuration.
        clear_config(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def factory(app: Flask) -> Any:
    """Factories that create rows directly (committed), for arranging a test."""
    from tests.factories import Factory

    return Factory(app)


@pytest.fixture
def world(factory: Any) -> Any:
    """The standard small municipality: two teams, four officers, one meeting type."""
    return factory.standard_world()


def is_postgres(app: Flask) -> bool:
    """Whether this run is on PostgreSQL."""
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
