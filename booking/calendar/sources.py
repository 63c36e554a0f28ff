"""Officers' own calendars: setting, reading and removing an officer's calendar source."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from sqlalchemy import delete, select

from booking.audit.service import record
from booking.auth.models import StaffToken
from booking.calendar.credentials import CredentialError, decrypt_password, encrypt_password
from booking.calendar.models import CalendarSource, ImportedBusy
from booking.errors import Forbidden, NotFound
from booking.extensions import db
from booking.fields import MAX_ID
from booking.notifications.enqueue import notify_calendar_connected
from booking.officers.models import Officer

# Subscription links often say webcal://; the calendar behind them is served over HTTPS.
_WEBCAL = {"webcal": "https", "webcals": "https"}


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """Return the URL without user info, and the (percent-decoded) user and password in it."""
    parts = urlsplit(url)
    scheme = _WEBCAL.get(parts.scheme.lower(), parts.scheme.lower())
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, "")), username, password


def set_calendar_source(
    *, officer_id: int, data: Mapping[str, Any], config: Mapping[str, Any], now: datetime
) -> CalendarSource:
    """Create or replace the officer's calendar source (admin); a change drops the old busy time.

    A CalDAV source also gets every upcoming booking of the officer written into it.
    """
    _officer(officer_id)
    url, url_username, url_password = split_credentials(data["url"])
    username = data.get("username") or url_username
    password = data.get("password") or url_password
    source = db.session.scalars(
        select(CalendarSource).where(CalendarSource.officer_id == officer_id).with_for_update()
    ).one_or_none()
    if source is None:
        source = CalendarSource(officer_id=officer_id, version=1, events_imported=0, created_at=now)
        db.session.add(source)
    elif _same_settings(source, data["kind"], url, username, password, config):
        source.updated_at = now
        db.session.flush()
        _record_set(officer_id, source, changed=False)
        return source
    else:
        # Another calendar: what was imported from the old one no longer says anything.
        db.session.execute(delete(ImportedBusy).where(ImportedBusy.source_id == source.id))
        source.version += 1
    source.kind = data["kind"]
    source.url = url
    source.username = username
    source.password_ciphertext = (
        encrypt_password(password, config=config) if password is not None else None
    )
    source.etag = source.last_modified = source.busy_digest = None
    source.events_imported = 0
    source.last_attempt_at = source.last_success_at = source.last_error = None
    source.updated_at = now
    # Two first sources for one officer at once: the unique constraint makes the later one 409.
    db.session.flush()
    if source.kind == "caldav":
        notify_calendar_connected(officer_id=officer_id, source=source, now=now)
    _record_set(officer_id, source, changed=True)
    return source


def _record_set(officer_id: int, source: CalendarSource, *, changed: bool) -> None:
    # The kind only: the address and the credentials stay out of the log.
    record(
        action="calendar_source.set",
        object_type="officer",
        object_id=officer_id,
        details={"kind": source.kind, "changed": changed},
    )


def get_calendar_source(*, officer_id: int, staff: StaffToken) -> CalendarSource:
    """The officer's calendar source (admin, or the officer themself); 404 when none is set."""
    if staff.role != "admin" and not (staff.role == "officer" and staff.officer_id == officer_id):
        raise Forbidden("An officer may see their own calendar source only.")
    _officer(officer_id)
    source = db.session.scalars(
        select(CalendarSource).where(CalendarSource.officer_id == officer_id)
    ).one_or_none()
    if source is None:
        raise NotFound(f"Officer {officer_id} has no calendar source.")
    return source


def remove_calendar_source(*, officer_id: int) -> None:
    """Remove the officer's calendar source and its busy time (admin).

    Bookings already written into a CalDAV calendar stay there: without the source there is no
    way to reach it. Writes still queued are dropped by the dispatcher.
    """
    _officer(officer_id)
    source = db.session.scalars(
        select(CalendarSource).where(CalendarSource.officer_id == officer_id)
    ).one_or_none()
    if source is None:
        raise NotFound(f"Officer {officer_id} has no calendar source.")
    db.session.execute(delete(ImportedBusy).where(ImportedBusy.source_id == source.id))
    db.session.delete(source)
    db.session.flush()
    record(action="calendar_source.delete", object_type="officer", object_id=officer_id)


def _officer(officer_id: int) -> Officer:
    officer = db.session.get(Officer, officer_id) if 1 <= officer_id <= MAX_ID else None
    if officer is None:
        raise NotFound(f"No officer {officer_id}.")
    return officer


def _same_settings(
    source: CalendarSource,
    kind: str,
    url: str,
    username: str | None,
    password: str | None,
    config: Mapping[str, Any],
) -> bool:
    if (source.kind, source.url, source.username) != (kind, url, username):
        return False
    if source.password_ciphertext is None or password is None:
        return source.password_ciphertext is None and password is None
    try:
        return decrypt_password(source.password_ciphertext, config=config) == password
    except CredentialError:
        return False
