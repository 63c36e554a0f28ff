"""`/healthz`, `/readyz` and `/metrics`."""

from __future__ import annotations

import time
from functools import cache

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from booking.config import MIGRATIONS_DIR
from booking.errors import problem_response
from booking.extensions import db

bp = Blueprint("ops", __name__)

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "booking_http_requests_total",
    "HTTP requests",
    ["method", "endpoint", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "booking_http_request_seconds", "HTTP request latency", ["endpoint"], registry=REGISTRY
)


@cache
def migration_heads() -> frozenset[str]:
    """The revision ids at the head of the migration scripts."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


@bp.get("/healthz")
def healthz() -> Response:
    """The process is alive."""
    return Response('{"status": "ok"}', 200, mimetype="application/json")


@bp.get("/readyz")
def readyz() -> Response:
    """The database answers and its schema is at the migrations' head."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError:
        return problem_response(
            503,
            "Service Unavailable",
            "The database is not reachable.",
            headers={"Retry-After": "5"},
        )
    if current != migration_heads():
        return problem_response(
            503,
            "Service Unavailable",
            "The database schema is not at the latest migration.",
            headers={"Retry-After": "30"},
        )
    return Response('{"status": "ready"}', 200, mimetype="application/json")


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition of this process's counters."""
    return Response(generate_latest(REGISTRY), 200, mimetype=CONTENT_TYPE_LATEST)


def init_metrics(app: Flask) -> None:
    """Count requests and time them per endpoint (never per URL: URLs carry references)."""

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        started = g.get("request_started")
        if started is not None:
            LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        return response
