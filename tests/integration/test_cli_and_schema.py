"""The operator's commands, and migrations that match the models exactly."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from booking.db import Base
from booking.extensions import db


def test_tokens_create_prints_the_token_alone_and_stores_only_a_hash(app: Flask,
                                                                     client: Any) -> None:
    result = app.test_cli_runner().invoke(args=["tokens", "create", "--role", "admin",
                                                "--name", "ops"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert "\n" not in token and token.startswith("bk_")
    with app.app_context():
        stored = db.session.execute(db.text("SELECT token_hash FROM staff_tokens")).scalars().all()
    assert token not in stored and len(stored) == 1
    assert client.get("/api/v1/officers", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 200


def test_an_officer_token_needs_an_existing_officer(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["tokens", "create", "--role", "officer",
                                                "--name", "x", "--officer", "999"])
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.execute(db.text("SELECT count(*) FROM staff_tokens")).scalar_one() == 0


def test_demo_data_loads_once(app: Flask, client: Any) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and "loaded" in first.output
    assert second.exit_code == 0 and "already present" in second.output
    assert [t["slug"] for t in client.get("/api/v1/teams").json] == ["bygglov-privat",
                                                                     "bygglov-foretag"]


def test_migrations_match_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, Base.metadata)
                       if "ex_bookings_officer_busy" not in repr(d)]
    assert differences == []
