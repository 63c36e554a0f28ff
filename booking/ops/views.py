"""`/healthz`, `/readyz` and `/metrics`."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from functools import cache

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client.exposition import choose_encoder
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from booking.clock import now
from booking.config import MIGRATIONS_DIR
from booking.errors import problem_response
from booking.extensions import db
from booking.ops.metrics import LATENCY, REQUESTS, scrape_registry

bp = Blueprint("ops", __name__)
access_log = logging.getLogger("booking.requests")


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


def is_metrics_caller(header: str, token: str) -> bool:
    """Whether an Authorization header carries `Bearer <token>` (compared in constant time)."""
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Digests of equal length: the comparison's time says nothing about the token's length.
    given_digest = hashlib.sha256(given.strip().encode("utf-8", "surrogatepass")).digest()
    token_digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
    return hmac.compare_digest(given_digest, token_digest)


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition: request and booking metrics, and gauges from the database."""
    token = (current_app.config.get("BOOKING_METRICS_TOKEN") or "").strip()
    if token and not is_metrics_caller(request.headers.get("Authorization", ""), token):
        # Neither the expected nor the offered token is ever logged.
        return problem_response(
            401,
            "Unauthorized",
            "The metrics token is missing or wrong (Authorization: Bearer <token>).",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    registry = scrape_registry(
        engine=db.engine,
        now=now(),
        multiproc_dir=current_app.config.get("PROMETHEUS_MULTIPROC_DIR"),
    )
    # Prometheus asks for the format it prefers (text or OpenMetrics) in Accept.
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encoder(registry), 200, content_type=content_type)


def init_metrics(app: Flask) -> None:
    """Count, time and log every request per endpoint (never per URL: URLs carry references)."""

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        # Registered before the unit of work, so this runs after its commit: the status is final.
        endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
        status = str(response.status_code)
        REQUESTS.labels(request.method, endpoint, status).inc()
        started = g.get("request_started")
        elapsed = time.perf_counter() - started if started is not None else 0.0
        LATENCY.labels(request.method, endpoint, status).observe(elapsed)
        # The URL rule, never the path or query: those carry references and tokens.
        access_log.info(
            "%s %s %s %.1f ms",
            request.method,
            endpoint,
            status,
            elapsed * 1000,
            extra={
                "request_id": g.get("request_id"),
                "method": request.method,
                "path": endpoint,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
        return response
