"""Assertions shared by the API tests: problem documents, and "nothing was stored"."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from booking.db import Base
from booking.extensions import db

PROBLEM = "application/problem+json"


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: equal snapshots mean nothing changed."""
    with app.app_context():
        tables: dict[str, list[tuple[Any, ...]]] = {}
        for table in Base.metadata.sorted_tables:
            # A staff token's last use is bookkeeping of who called, not data a request changes.
            columns = [c for c in table.columns if not (
                table.name == "staff_tokens" and c.name == "last_used_at")]
            query = select(*columns).order_by(*table.primary_key.columns)
            tables[table.name] = [tuple(row) for row in db.session.execute(query)]
        db.session.rollback()
        return tables


def row_counts(app: Flask) -> dict[str, int]:
    """The number of rows of every table."""
    return {name: len(rows) for name, rows in snapshot(app).items()}


def assert_problem(response: TestResponse, status: int, field: str | None = None) -> dict[str, Any]:
    """Assert an RFC 9457 problem document with this status (and, for 422, the field named)."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:500]
    assert response.headers["Content-Type"] == PROBLEM, response.headers["Content-Type"]
    body = response.get_json(force=True)
    assert isinstance(body, dict)
    for key in ("type", "title", "status", "detail"):
        assert key in body, body
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if field is not None:
        assert field in body.get("errors", {}), body
        assert all(isinstance(m, str) and m for m in body["errors"][field])
    return body
