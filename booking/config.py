"""Configuration classes; the environment is read here and nowhere else."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

# Alembic scripts live beside the package (the Dockerfile installs the project in place).
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _env(environ: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    value = environ.get(name)
    return value if value not in (None, "") else default


class Config:
    """Defaults shared by every environment."""

    SQLALCHEMY_DATABASE_URI: str | None = None  # None: SQLite file in the instance folder
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {}
    SECRET_KEY: str | None = None
    TESTING = False
    # No legitimate request is near this; larger bodies get a 413 problem without being read.
    MAX_CONTENT_LENGTH = 1024 * 1024

    BOOKING_TIMEZONE = "Europe/Stockholm"
    BOOKING_SMTP_URL: str | None = None
    BOOKING_MAIL_FROM = "bygglov@example.org"
    BOOKING_SMS_BACKEND = "log"
    BOOKING_SMS_URL: str | None = None
    BOOKING_SMS_USER: str | None = None
    BOOKING_SMS_PASSWORD: str | None = None
    BOOKING_PUBLIC_URL = "http://127.0.0.1:5000"
    BOOKING_RATE_LIMIT = "20/minute"
    # Half days that close early: keys understood by booking.core.calendar_days.
    BOOKING_EARLY_CLOSING_TIME = "14:00"
    BOOKING_EARLY_CLOSING_DAYS = "trettondagsafton,skartorsdagen,valborgsmassoafton,allhelgonaafton"
    # SQLite waits this long for the write lock before the request answers 503.
    BOOKING_SQLITE_BUSY_TIMEOUT_MS = 10_000
    BOOKING_MAX_SLOT_DAYS = 62
    # PostgreSQL: how long a statement waits for a row lock before the request answers 503.
    BOOKING_LOCK_TIMEOUT_MS = 10_000

    API_TITLE = "Rådgivningsbokning"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    JSON_SORT_KEYS = False


def config_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the settings found in the environment (API.md, Configuration)."""
    env = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    names = {
        "BOOKING_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
        "BOOKING_SECRET_KEY": "SECRET_KEY",
        "BOOKING_TIMEZONE": "BOOKING_TIMEZONE",
        "BOOKING_SMTP_URL": "BOOKING_SMTP_URL",
        "BOOKING_MAIL_FROM": "BOOKING_MAIL_FROM",
        "BOOKING_SMS_BACKEND": "BOOKING_SMS_BACKEND",
        "BOOKING_SMS_URL": "BOOKING_SMS_URL",
        "BOOKING_SMS_USER": "BOOKING_SMS_USER",
        "BOOKING_SMS_PASSWORD": "BOOKING_SMS_PASSWORD",
        "BOOKING_PUBLIC_URL": "BOOKING_PUBLIC_URL",
        "BOOKING_RATE_LIMIT": "BOOKING_RATE_LIMIT",
        "BOOKING_EARLY_CLOSING_TIME": "BOOKING_EARLY_CLOSING_TIME",
        "BOOKING_EARLY_CLOSING_DAYS": "BOOKING_EARLY_CLOSING_DAYS",
    }
    for env_name, key in names.items():
        value = _env(env, env_name)
        if value is not None:
            settings[key] = value
    return settings


def development_secret_key() -> str:
    """Return a throw-away signing key for development; production must set BOOKING_SECRET_KEY."""
    return secrets.token_urlsafe(32)
