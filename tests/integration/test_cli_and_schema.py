"""The operator's commands, and migrations that match the models exactly."""

from __future__ import annotations

from typing import Any

import pytest
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


# SQLite cannot reflect expression indexes, so that one index is not compared there (on
# PostgreSQL it is); test_the_email_index_serves_the_lookup checks it on both engines.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_migrations_match_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, Base.metadata)
                       if "ex_bookings_officer_busy" not in repr(d)]
    assert differences == []


def test_the_email_index_serves_the_lookup(app: Flask) -> None:
    from sqlalchemy import func, select, text

    from booking.bookings.models import Booking

    # The statement export, erasure and the survey's quiet period run, compiled as they do.
    with app.app_context():
        query = select(Booking.id).where(func.lower(Booking.applicant_email) == "asa@example.org")
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        with db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # On a near-empty table the planner rightly prefers a scan; forbid it to see
                # whether the index could serve at all.
                connection.execute(text("SET enable_seqscan = off"))
                plan = connection.execute(text(f"EXPLAIN {compiled}")).scalars().all()
            else:
                rows = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
                plan = [str(row[-1]) for row in rows]
    assert any("ix_bookings_applicant_email_lower" in line for line in plan), plan
