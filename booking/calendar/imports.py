"""The busy-time import: fetch each officer's calendar source, store what keeps them busy.

One source at a time per thread, each in three steps so that no database transaction stays
open while a calendar server is slow: read the source's settings (and end that transaction),
fetch and compute without a transaction, then store in one short transaction that first checks
the source was not changed or removed meanwhile (`version`).

- ICS: a conditional GET with the stored ETag / Last-Modified; 304 means nothing to do.
- CalDAV: a calendar-query REPORT with a time range (the `caldav` client), every run.

The window is [local midnight yesterday, local midnight 401 days on): it covers every
bookable day (a meeting type's horizon is at most 366 days), and it moves once a day, so an
unchanged calendar gives the same intervals (and digest) all day and no rows are rewritten.

A source that fails (network, HTTP status, unreadable data) keeps its last good busy time,
records the error and the attempt, and is tried again at the next run. Errors say what went
wrong without the URL or anything the server sent: URLs can hold secrets, answers personal
data. One failing source never stops the others.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from caldav import DAVClient
from caldav.lib import error as caldav_error
from flask import current_app
from icalendar import Calendar, Component
from sqlalchemy import delete, insert, select, text, update

from booking.calendar.busy import BusyTime, CalendarUnreadable, busy_time, parse_calendars
from booking.calendar.caldav_sync import OWN_EVENT_PROPERTY
from booking.calendar.credentials import CredentialError, decrypt_password
from booking.calendar.models import CalendarSource, ImportedBusy
from booking.core.slots import local_instant
from booking.db import write_intent
from booking.extensions import db
from booking.fields import office_zone

log = logging.getLogger(__name__)

PAST_DAYS = 1
AHEAD_DAYS = 400
# Far above any officer's calendar (2,000 events make about 400 kB), far below the memory
# that parsing a hostile answer could take.
MAX_BYTES = 20 * 1024 * 1024
USER_AGENT = "Radgivningsbokning calendar import"
OUTCOMES = ("imported", "unchanged", "not_modified", "failed", "skipped")


class ImportFailure(Exception):
    """Why a source could not be imported now; the message is stored, so it has no secrets."""


@dataclass
class ImportReport:
    """What one run did, by outcome."""

    imported: int = 0
    unchanged: int = 0
    not_modified: int = 0
    failed: int = 0
    skipped: int = 0
    errors: dict[int, str] = field(default_factory=dict)

    def summary(self) -> str:
        """A one-line summary for the job log."""
        counts = [f"{name.replace('_', ' ')} {getattr(self, name)}" for name in OUTCOMES]
        shown = [text for text in counts if not text.endswith(" 0")]
        if self.errors:
            # Ids only: the errors are on each source (GET …/calendar-source).
            shown.append("failing sources: " + " ".join(str(i) for i in sorted(self.errors)))
        return ", ".join(shown) or "no calendar sources"


@dataclass(frozen=True, slots=True)
class _Plan:
    """A source's settings as plain values, read before any network traffic."""

    id: int
    officer_id: int
    version: int
    kind: str
    url: str
    username: str | None
    password: str | None
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class _Fetched:
    """The parsed calendars of one fetch, and (ICS) the validators of the answer."""

    calendars: list[Calendar]
    etag: str | None = None
    last_modified: str | None = None


def import_calendars(*, now_fn: Callable[[], datetime], threads: int | None = None) -> ImportReport:
    """Import every calendar source once; return what happened to each."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ids = list(db.session.scalars(select(CalendarSource.id).order_by(CalendarSource.id)))
    db.session.rollback()
    workers = threads or max(1, int(app.config["BOOKING_CALENDAR_IMPORT_THREADS"]))

    def one(source_id: int) -> tuple[int, str, str | None]:
        with app.app_context():  # a session of its own per source
            try:
                outcome, error = import_source(source_id=source_id, now=now_fn())
            except Exception as exc:
                # A bug must not stop the other sources; only the type is logged, since a
                # message could quote the calendar's content.
                log.error(
                    "calendar source %s: unexpected %s",
                    source_id,
                    type(exc).__name__,
                    exc_info=app.debug,
                )
                db.session.rollback()
                outcome, error = "failed", f"unexpected error ({type(exc).__name__})"
                _record_failure_safely(source_id, now_fn(), error)
            finally:
                db.session.remove()
            return source_id, outcome, error

    report = ImportReport()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="calendar-import") as pool:
        for source_id, outcome, error in pool.map(one, ids):
            setattr(report, outcome, getattr(report, outcome) + 1)
            if error is not None:
                report.errors[source_id] = error
    return report


def import_source(*, source_id: int, now: datetime) -> tuple[str, str | None]:
    """Import one source now: (outcome, error); commits its own transactions."""
    config = current_app.config
    try:
        plan = _read_plan(source_id, config)
    except ImportFailure as exc:
        _record_failure(source_id, None, now, str(exc))
        return "failed", str(exc)
    if plan is None:
        return "skipped", None
    zone = office_zone()
    today = now.astimezone(zone).date()
    start = datetime.fromtimestamp(local_instant(today - timedelta(days=PAST_DAYS), 0, zone), UTC)
    end = datetime.fromtimestamp(
        local_instant(today + timedelta(days=AHEAD_DAYS + 1), 0, zone), UTC
    )
    timeout = float(config["BOOKING_CALENDAR_TIMEOUT_SECONDS"])
    try:
        if plan.kind == "ics":
            fetched = _fetch_ics(plan, timeout=timeout)
        else:
            fetched = _fetch_caldav(plan, start=start, end=end, timeout=timeout)
        if fetched is None:
            stored = _record_success(plan, now, busy=None, fetched=None)
            return ("not_modified" if stored else "skipped"), None
        busy = busy_time(
            calendars=fetched.calendars,
            start=start,
            end=end,
            zone=zone,
            is_own=own_event_test(config["BOOKING_PUBLIC_URL"]),
        )
    except (ImportFailure, CalendarUnreadable) as exc:
        error = str(exc)
        return (
            "failed" if _record_failure(plan.id, plan.version, now, error) else "skipped"
        ), error
    return _record_success(plan, now, busy=busy, fetched=fetched) or "skipped", None


def own_event_test(public_url: str) -> Callable[[Component], bool]:
    """Whether a VEVENT is one of this service's bookings: our X- property, or our UID.

    Our UIDs are a booking reference at the service's host (booking.bookings.invites). The
    whole shape must match, not just the host: the host may also be the municipality's mail
    domain, and the officer's other meetings must never be taken for bookings.
    """
    host = urlsplit(public_url).hostname or "booking"
    uid = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}@" + re.escape(host))

    def is_own(component: Component) -> bool:
        return OWN_EVENT_PROPERTY in component or bool(uid.fullmatch(str(component.get("UID", ""))))

    return is_own


# --- reading and recording ----------------------------------------------------------------------


def _read_plan(source_id: int, config: Mapping[str, Any]) -> _Plan | None:
    try:
        source = db.session.get(CalendarSource, source_id)
        if source is None:
            return None
        password = None
        if source.password_ciphertext is not None:
            try:
                password = decrypt_password(source.password_ciphertext, config=config)
            except CredentialError as exc:
                raise ImportFailure(str(exc)) from None
        return _Plan(
            id=source.id,
            officer_id=source.officer_id,
            version=source.version,
            kind=source.kind,
            url=source.url,
            username=source.username,
            password=password,
            etag=source.etag,
            last_modified=source.last_modified,
        )
    finally:
        # No transaction stays open while the calendar server is asked.
        db.session.rollback()


def _lock_current(source_id: int, version: int | None) -> bool:
    """Lock the source's row; False when it is gone or (given a version) was changed."""
    current = db.session.execute(
        select(CalendarSource.version).where(CalendarSource.id == source_id).with_for_update()
    ).scalar_one_or_none()
    return current is not None and (version is None or current == version)


def _record_success(
    plan: _Plan, now: datetime, *, busy: BusyTime | None, fetched: _Fetched | None
) -> str | None:
    """Store a successful import (busy None: not modified); the outcome, or None if skipped."""
    with write_intent():
        if not _lock_current(plan.id, plan.version):
            db.session.rollback()
            return None
        values: dict[str, Any] = {
            "last_attempt_at": now,
            "last_success_at": now,
            "last_error": None,
        }
        outcome = "not_modified"
        if busy is not None and fetched is not None:
            values.update(
                events_imported=busy.events,
                busy_digest=busy.digest,
                etag=_header(fetched.etag),
                last_modified=_header(fetched.last_modified, 100),
            )
            previous = db.session.execute(
                select(CalendarSource.busy_digest).where(CalendarSource.id == plan.id)
            ).scalar_one()
            outcome = "unchanged" if previous == busy.digest else "imported"
            if outcome == "imported":
                _replace_busy(plan, busy)
        db.session.execute(
            update(CalendarSource)
            .where(CalendarSource.id == plan.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return outcome


# PostgreSQL: one statement for any number of intervals, converted by the server. Row by row
# (psycopg's pipelined executemany), 60,000 intervals took 0.9 s of Python.
_INSERT_UNNESTED = text(
    "INSERT INTO calendar_busy (source_id, officer_id, start_at, end_at) "
    "SELECT :source_id, :officer_id, to_timestamp(s), to_timestamp(e) "
    "FROM unnest(CAST(:starts AS bigint[]), CAST(:ends AS bigint[])) AS t(s, e)"
)


def _replace_busy(plan: _Plan, busy: BusyTime) -> None:
    db.session.execute(delete(ImportedBusy).where(ImportedBusy.source_id == plan.id))
    if not busy.intervals:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            _INSERT_UNNESTED,
            {
                "source_id": plan.id,
                "officer_id": plan.officer_id,
                "starts": [start for start, _ in busy.intervals],
                "ends": [end for _, end in busy.intervals],
            },
        )
        return
    # SQLite: Core executemany (sqlite3 runs it in C); the ORM's unit of work cost more.
    db.session.execute(
        insert(ImportedBusy.__table__),
        [
            {
                "source_id": plan.id,
                "officer_id": plan.officer_id,
                "start_at": datetime.fromtimestamp(start, UTC),
                "end_at": datetime.fromtimestamp(end, UTC),
            }
            for start, end in busy.intervals
        ],
    )


def _record_failure(source_id: int, version: int | None, now: datetime, error: str) -> bool:
    """Record a failed attempt; the busy time of the last success stays. False if skipped."""
    with write_intent():
        if not _lock_current(source_id, version):
            db.session.rollback()
            return False
        db.session.execute(
            update(CalendarSource)
            .where(CalendarSource.id == source_id)
            .values(last_attempt_at=now, last_error=error[:500])
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return True


def _record_failure_safely(source_id: int, now: datetime, error: str) -> None:
    try:
        _record_failure(source_id, None, now, error)
    except Exception as exc:  # the database itself may be what failed: the next run retries
        db.session.rollback()
        log.warning(
            "calendar source %s: recording the failure failed (%s)", source_id, type(exc).__name__
        )


def _header(value: str | None, limit: int = 500) -> str | None:
    # A validator longer than the column cannot be sent back faithfully: not kept.
    return value if value is not None and len(value) <= limit else None


# --- fetching -----------------------------------------------------------------------------------


def _fetch_ics(plan: _Plan, *, timeout: float) -> _Fetched | None:
    """GET the ICS address, conditionally; None when the server says it is unchanged (304)."""
    headers = {"Accept": "text/calendar, */*;q=0.5", "User-Agent": USER_AGENT}
    if plan.etag:
        headers["If-None-Match"] = plan.etag
    if plan.last_modified:
        headers["If-Modified-Since"] = plan.last_modified
    auth = (plan.username, plan.password or "") if plan.username is not None else None
    with requests.Session() as session:
        session.max_redirects = 5
        try:
            with session.get(
                plan.url, headers=headers, auth=auth, timeout=timeout, stream=True
            ) as response:
                if response.status_code == 304:
                    return None
                if response.status_code != 200:
                    raise ImportFailure(f"the calendar server answered HTTP {response.status_code}")
                body = _read_limited(response)
                etag, last_modified = (
                    response.headers.get("ETag"),
                    response.headers.get("Last-Modified"),
                )
        except requests.Timeout:
            raise ImportFailure("the calendar server did not answer in time") from None
        except requests.TooManyRedirects:
            raise ImportFailure("the calendar address redirects too often") from None
        except requests.RequestException as exc:
            raise ImportFailure(
                f"the calendar server is unreachable ({type(exc).__name__})"
            ) from None
    return _Fetched(parse_calendars(body), etag, last_modified)


def _read_limited(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > MAX_BYTES:
            raise ImportFailure(f"the calendar is larger than {MAX_BYTES // (1024 * 1024)} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


def _fetch_caldav(plan: _Plan, *, start: datetime, end: datetime, timeout: float) -> _Fetched:
    """The events of the CalDAV calendar overlapping [start, end), by a time-range REPORT."""
    client: DAVClient | None = None
    try:
        client = DAVClient(
            url=plan.url,
            username=plan.username,
            password=plan.password,
            timeout=timeout,
            enable_rfc6764=False,
        )
        calendar = client.calendar(url=plan.url)
        found = calendar.search(start=start, end=end, event=True, expand=False)
        data = [item.data for item in found]
    except caldav_error.AuthorizationError:
        raise ImportFailure("the CalDAV server refused the user or password") from None
    except caldav_error.NotFoundError:
        raise ImportFailure("the CalDAV calendar was not found") from None
    except caldav_error.RateLimitError:
        raise ImportFailure("the CalDAV server asks to wait (HTTP 429/503)") from None
    except Exception as exc:  # DAVError, OSError, and what a malformed answer makes lxml raise
        # Only the type: the library's messages quote the URL.
        raise ImportFailure(
            f"the CalDAV calendar cannot be searched ({type(exc).__name__})"
        ) from None
    finally:
        if client is not None:
            client.close()
    calendars: list[Calendar] = []
    for payload in data:
        if payload:
            calendars.extend(
                parse_calendars(payload.encode("utf-8") if isinstance(payload, str) else payload)
            )
    return _Fetched(calendars)
