"""Several instances starting at once each run `flask db upgrade` (as the Dockerfile does): on
PostgreSQL one migrates and the others wait for it, then find nothing to do."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.engine import make_url

from tests.conftest import is_postgres

pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]

FLASK = Path(sys.executable).parent / "flask"
INSTANCES = 3


def _head() -> str:
    migrations = Path(__file__).resolve().parents[2] / "migrations"
    head = ScriptDirectory(str(migrations)).get_current_head()
    assert head is not None
    return head


def test_instances_upgrading_at_once_all_succeed(app: Flask, database_url: str) -> None:
    if not is_postgres(app):
        pytest.skip("several instances share a PostgreSQL database")
    url = make_url(database_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"booking_upgrade_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        target = url.set(database=name).render_as_string(hide_password=False)
        env = {**os.environ, "BOOKING_DATABASE_URL": target, "BOOKING_SECRET_KEY": "test-secret"}
        runs = [
            subprocess.Popen(
                [str(FLASK), "--app", "booking", "db", "upgrade"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(INSTANCES)
        ]
        outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
        assert [run.returncode for run in runs] == [0] * INSTANCES, "\n".join(outputs)
        # One of them ran the migrations; the others found the schema at head.
        ran = [out for out in outputs if "Running upgrade  -> 0001" in out]
        assert len(ran) == 1, "\n".join(outputs)
        direct = url.set(drivername="postgresql", database=name)
        with psycopg.connect(direct.render_as_string(hide_password=False)) as conn:
            versions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        assert versions == [(_head(),)]
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
