"""The audit log is append-only in the database itself, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from booking.audit.service import record
from booking.db import write_intent
from booking.extensions import db
from tests.factories import booking_payload


def _count(app: Flask) -> int:
    with app.app_context():
        count = int(db.session.execute(text("SELECT count(*) FROM audit_log")).scalar_one())
        db.session.rollback()
        return count


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'booking.nothing'",
        "UPDATE audit_log SET details = NULL WHERE id = (SELECT min(id) FROM audit_log)",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id = (SELECT min(id) FROM audit_log)",
        # Of the address, only clearing it is allowed, and only on its own.
        "UPDATE audit_log SET client_address = '192.0.2.1'",
        "UPDATE audit_log SET client_address = NULL, action = 'booking.nothing'",
        "UPDATE audit_log SET client_address = NULL, details = NULL",
        "UPDATE audit_log SET client_address = NULL, object_id = object_id || 'x'",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(
    app: Flask, client: FlaskClient, world: Any, statement: str
) -> None:
    assert client.post("/api/v1/bookings", json=booking_payload()).status_code == 201
    before = _count(app)
    assert before >= 1
    with app.app_context(), write_intent():
        with pytest.raises(DBAPIError) as caught:
            db.session.execute(text(statement))
        db.session.rollback()
    assert "append-only" in str(caught.value)
    assert _count(app) == before


def _rows(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM audit_log ORDER BY id")).mappings().all()
        db.session.rollback()
        return [dict(row) for row in rows]


def test_postgresql_refuses_to_truncate_the_audit_log(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite has no TRUNCATE; its DELETE trigger is tested above")
    assert client.post("/api/v1/bookings", json=booking_payload()).status_code == 201
    before = _count(app)
    with app.app_context(), write_intent():
        with pytest.raises(DBAPIError) as caught:
            db.session.execute(text("TRUNCATE audit_log"))
        db.session.rollback()
    assert "append-only" in str(caught.value)
    assert _count(app) == before


def test_clearing_client_addresses_is_the_one_change_allowed(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    assert client.post("/api/v1/bookings", json=booking_payload()).status_code == 201
    with app.app_context(), write_intent():
        record(action="closure.create", object_type="closure", object_id="2027-03-10")
        db.session.commit()
    before = _rows(app)
    assert any(row["client_address"] is not None for row in before)
    assert any(row["client_address"] is None for row in before)
    with app.app_context(), write_intent():
        # An address is never given back to a row that has none.
        with pytest.raises(DBAPIError):
            db.session.execute(
                text(
                    "UPDATE audit_log SET client_address = '192.0.2.1' "
                    "WHERE client_address IS NULL"
                )
            )
        db.session.rollback()
        db.session.execute(text("UPDATE audit_log SET client_address = NULL"))
        db.session.commit()
    after = _rows(app)
    assert [row["client_address"] for row in after] == [None] * len(before)
    strip = [{k: v for k, v in row.items() if k != "client_address"} for row in before]
    assert [{k: v for k, v in row.items() if k != "client_address"} for row in after] == strip


def test_the_orm_cannot_change_a_row_either(app: Flask, client: FlaskClient, world: Any) -> None:
    from booking.audit.models import AuditEntry

    assert client.post("/api/v1/bookings", json=booking_payload()).status_code == 201
    with app.app_context(), write_intent():
        entry = db.session.scalars(db.select(AuditEntry)).first()
        assert entry is not None
        entry.action = "booking.nothing"
        with pytest.raises(DBAPIError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalars(db.select(AuditEntry)).first())
        with pytest.raises(DBAPIError):
            db.session.flush()
        db.session.rollback()


def test_a_row_recorded_in_a_rolled_back_transaction_is_gone(app: Flask) -> None:
    before = _count(app)
    with app.app_context(), write_intent():
        record(action="closure.create", object_type="closure", object_id="2027-03-10")
        db.session.flush()
        db.session.rollback()
    assert _count(app) == before
    with app.app_context(), write_intent():
        record(action="closure.create", object_type="closure", object_id="2027-03-10")
        db.session.commit()
    assert _count(app) == before + 1
