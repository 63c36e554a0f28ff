"""Rådgivningsbokning: the booking engine of the building-permit department's advice service."""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, Response, g, request
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from booking.calendar.redact import redact_tokens_in_access_logs
from booking.config import MIGRATIONS_DIR, Config, config_from_env, development_secret_key
from booking.db import configure_sqlite_engine, set_write_intent
from booking.errors import problem_response, register_error_handlers
from booking.extensions import api, db, migrate
from booking.ratelimits import init_rate_limits

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → errors → CLI.

    Without `config` the environment is read (API.md, Configuration); tests pass a mapping.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    app.config.update(config_from_env() if config is None else config)
    _finish_config(app)
    proxies = int(app.config["BOOKING_TRUSTED_PROXIES"])
    if proxies < 0:
        raise RuntimeError(f"BOOKING_TRUSTED_PROXIES must be 0 or more, not {proxies}")
    if proxies:
        # Only the addresses our own proxies appended are believed: the client's address (for
        # the rate limits) and scheme (for HSTS and secure cookies) come from the Nth from the
        # right; whatever the client wrote in X-Forwarded-For itself is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    _configure_logging(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    api.init_app(
        app,
        spec_kwargs={
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}}
        },
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            configure_sqlite_engine(db.engine, app.config["BOOKING_SQLITE_BUSY_TIMEOUT_MS"])

    _register_blueprints(app)
    init_rate_limits(app)
    register_error_handlers(app)
    _register_unit_of_work(app)
    _register_cli(app)
    if app.config["BOOKING_IN_PROCESS_JOBS"] and not app.config["TESTING"]:
        from booking.jobs.scheduler import start_in_process

        app.extensions["booking_scheduler"] = start_in_process(app)
    return app


def _finish_config(app: Flask) -> None:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        os.makedirs(app.instance_path, exist_ok=True)
        uri = f"sqlite:///{Path(app.instance_path) / 'booking.sqlite3'}"
    # One driver for PostgreSQL: psycopg 3, whatever spelling the URL uses.
    uri = re.sub(r"^postgres(ql)?(\+psycopg2)?://", "postgresql+psycopg://", uri)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # Bound parameters carry personal data: keep them out of error messages and logs.
    options.setdefault("hide_parameters", True)
    if uri.startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)
        # A request never waits forever behind a lock: it answers 503 with Retry-After instead.
        connect_args = dict(options.get("connect_args") or {})
        lock_timeout = int(app.config["BOOKING_LOCK_TIMEOUT_MS"])
        connect_args.setdefault("options", f"-c lock_timeout={lock_timeout}")
        options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app)

    try:
        zone = ZoneInfo(app.config["BOOKING_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(
            f"BOOKING_TIMEZONE is not a known zone: {app.config['BOOKING_TIMEZONE']}"
        ) from exc
    app.extensions["booking_zone"] = zone
    hour, _, minute = str(app.config["BOOKING_EARLY_CLOSING_TIME"]).partition(":")
    days = {
        d.strip() for d in str(app.config["BOOKING_EARLY_CLOSING_DAYS"]).split(",") if d.strip()
    }
    app.extensions["booking_calendar"] = {
        "minute": int(hour) * 60 + int(minute or 0),
        "days": frozenset(days),
    }


def _configure_logging(app: Flask) -> None:
    # The service's own messages (jobs, what the log backends "sent") at BOOKING_LOG_LEVEL; a
    # handler only when nobody (gunicorn, pytest, an operator's dictConfig) has set one up.
    logging.getLogger("booking").setLevel(str(app.config["BOOKING_LOG_LEVEL"]).upper())
    # Feed URLs and manage links carry `?token=…`: access logs get it redacted.
    redact_tokens_in_access_logs()
    if app.config.get("BOOKING_LOG_FORMAT") == "json":
        from booking.logs import install_json_logging

        install_json_logging()
    elif not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _instance_secret_key(app: Flask) -> str:
    # Development only: a key kept in the instance folder, so every process of `make serve`
    # (and every restart) signs alike. Production sets BOOKING_SECRET_KEY.
    path = Path(app.instance_path) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        os.makedirs(app.instance_path, exist_ok=True)
        key = development_secret_key()
        path.write_text(key)
        path.chmod(0o600)
        log.warning("BOOKING_SECRET_KEY is not set; using a development key from %s", path)
        return key


def _register_blueprints(app: Flask) -> None:
    from booking.audit.views import blp as audit_blp
    from booking.availability.views import blp as availability_blp
    from booking.bookings.views import blp as bookings_blp
    from booking.calendar.source_views import blp as calendar_sources_blp
    from booking.calendar.views import blp as calendar_blp
    from booking.callbacks.views import blp as callbacks_blp
    from booking.notifications.views import blp as notifications_blp
    from booking.officers.views import blp as officers_blp
    from booking.ops.views import bp as ops_bp
    from booking.ops.views import init_metrics
    from booking.privacy.views import blp as privacy_blp
    from booking.stats.views import blp as stats_blp
    from booking.surveys.views import blp as outcomes_blp
    from booking.teams.views import blp as teams_blp
    from booking.web import register_pages

    for blueprint in (teams_blp, officers_blp, availability_blp, bookings_blp, notifications_blp):
        api.register_blueprint(blueprint)
    api.register_blueprint(calendar_blp)
    api.register_blueprint(calendar_sources_blp)
    api.register_blueprint(callbacks_blp)
    api.register_blueprint(audit_blp)
    api.register_blueprint(privacy_blp)
    api.register_blueprint(stats_blp)
    api.register_blueprint(outcomes_blp)
    app.register_blueprint(ops_bp)
    init_metrics(app)
    register_pages(app)


def _register_unit_of_work(app: Flask) -> None:
    """One transaction per request: committed after a successful response, else rolled back."""

    @app.before_request
    def _begin() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        set_write_intent(request.method not in SAFE_METHODS)

    @app.after_request
    def _finish(response: Response) -> Response:
        from booking.audit.service import token_use_to_record, write_after_request

        touched_token = token_use_to_record()
        if response.status_code < 400 and request.method not in SAFE_METHODS:
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                response = problem_response(
                    409, "Conflict", "The change conflicts with existing data.", slug="conflict"
                )
            except OperationalError:
                db.session.rollback()
                response = problem_response(
                    503,
                    "Service Unavailable",
                    "The service is busy; retry shortly.",
                    headers={"Retry-After": "1"},
                )
        else:
            db.session.rollback()
        # A reading request's audit rows (personal identity numbers shown) and the token's
        # last use are written after the request's own transaction, in a short one of their own.
        response = write_after_request(response, token_id=touched_token)
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response


def _register_cli(app: Flask) -> None:
    from booking.cli import demo_cli, keys_cli, tokens_cli
    from booking.jobs.cli import jobs_cli, worker_command

    app.cli.add_command(tokens_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(worker_command)
