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
    # The SMS sender id: 3-11 letters or digits starting with a letter, or an E.164 number.
    BOOKING_SMS_FROM = "Bygglov"
    BOOKING_PUBLIC_URL = "http://127.0.0.1:5000"
    BOOKING_RATE_LIMIT = "20/minute"
    # Abuse limits (booking/ratelimits.py): slot searches are cheap reads that a page makes
    # several of, so they get a higher per-client limit than writes; "off" disables one.
    BOOKING_SEARCH_RATE_LIMIT = "120/minute"
    # Rate-limit counters live here when set (redis://…), shared by every process and
    # instance; in each process's memory otherwise. The prefix keeps deployments apart.
    BOOKING_REDIS_URL: str | None = None
    BOOKING_RATE_LIMIT_KEY_PREFIX = "booking"
    # Reverse proxies in front of the service that set X-Forwarded-For/-Proto (0: trust none,
    # so a client cannot pick its own address for the rate limits).
    BOOKING_TRUSTED_PROXIES = 0
    # SMS pumping: at most this many SMS to one applicant number in 24 hours.
    BOOKING_SMS_DAILY_CAP = 10
    # Origins that may frame the public booking pages (space-separated); unset: none may.
    BOOKING_FRAME_ANCESTORS: str | None = None
    # Origins whose browser scripts may call /api/v1 (space-separated); unset: CORS is off.
    BOOKING_CORS_ORIGINS: str | None = None
    # Half days that close early: keys understood by booking.core.calendar_days.
    BOOKING_EARLY_CLOSING_TIME = "14:00"
    BOOKING_EARLY_CLOSING_DAYS = "trettondagsafton,skartorsdagen,valborgsmassoafton,allhelgonaafton"
    # SQLite waits this long for the write lock before the request answers 503.
    BOOKING_SQLITE_BUSY_TIMEOUT_MS = 10_000
    BOOKING_MAX_SLOT_DAYS = 62
    # PostgreSQL: how long a statement waits for a row lock before the request answers 503.
    BOOKING_LOCK_TIMEOUT_MS = 10_000

    # Reminders when a meeting type sets none: "channel:minutes_before,…" (e-mail a day before,
    # SMS two hours before).
    BOOKING_REMINDERS = "email:1440,sms:120"
    # The outbox dispatcher: attempts before a message is `dead`, the first retry delay (doubling,
    # with jitter, up to the cap), how long a claim stays with one worker, and how often and how
    # many it claims at a time.
    BOOKING_NOTIFY_MAX_ATTEMPTS = 8
    BOOKING_NOTIFY_RETRY_SECONDS = 30
    BOOKING_NOTIFY_RETRY_CAP_SECONDS = 3600
    BOOKING_NOTIFY_LEASE_SECONDS = 120
    BOOKING_DISPATCH_INTERVAL_SECONDS = 2
    BOOKING_DISPATCH_BATCH = 100
    BOOKING_DISPATCH_THREADS = 4
    # Officers' own calendars: how often they are imported, how long a calendar server may
    # take to answer, how many are fetched at once, and the key that encrypts their passwords
    # (derived with HKDF; unset: derived from SECRET_KEY, see booking/calendar/credentials.py).
    BOOKING_CALENDAR_IMPORT_SECONDS = 300
    BOOKING_CALENDAR_TIMEOUT_SECONDS = 20
    BOOKING_CALENDAR_IMPORT_THREADS = 4
    BOOKING_CALENDAR_KEY: str | None = None
    # Encrypts sole traders' personal identity numbers (HKDF; unset: derived from SECRET_KEY,
    # see booking/privacy/identity_numbers.py).
    BOOKING_IDENTITY_KEY: str | None = None
    # Key rotation (booking/crypto.py, `flask keys rotate`): earlier values of those keys (or of
    # SECRET_KEY, when it was the one in use), comma-separated; they decrypt, never encrypt.
    BOOKING_CALENDAR_KEY_PREVIOUS = ""
    BOOKING_IDENTITY_KEY_PREVIOUS = ""
    # Call-backs: the promise when staff give no window ("within N working hours", counted in
    # the team's opening hours), and the unanswered calls after which one is closed unreachable.
    BOOKING_CALLBACK_HOURS = 8
    BOOKING_CALLBACK_MAX_ATTEMPTS = 3
    # How often the escalation job looks for call-back windows starting, 80 % used or ended.
    BOOKING_CALLBACK_ESCALATION_SECONDS = 60
    # NKI resting on fewer survey answers than this is still shown, but flagged as uncertain.
    BOOKING_STATS_MIN_ANSWERS = 5
    # An applicant's manage link stops working this many days after the meeting's end (or the
    # cancellation): it grants access to personal data, so it must not live for ever.
    BOOKING_MANAGE_TOKEN_DAYS = 14
    # Retention (GDPR art. 5(1)(e)): days after which the `apply-retention` job anonymises
    # applicants' contact data (after the meeting's end or its cancellation), call-backs' (after
    # closing) and outbox copies (after sending or final failure); how often it runs and how many
    # rows one of its UPDATEs touches.
    BOOKING_RETENTION_CONTACT_DAYS = 90
    BOOKING_RETENTION_CALLBACK_DAYS = 30
    BOOKING_RETENTION_MESSAGE_DAYS = 30
    # Client addresses in the audit log: kept this long for security reviews, then cleared.
    BOOKING_RETENTION_AUDIT_ADDRESS_DAYS = 180
    BOOKING_RETENTION_INTERVAL_SECONDS = 86_400
    BOOKING_RETENTION_BATCH = 1000
    # The NKI survey (booking/surveys/): sent this many hours after a meeting ended when no
    # outcome was recorded (at once on "completed"); nobody is asked again within the quiet days;
    # the link works for the link days; the `send-surveys` job runs this often.
    BOOKING_SURVEY_DELAY_HOURS = 3
    BOOKING_SURVEY_QUIET_DAYS = 90
    BOOKING_SURVEY_LINK_DAYS = 14
    BOOKING_SURVEY_INTERVAL_SECONDS = 600
    # How often the `measure-first-free` job records, for new bookings, the team's first free
    # start when each was made (the "request to first free slot" figure, booking/stats/).
    BOOKING_FIRST_FREE_INTERVAL_SECONDS = 60
    # Run the periodic jobs inside the web process (`make serve`); production runs `flask worker`.
    BOOKING_IN_PROCESS_JOBS = False
    # Level of the service's own log messages (no message bodies, tokens or identity numbers).
    BOOKING_LOG_LEVEL = "INFO"
    # "text" (readable, `make serve`) or "json" (one object per line; the Docker image's choice).
    BOOKING_LOG_FORMAT = "text"
    # Set (to an empty directory per gunicorn instance) when gunicorn runs several workers:
    # /metrics then sums every worker's counters (prometheus_client's multiprocess mode).
    PROMETHEUS_MULTIPROC_DIR: str | None = None
    # When set, GET /metrics answers only `Authorization: Bearer <this>` (Prometheus'
    # `authorization` scrape setting); unset, /metrics is open and the proxy must block it.
    BOOKING_METRICS_TOKEN: str | None = None

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
        "BOOKING_SMS_FROM": "BOOKING_SMS_FROM",
        "BOOKING_PUBLIC_URL": "BOOKING_PUBLIC_URL",
        "BOOKING_RATE_LIMIT": "BOOKING_RATE_LIMIT",
        "BOOKING_SEARCH_RATE_LIMIT": "BOOKING_SEARCH_RATE_LIMIT",
        "BOOKING_REDIS_URL": "BOOKING_REDIS_URL",
        "BOOKING_RATE_LIMIT_KEY_PREFIX": "BOOKING_RATE_LIMIT_KEY_PREFIX",
        "BOOKING_FRAME_ANCESTORS": "BOOKING_FRAME_ANCESTORS",
        "BOOKING_CORS_ORIGINS": "BOOKING_CORS_ORIGINS",
        "BOOKING_EARLY_CLOSING_TIME": "BOOKING_EARLY_CLOSING_TIME",
        "BOOKING_EARLY_CLOSING_DAYS": "BOOKING_EARLY_CLOSING_DAYS",
        "BOOKING_REMINDERS": "BOOKING_REMINDERS",
        "BOOKING_LOG_LEVEL": "BOOKING_LOG_LEVEL",
        "BOOKING_LOG_FORMAT": "BOOKING_LOG_FORMAT",
        "PROMETHEUS_MULTIPROC_DIR": "PROMETHEUS_MULTIPROC_DIR",
        "BOOKING_METRICS_TOKEN": "BOOKING_METRICS_TOKEN",
        "BOOKING_CALENDAR_KEY": "BOOKING_CALENDAR_KEY",
        "BOOKING_IDENTITY_KEY": "BOOKING_IDENTITY_KEY",
        "BOOKING_CALENDAR_KEY_PREVIOUS": "BOOKING_CALENDAR_KEY_PREVIOUS",
        "BOOKING_IDENTITY_KEY_PREVIOUS": "BOOKING_IDENTITY_KEY_PREVIOUS",
    }
    for env_name, key in names.items():
        value = _env(env, env_name)
        if value is not None:
            settings[key] = value
    numbers = (
        "BOOKING_NOTIFY_MAX_ATTEMPTS",
        "BOOKING_NOTIFY_RETRY_SECONDS",
        "BOOKING_NOTIFY_RETRY_CAP_SECONDS",
        "BOOKING_NOTIFY_LEASE_SECONDS",
        "BOOKING_DISPATCH_INTERVAL_SECONDS",
        "BOOKING_DISPATCH_BATCH",
        "BOOKING_DISPATCH_THREADS",
        "BOOKING_CALENDAR_IMPORT_SECONDS",
        "BOOKING_CALENDAR_TIMEOUT_SECONDS",
        "BOOKING_CALENDAR_IMPORT_THREADS",
        "BOOKING_CALLBACK_HOURS",
        "BOOKING_CALLBACK_MAX_ATTEMPTS",
        "BOOKING_CALLBACK_ESCALATION_SECONDS",
        "BOOKING_MANAGE_TOKEN_DAYS",
        "BOOKING_TRUSTED_PROXIES",
        "BOOKING_SMS_DAILY_CAP",
        "BOOKING_RETENTION_CONTACT_DAYS",
        "BOOKING_RETENTION_CALLBACK_DAYS",
        "BOOKING_RETENTION_MESSAGE_DAYS",
        "BOOKING_RETENTION_AUDIT_ADDRESS_DAYS",
        "BOOKING_RETENTION_INTERVAL_SECONDS",
        "BOOKING_RETENTION_BATCH",
        "BOOKING_SURVEY_DELAY_HOURS",
        "BOOKING_SURVEY_QUIET_DAYS",
        "BOOKING_SURVEY_LINK_DAYS",
        "BOOKING_SURVEY_INTERVAL_SECONDS",
        "BOOKING_FIRST_FREE_INTERVAL_SECONDS",
        "BOOKING_STATS_MIN_ANSWERS",
    )
    for name in numbers:
        value = _env(env, name)
        if value is not None:
            try:
                settings[name] = int(value)
            except ValueError:
                raise RuntimeError(f"{name} must be a whole number, not {value!r}") from None
    for name in (
        "BOOKING_CALLBACK_HOURS",
        "BOOKING_CALLBACK_MAX_ATTEMPTS",
        # Zero days would anonymise a booking the moment its meeting ends: refused as a typo.
        "BOOKING_RETENTION_CONTACT_DAYS",
        "BOOKING_RETENTION_CALLBACK_DAYS",
        "BOOKING_RETENTION_MESSAGE_DAYS",
        "BOOKING_RETENTION_AUDIT_ADDRESS_DAYS",
        "BOOKING_RETENTION_INTERVAL_SECONDS",
        "BOOKING_RETENTION_BATCH",
        "BOOKING_SURVEY_LINK_DAYS",
        "BOOKING_SURVEY_INTERVAL_SECONDS",
        "BOOKING_FIRST_FREE_INTERVAL_SECONDS",
    ):
        if settings.get(name, 1) < 1:
            raise RuntimeError(f"{name} must be at least 1, not {settings[name]}")
    flag = _env(env, "BOOKING_IN_PROCESS_JOBS")
    if flag is not None:
        settings["BOOKING_IN_PROCESS_JOBS"] = flag.lower() in ("1", "true", "yes", "on")
    return settings


def development_secret_key() -> str:
    """Return a throw-away signing key for development; production must set BOOKING_SECRET_KEY."""
    return secrets.token_urlsafe(32)
