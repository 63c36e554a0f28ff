"""Calendar feeds: an officer's or a team's bookings as an iCalendar PUBLISH feed behind a token.

What a feed holds: the bookings that start from local midnight 30 days ago (PAST_DAYS) up to
local midnight 400 days ahead (AHEAD_DAYS; a meeting type's horizon is at most 366 days, so
this covers everything bookable), in start order. A cancelled booking stays in it, as
STATUS:CANCELLED, while it was cancelled on or after the window's first day (CANCELLED_KEPT_DAYS),
so a subscribed calendar drops it before it disappears. Both bounds move at local midnight only:
in between, an unchanged feed is byte-identical. Call-backs whose window starts within the same
bounds are in it too, as short events at the window's start (see _callback_event).

Validators: the strong ETag is a hash of everything the bytes are made of (the format and the
settings that reach the bytes, the feed and its token version, the window, and per meeting type
and officer, with their names, the bookings' count, id sum, SEQUENCE sum and newest updated_at;
per officer the same of the call-backs, whose every change bumps their updated_at).
A conditional request is answered from one aggregate query before anything is loaded; a full
answer computes the same values from the rows it loaded, so its ETag always fits its bytes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import metadata
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Row,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
    type_coerce,
)
from werkzeug.datastructures import ETags

from booking.audit.service import record
from booking.auth.models import StaffToken
from booking.auth.service import hash_secret, secrets_match
from booking.bookings.invites import booking_uid
from booking.bookings.links import staff_booking_url
from booking.bookings.models import Booking
from booking.calendar.ics import InviteEvent, Person, build_calendar, vtimezone_ical
from booking.calendar.models import CalendarFeedToken
from booking.callbacks.models import Callback
from booking.core.identity import is_personal_identity_number
from booking.core.slots import local_instant
from booking.db import UTCDateTime
from booking.errors import Forbidden, NotFound
from booking.extensions import db
from booking.fields import MAX_ID, SLUG_RE, office_zone
from booking.officers.models import Officer
from booking.teams.models import MeetingType, Team

# Bump whenever the same rows would give other bytes (labels, layout, properties): the ETag
# must change with the bytes.
FEED_FORMAT = 1
PAST_DAYS = 30
AHEAD_DAYS = 400
CANCELLED_KEPT_DAYS = 30
REFRESH_INTERVAL = timedelta(minutes=15)
TOKEN_PREFIX = "cal_"  # noqa: S105 - a recognisable prefix, not a secret
MAX_TOKEN_LENGTH = 200
ORGANIZER_NAME = "Bygglovsavdelningen"

# Staff read the feed: its labels are Swedish whatever language the applicant booked in.
MODE_LABEL = {"phone": "Telefon", "video": "Video", "in_person": "Besök"}
APPLICANT_KIND_LABEL = {"private": "privatperson", "company": "företag"}
CALLBACK_STATUS_LABEL = {
    "open": "Ring upp",
    "overdue": "Försenad, ring upp",
    "completed": "Uppringd",
    "unreachable": "Ej nådd",
}
# A call-back's event: long enough to be seen and clicked in a day view, short enough not to
# block the officer's afternoon (the window itself is in the description).
CALLBACK_EVENT_LENGTH = timedelta(minutes=15)
# Ten or twelve digits with an optional separator, not inside a longer number: a candidate
# personal identity number in free text, replaced when it is a valid one.
_IDENTITY_CANDIDATE = re.compile(r"(?<![0-9])(?:[0-9]{2})?[0-9]{6}[-+ ]?[0-9]{4}(?![0-9])")
_IDENTITY_REMOVED = "[personnummer borttaget]"
_SIX_DIGITS = re.compile(r"[0-9]{6}")
# No token hashes to this: comparing with it costs what comparing with a real hash costs.
_NO_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class IssuedFeedToken:
    """A feed token just created (shown once) and the feed URL that carries it."""

    token: str
    url: str


@dataclass(frozen=True, slots=True)
class FeedAnswer:
    """The validators of a feed, and its bytes unless the client's copy is current."""

    etag: str
    last_modified: datetime
    body: bytes | None

    @property
    def is_not_modified(self) -> bool:
        """Whether the client's copy is current (answer 304)."""
        return self.body is None


@dataclass(frozen=True, slots=True)
class _Subject:
    """Whose feed: an officer's or a team's, with its name and token version."""

    kind: str
    id: int
    name: str
    token_version: int


@dataclass(frozen=True, slots=True)
class _Window:
    """The bookings a feed holds on one local day; it moves at local midnight only."""

    day_start: datetime
    lower: datetime
    upper: datetime
    cancelled_since: datetime


# --- tokens -----------------------------------------------------------------------------------


def issue_officer_feed_token(
    *, officer_id: int, staff: StaffToken, public_url: str, now: datetime
) -> IssuedFeedToken:
    """Create or rotate an officer's feed token (admin, or the officer themself)."""
    if staff.role != "admin" and not (staff.role == "officer" and staff.officer_id == officer_id):
        raise Forbidden("An officer may create a feed token for their own calendar only.")
    if not 1 <= officer_id <= MAX_ID or db.session.get(Officer, officer_id) is None:
        raise NotFound(f"No officer {officer_id}.")
    token = _store_token(officer_id=officer_id, team_id=None, staff=staff, now=now)
    return IssuedFeedToken(token, _feed_url(public_url, f"officers/{officer_id}", token))


def issue_team_feed_token(
    *, slug: str, staff: StaffToken, public_url: str, now: datetime
) -> IssuedFeedToken:
    """Create or rotate a team's feed token, for its team lead (admin)."""
    if staff.role != "admin":
        raise Forbidden("Only an administrator may create a team's feed token.")
    team = _team_by_slug(slug)
    if team is None:
        raise NotFound(f"No team '{slug}'.")
    token = _store_token(officer_id=None, team_id=team.id, staff=staff, now=now)
    return IssuedFeedToken(token, _feed_url(public_url, f"teams/{team.slug}", token))


def _store_token(
    *, officer_id: int | None, team_id: int | None, staff: StaffToken, now: datetime
) -> str:
    """Replace the feed's token hash (or make its row); return the plaintext, shown once."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    if officer_id is not None:
        whose = CalendarFeedToken.officer_id == officer_id
    else:
        whose = CalendarFeedToken.team_id == team_id
    row = db.session.scalars(select(CalendarFeedToken).where(whose).with_for_update()).one_or_none()
    if row is None:
        row = CalendarFeedToken(officer_id=officer_id, team_id=team_id, version=1, created_at=now)
        db.session.add(row)
    else:
        row.version += 1
    row.token_hash = hash_secret(plaintext)
    row.created_by_token_id = staff.id
    row.rotated_at = now
    # Two first tokens for one subject at once: the unique constraint makes the later one 409.
    db.session.flush()
    if officer_id is not None:
        subject: tuple[str, object] = ("officer", officer_id)
    else:
        # Teams are named by slug everywhere else in the API (and the log).
        team = db.session.get(Team, team_id)
        subject = ("team", team.slug if team is not None else team_id)
    record(
        action="feed_token.rotate",
        object_type=subject[0],
        object_id=subject[1],
        details={"version": row.version},
    )
    return plaintext


def _feed_url(public_url: str, path: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/api/v1/{path}/calendar.ics?token={token}"


def _team_by_slug(slug: str) -> Team | None:
    if not SLUG_RE.match(slug):
        return None
    return db.session.scalars(select(Team).where(Team.slug == slug)).one_or_none()


# --- feeds ------------------------------------------------------------------------------------


def read_officer_feed(
    *,
    officer_id: int,
    token: str | None,
    if_none_match: ETags,
    if_modified_since: datetime | None,
    now: datetime,
) -> FeedAnswer:
    """The officer's feed, or "not modified" when a validator matches; 404 without the token."""
    if not 1 <= officer_id <= MAX_ID:
        raise _no_feed()
    row = _token_row("officer", token, {"subject": officer_id})
    return _answer(row, "officer", if_none_match, if_modified_since, now)


def read_team_feed(
    *,
    slug: str,
    token: str | None,
    if_none_match: ETags,
    if_modified_since: datetime | None,
    now: datetime,
) -> FeedAnswer:
    """The team's feed (all its bookings), or "not modified"; 404 without the token."""
    if not SLUG_RE.match(slug):
        raise _no_feed()
    row = _token_row("team", token, {"subject": slug})
    return _answer(row, "team", if_none_match, if_modified_since, now)


def is_not_modified(
    *,
    etag: str,
    last_modified: datetime,
    if_none_match: ETags,
    if_modified_since: datetime | None,
    now: datetime,
) -> bool:
    """RFC 9110 §13.2.2 for GET: If-None-Match decides when given, else If-Modified-Since."""
    if if_none_match:
        return bool(if_none_match.contains_weak(etag))
    # A date ahead of our clock did not come from us (a client's own clock): ignored.
    if if_modified_since is None or if_modified_since > now:
        return False
    return last_modified.replace(microsecond=0) <= if_modified_since


def _no_feed() -> NotFound:
    # One answer for an unknown officer or team, a missing token and a wrong one.
    return NotFound("No such calendar feed, or the token does not match.")


def _token_row(kind: str, token: str | None, parameters: dict[str, Any]) -> Row[Any]:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise _no_feed()
    row = db.session.execute(_statements(kind).token, parameters).one_or_none()
    # Hashed and compared even without a row, so an unknown feed answers in the same time.
    if not secrets_match(token, row.token_hash if row is not None else _NO_HASH) or row is None:
        raise _no_feed()
    return row


def _answer(
    token_row: Row[Any],
    kind: str,
    if_none_match: ETags,
    if_modified_since: datetime | None,
    now: datetime,
) -> FeedAnswer:
    subject = _Subject(kind, token_row.subject_id, token_row.subject_name, token_row.version)
    settings = _settings()
    window = _window(now, settings.zone)
    parameters = {
        "subject": subject.id,
        "lower": window.lower,
        "upper": window.upper,
        "since": window.cancelled_since,
    }
    statements = _statements(kind)
    if if_none_match or if_modified_since is not None:
        groups = [tuple(group) for group in db.session.execute(statements.groups, parameters)]
        groups += [
            ("callbacks", *group)
            for group in db.session.execute(statements.callback_groups, parameters)
        ]
        etag, last_modified = _validators(subject, window, settings, groups)
        if is_not_modified(
            etag=etag,
            last_modified=last_modified,
            if_none_match=if_none_match,
            if_modified_since=if_modified_since,
            now=now,
        ):
            return FeedAnswer(etag, last_modified, None)
    # Plain rows through the session's connection: the ORM's row handling cost more than the
    # query itself for thousands of rows.
    rows = db.session.connection().execute(statements.rows, parameters).all()
    callbacks = db.session.connection().execute(statements.callback_rows, parameters).all()
    groups = _groups_of(rows) + [("callbacks", *group) for group in _callback_groups_of(callbacks)]
    etag, last_modified = _validators(subject, window, settings, groups)
    events = [_feed_event(row, settings, with_officer=kind == "team") for row in rows]
    events += [_callback_event(row, settings, with_officer=kind == "team") for row in callbacks]
    # In start order, bookings before call-backs at the same instant (a stable sort).
    events.sort(key=lambda event: event.start)
    body = build_calendar(
        events=events,
        method="PUBLISH",
        zone=settings.zone,
        name=f"Rådgivning: {subject.name}",
        refresh_interval=REFRESH_INTERVAL,
    )
    return FeedAnswer(etag, last_modified, body)


# --- queries ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Statements:
    token: Select[Any]
    groups: Select[Any]
    rows: Select[Any]
    callback_groups: Select[Any]
    callback_rows: Select[Any]


@cache
def _statements(kind: str) -> _Statements:
    """The three statements of a feed kind, built once with bind parameters."""
    if kind == "officer":
        token = (
            select(
                CalendarFeedToken.token_hash,
                CalendarFeedToken.version,
                Officer.id.label("subject_id"),
                Officer.name.label("subject_name"),
            )
            .join(Officer, Officer.id == CalendarFeedToken.officer_id)
            .where(CalendarFeedToken.officer_id == bindparam("subject"))
        )
        scope = Booking.officer_id == bindparam("subject")
        callback_scope = Callback.officer_id == bindparam("subject")
    else:
        token = (
            select(
                CalendarFeedToken.token_hash,
                CalendarFeedToken.version,
                Team.id.label("subject_id"),
                Team.name.label("subject_name"),
            )
            .join(Team, Team.id == CalendarFeedToken.team_id)
            .where(Team.slug == bindparam("subject"))
        )
        scope = Booking.team_id == bindparam("subject")
        callback_scope = Callback.team_id == bindparam("subject")
    # Within the bounds of the (subject, start_at) index: the window, and cancelled bookings
    # only while recently cancelled.
    where: ColumnElement[bool] = and_(
        scope,
        Booking.start_at >= bindparam("lower", type_=UTCDateTime()),
        Booking.start_at < bindparam("upper", type_=UTCDateTime()),
        or_(
            Booking.status != "cancelled",
            Booking.cancelled_at >= bindparam("since", type_=UTCDateTime()),
        ),
    )
    # Grouped on the bookings alone, the names then looked up per group: joining first made
    # the 304 path a third slower.
    totals = (
        select(
            Booking.meeting_type_id,
            Booking.officer_id,
            func.count(Booking.id).label("count"),
            func.sum(Booking.id).label("id_sum"),
            func.sum(Booking.sequence).label("sequence_sum"),
            func.max(Booking.updated_at).label("updated_at"),
        )
        .where(where)
        .group_by(Booking.meeting_type_id, Booking.officer_id)
        .subquery()
    )
    groups = select(
        totals.c.meeting_type_id,
        select(MeetingType.name)
        .where(MeetingType.id == totals.c.meeting_type_id)
        .scalar_subquery(),
        totals.c.officer_id,
        select(Officer.name).where(Officer.id == totals.c.officer_id).scalar_subquery(),
        totals.c.count,
        totals.c.id_sum,
        totals.c.sequence_sum,
        totals.c.updated_at,
    ).order_by(totals.c.meeting_type_id, totals.c.officer_id)
    # _feed_event and _groups_of read these by position: keep the three in step.
    rows = (
        select(
            Booking.id,
            Booking.reference,
            Booking.sequence,
            Booking.updated_at,
            # Plain timestamps (made aware in _feed_event): the UTC type's per-value hook was a
            # third of loading the rows. updated_at keeps it: the ETag compares it with SQL's.
            type_coerce(Booking.start_at, DateTime(timezone=True)),
            type_coerce(Booking.end_at, DateTime(timezone=True)),
            Booking.status,
            type_coerce(Booking.cancelled_at, DateTime(timezone=True)),
            Booking.mode,
            Booking.applicant_kind,
            Booking.applicant_name,
            Booking.applicant_email,
            Booking.applicant_phone,
            Booking.identifier_kind,
            Booking.organisation_number,
            Booking.property_designation,
            Booking.case_number,
            Booking.description,
            Booking.meeting_type_id,
            MeetingType.name.label("meeting_type_name"),
            Booking.officer_id,
            Officer.name.label("officer_name"),
        )
        .join(MeetingType, MeetingType.id == Booking.meeting_type_id)
        .join(Officer, Officer.id == Booking.officer_id)
        .where(where)
        .order_by(Booking.start_at, Booking.id)
    )
    callback_groups, callback_rows = _callback_statements(callback_scope)
    return _Statements(
        token=token,
        groups=groups,
        rows=rows,
        callback_groups=callback_groups,
        callback_rows=callback_rows,
    )


def _callback_statements(scope: ColumnElement[bool]) -> tuple[Select[Any], Select[Any]]:
    """The call-backs' groups (for the validators) and rows, by the window's start."""
    where = and_(
        scope,
        Callback.window_start_at >= bindparam("lower", type_=UTCDateTime()),
        Callback.window_start_at < bindparam("upper", type_=UTCDateTime()),
    )
    totals = (
        select(
            Callback.officer_id,
            func.count(Callback.id).label("count"),
            func.sum(Callback.id).label("id_sum"),
            func.max(Callback.updated_at).label("updated_at"),
        )
        .where(where)
        .group_by(Callback.officer_id)
        .subquery()
    )
    groups = select(
        totals.c.officer_id,
        select(Officer.name).where(Officer.id == totals.c.officer_id).scalar_subquery(),
        totals.c.count,
        totals.c.id_sum,
        totals.c.updated_at,
    ).order_by(totals.c.officer_id)
    # _callback_event and _callback_groups_of read these by position: keep the three in step.
    rows = (
        select(
            Callback.id,
            Callback.updated_at,
            type_coerce(Callback.window_start_at, DateTime(timezone=True)),
            type_coerce(Callback.window_end_at, DateTime(timezone=True)),
            Callback.status,
            Callback.topic,
            Callback.note,
            Callback.applicant_kind,
            Callback.applicant_name,
            Callback.applicant_phone,
            Callback.identifier_kind,
            Callback.organisation_number,
            Callback.officer_id,
            Officer.name.label("officer_name"),
        )
        .join(Officer, Officer.id == Callback.officer_id)
        .where(where)
        .order_by(Callback.window_start_at, Callback.id)
    )
    return groups, rows


def _callback_groups_of(rows: Sequence[Row[Any]]) -> list[tuple[Any, ...]]:
    """What the call-back groups statement gives, computed from the loaded rows instead."""
    groups: dict[tuple[int, str], list[Any]] = {}
    # By position: id 0, updated_at 1, officer id 12 and name 13.
    for row in rows:
        key = (row[12], row[13])
        group = groups.get(key)
        if group is None:
            groups[key] = [1, row[0], row[1]]
        else:
            group[0] += 1
            group[1] += row[0]
            if row[1] > group[2]:
                group[2] = row[1]
    return [(*key, *groups[key]) for key in sorted(groups)]


def _groups_of(rows: Sequence[Row[Any]]) -> list[tuple[Any, ...]]:
    """What the groups statement gives, computed from the loaded rows instead."""
    groups: dict[tuple[int, str, int, str], list[Any]] = {}
    # By position (see the rows statement): id 0, sequence 2, updated_at 3, then the keys.
    for row in rows:
        key = (row[18], row[19], row[20], row[21])
        group = groups.get(key)
        if group is None:
            groups[key] = [1, row[0], row[2], row[3]]
        else:
            group[0] += 1
            group[1] += row[0]
            group[2] += row[2]
            if row[3] > group[3]:
                group[3] = row[3]
    return [(*key, *groups[key]) for key in sorted(groups, key=lambda k: (k[0], k[2]))]


# --- validators -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Settings:
    """What of the app's configuration reaches a feed's bytes."""

    zone: ZoneInfo
    public_url: str
    organizer: Person
    fingerprint: str
    # What follows the reference in a booking's UID (see booking_uid), worked out once a feed.
    uid_suffix: str


def _settings() -> _Settings:
    zone = office_zone()
    public_url = current_app.config["BOOKING_PUBLIC_URL"].rstrip("/")
    organizer = Person(ORGANIZER_NAME, current_app.config["BOOKING_MAIL_FROM"])
    return _Settings(
        zone,
        public_url,
        organizer,
        _fingerprint(zone, public_url, organizer),
        booking_uid(reference="", public_url=public_url),
    )


@cache
def _fingerprint(zone: ZoneInfo, public_url: str, organizer: Person) -> str:
    """Everything constant in a process that reaches the bytes, as one digest."""
    parts = (
        FEED_FORMAT,
        metadata.version("icalendar"),
        zone.key,
        public_url,
        organizer.name,
        organizer.email,
        REFRESH_INTERVAL.total_seconds(),
    )
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


@cache
def _zone_digest(zone: ZoneInfo, first_year: int, last_year: int) -> str:
    """A digest of the zone's rules over the window's years.

    The VTIMEZONE covers the years of the events, which all lie within these: a change of the
    zone's rules (a tzdata update, one instance before another) changes the ETag as well.
    """
    return hashlib.sha256(vtimezone_ical(zone, first_year, last_year)).hexdigest()


def _window(now: datetime, zone: ZoneInfo) -> _Window:
    today = now.astimezone(zone).date()

    def midnight(day: date) -> datetime:
        return datetime.fromtimestamp(local_instant(day, 0, zone), UTC)

    return _Window(
        day_start=midnight(today),
        lower=midnight(today - timedelta(days=PAST_DAYS)),
        upper=midnight(today + timedelta(days=AHEAD_DAYS)),
        cancelled_since=midnight(today - timedelta(days=CANCELLED_KEPT_DAYS)),
    )


def _validators(
    subject: _Subject, window: _Window, settings: _Settings, groups: Sequence[tuple[Any, ...]]
) -> tuple[str, datetime]:
    """The strong ETag (unquoted) and Last-Modified of a feed holding `groups`."""
    newest = max((group[-1] for group in groups), default=window.day_start)
    parts = (
        settings.fingerprint,
        _zone_digest(settings.zone, window.lower.year, window.upper.year),
        subject.kind,
        subject.id,
        subject.name,
        subject.token_version,
        window.lower.isoformat(),
        window.upper.isoformat(),
        window.cancelled_since.isoformat(),
        [tuple(v.isoformat() if isinstance(v, datetime) else v for v in g) for g in groups],
    )
    digest = hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()
    # The window moves at local midnight: what left it then is a change as of that instant.
    return f"feed-{digest[:40]}", max(newest, window.day_start)


# --- events -----------------------------------------------------------------------------------


def _feed_event(row: Row[Any], settings: _Settings, *, with_officer: bool) -> InviteEvent:
    """One booking as a feed event: what the officer needs to hold the meeting, no more."""
    # Unpacked once: a Row's attribute access cost more than the rest of this function.
    (
        _,
        reference,
        sequence,
        updated_at,
        start_at,
        end_at,
        status,
        cancelled_at,
        mode,
        applicant_kind,
        applicant_name,
        applicant_email,
        applicant_phone,
        identifier_kind,
        organisation_number,
        property_designation,
        case_number,
        description,
        _,
        meeting_type_name,
        _,
        officer_name,
    ) = row
    # SQLite gives these naive (stored as UTC), PostgreSQL aware.
    if start_at.tzinfo is None:
        start_at, end_at = start_at.replace(tzinfo=UTC), end_at.replace(tzinfo=UTC)
    if cancelled_at is not None and cancelled_at.tzinfo is None:
        cancelled_at = cancelled_at.replace(tzinfo=UTC)
    is_cancelled = status == "cancelled"
    applicant = _scrubbed(applicant_name)
    mode_label = MODE_LABEL.get(mode, mode)
    summary = f"{meeting_type_name}: {applicant}"
    if with_officer:
        summary = f"{summary} ({officer_name})"
    if is_cancelled:
        summary = f"Avbokad: {summary}"
    lines = [
        f"Bokningsnummer: {reference}",
        f"Mötesform: {mode_label}",
        f"Handläggare: {officer_name}",
        f"Sökande: {applicant} ({APPLICANT_KIND_LABEL.get(applicant_kind, '')})",
    ]
    # A sole trader's (masked) personal identity number is left out altogether.
    if identifier_kind == "organisation_number" and organisation_number:
        lines.append(f"Organisationsnummer: {organisation_number}")
    if applicant_phone:
        lines.append(f"Telefon: {applicant_phone}")
    if applicant_email:
        lines.append(f"E-post: {applicant_email}")
    if property_designation:
        lines.append(f"Fastighetsbeteckning: {_scrubbed(property_designation)}")
    if case_number:
        lines.append(f"Ärendenummer: {_scrubbed(case_number)}")
    if description:
        lines.append(f"Beskrivning: {_scrubbed(description)}")
    if is_cancelled and cancelled_at is not None:
        lines.append(f"Avbokad: {cancelled_at.astimezone(settings.zone):%Y-%m-%d %H:%M}")
    lines.append(
        f"Bokningen: {staff_booking_url(public_url=settings.public_url, reference=reference)}"
    )
    if mode == "phone" and applicant_phone:
        location = f"Telefon: {applicant_phone}"
    elif mode == "in_person":
        location = "Besök på bygglovsavdelningen"
    else:
        location = mode_label
    return InviteEvent(
        uid=reference + settings.uid_suffix,
        sequence=sequence,
        dtstamp=updated_at,
        start=start_at,
        end=end_at,
        summary=summary,
        description="\n".join(lines),
        location=location,
        organizer=settings.organizer,
        attendees=(),
        status="CANCELLED" if is_cancelled else "CONFIRMED",
        alarm_minutes=None,
    )


def _callback_event(row: Row[Any], settings: _Settings, *, with_officer: bool) -> InviteEvent:
    """One call-back as a feed event: a short event at the window's start.

    An event rather than a VTODO: Outlook ignores VTODOs in subscribed calendars altogether
    (and Google Calendar does too), so a task would never reach the officer's day view. The
    whole window and the promise are in the description.
    """
    (
        callback_id,
        updated_at,
        start_at,
        end_at,
        status,
        topic,
        note,
        applicant_kind,
        applicant_name,
        applicant_phone,
        identifier_kind,
        organisation_number,
        _,
        officer_name,
    ) = row
    # SQLite gives these naive (stored as UTC), PostgreSQL aware.
    if start_at.tzinfo is None:
        start_at, end_at = start_at.replace(tzinfo=UTC), end_at.replace(tzinfo=UTC)
    zone = settings.zone
    applicant = _scrubbed(applicant_name)
    summary = f"{CALLBACK_STATUS_LABEL.get(status, status)}: {applicant}, {_scrubbed(topic)}"
    if with_officer:
        summary = f"{summary} ({officer_name})"
    start_local, end_local = start_at.astimezone(zone), end_at.astimezone(zone)
    end_format = "%H:%M" if start_local.date() == end_local.date() else "%Y-%m-%d %H:%M"
    lines = [
        f"Återuppringning: ring {applicant} senast {end_local:%Y-%m-%d %H:%M}",
        f"Tid att ringa: {start_local:%Y-%m-%d %H:%M}–{end_local.strftime(end_format)}",
        f"Telefon: {applicant_phone}",
        f"Sökande: {applicant} ({APPLICANT_KIND_LABEL.get(applicant_kind, '')})",
    ]
    # A sole trader's (masked) personal identity number is left out altogether.
    if identifier_kind == "organisation_number" and organisation_number:
        lines.append(f"Organisationsnummer: {organisation_number}")
    lines.append(f"Ärende: {_scrubbed(topic)}")
    if note:
        lines.append(f"Anteckning: {_scrubbed(note)}")
    lines.append(f"Handläggare: {officer_name}")
    lines.append(f"Återuppringningen: {settings.public_url}/api/v1/callbacks/{callback_id}")
    return InviteEvent(
        uid=f"callback-{callback_id}{settings.uid_suffix}",
        # Nothing an event shows changes but through updated_at (DTSTAMP); a PUBLISH feed is
        # read whole on every poll.
        sequence=0,
        dtstamp=updated_at,
        start=start_at,
        end=min(end_at, start_at + CALLBACK_EVENT_LENGTH),
        summary=summary,
        description="\n".join(lines),
        location=f"Telefon: {applicant_phone}",
        organizer=settings.organizer,
        attendees=(),
        status="CONFIRMED",
        alarm_minutes=None,
    )


def _scrubbed(text: str) -> str:
    """`text` with any valid personal identity number in it replaced (applicants type them)."""
    if _SIX_DIGITS.search(text) is None:  # the birth date alone has six: a quick way out
        return text
    return _IDENTITY_CANDIDATE.sub(_identity_removed, text)


def _identity_removed(match: re.Match[str]) -> str:
    return _IDENTITY_REMOVED if is_personal_identity_number(match.group()) else match.group()
