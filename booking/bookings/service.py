"""Booking, reading, cancelling and moving — serialised per officer so nothing double-books."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any, NamedTuple, TypeVar

from flask import current_app
from sqlalchemy import Insert, Select, bindparam, func, insert, null, select, update
from sqlalchemy.exc import IntegrityError

from booking import clock
from booking.audit import service as audit
from booking.auth.models import StaffToken
from booking.auth.service import hash_secret, secrets_match
from booking.availability.service import free_officers_at, id_in
from booking.bookings.links import manage_token_for
from booking.bookings.models import MAX_BUSY_SPAN, Booking, IdempotencyRecord
from booking.calendar.models import CalendarSource
from booking.config_cache import (
    MeetingTypeConfig,
    TeamConfig,
    current_config,
    refreshed_config,
)
from booking.core.identity import (
    InvalidIdentifier,
    normalise_company_identifier,
    normalise_phone,
)
from booking.core.routing import OfficerChoice, OfficerLoad, choose_officer
from booking.core.slots import local_instant
from booking.db import UTCDateTime
from booking.errors import Conflict, NotFound, SlotUnavailable, ValidationProblem
from booking.extensions import db
from booking.fields import office_zone
from booking.notifications.enqueue import (
    INSERT_FROM_JSON,
    booked_rows,
    notify_booked,
    notify_cancelled,
    notify_moved,
    policy_of,
    rows_parameter,
)
from booking.officers.models import Officer
from booking.ops.metrics import record_booking_event
from booking.privacy.identity_numbers import sealed_identity_number
from booking.teams.models import Team
from booking.teams.service import get_meeting_type, route_team

# No 0/O, 1/I/L: references are read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_REFERENCE_SHAPE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")
STAFF_BOOKING_ROLES = ("admin", "service_center")


class Ref(NamedTuple):
    """A row a new booking links to, as the response shows it (officers have no slug)."""

    id: int
    name: str
    slug: str | None = None


class NewBooking(SimpleNamespace):
    """A booking just inserted: its columns, `id`, and `meeting_type`/`team`/`officer` refs.

    Not an ORM object: the insert is one Core statement and the response and the outbox only
    read these values, so nothing is loaded or tracked for them.
    """


@dataclass(frozen=True, slots=True)
class BookingResult:
    """A booking just made (or replayed), with its manage token in plaintext, shown once."""

    booking: Booking | NewBooking
    manage_token: str
    is_replay: bool


def new_reference() -> str:
    """Return a random, non-sequential booking reference such as `K7QM-4XPR`."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


def normalise_reference(reference: str) -> str:
    """Accept references typed in lower case or without the hyphen."""
    compact = reference.strip().upper().replace("-", "").replace(" ", "")
    return f"{compact[:4]}-{compact[4:]}" if len(compact) == 8 else reference


def _request_fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _applicant_fields(applicant: dict[str, Any], *, is_staff: bool, mode: str) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {
        "applicant_kind": applicant["kind"],
        "applicant_name": applicant["name"].strip(),
        "applicant_email": applicant.get("email"),
        "applicant_phone": None,
        "identifier_kind": None,
        "organisation_number": None,
    }
    if applicant.get("phone"):
        try:
            fields["applicant_phone"] = normalise_phone(applicant["phone"])
        except InvalidIdentifier as exc:
            errors["applicant.phone"] = [str(exc)]
    number = applicant.get("organisation_number")
    if applicant["kind"] == "company":
        if not number:
            errors["applicant.organisation_number"] = [
                "A company needs its organisation number (a sole trader: personal identity number)."
            ]
        else:
            try:
                fields["identifier_kind"], fields["organisation_number"] = (
                    normalise_company_identifier(number)
                )
            except InvalidIdentifier as exc:
                errors["applicant.organisation_number"] = [str(exc)]
    elif number:
        errors["applicant.organisation_number"] = ["Only company applicants give one."]
    if not is_staff and not fields["applicant_email"]:
        errors["applicant.email"] = ["An e-mail address is required to book online."]
    if is_staff and not fields["applicant_email"] and not applicant.get("phone"):
        errors["applicant.phone"] = ["Give a phone number or an e-mail address."]
    if mode == "phone" and not applicant.get("phone"):
        errors.setdefault("applicant.phone", []).append("A phone meeting needs a phone number.")
    if errors:
        raise ValidationProblem("The applicant's details are not valid.", errors=errors)
    return fields


def _week_bounds(start: datetime) -> tuple[datetime, datetime]:
    zone = office_zone()
    local_day = start.astimezone(zone).date()
    monday = local_day - timedelta(days=local_day.weekday())
    lower = datetime.fromtimestamp(local_instant(monday, 0, zone), zone)
    upper = datetime.fromtimestamp(local_instant(monday + timedelta(days=7), 0, zone), zone)
    return lower, upper


@cache
def _loads_statement(*, recheck: bool, excluding_booking: bool, new_id: bool) -> Select[Any]:
    """Id, last assignment, confirmed bookings in [`:week_start`, `:week_end`), name, e-mail
    and CalDAV source id of the officers `:ids` (and, with `new_id`, a new booking id).

    With `recheck`, officers whose confirmed bookings overlap [`:busy_start`, `:busy_end`) are
    left out (the condition of `holds_time_in`, `:floor` bounding the scan from below). Built
    once, with bind parameters: building and cache-keying a statement costs more than SQLite
    takes to run it.
    """
    week_count = (
        select(func.count(Booking.id))
        .where(
            Booking.officer_id == Officer.id,
            Booking.status == "confirmed",
            Booking.start_at >= bindparam("week_start", type_=UTCDateTime()),
            Booking.start_at < bindparam("week_end", type_=UTCDateTime()),
        )
        .correlate(Officer)
        .scalar_subquery()
    )
    # The officer's name, e-mail and CalDAV calendar come along for the one chosen: read here,
    # under the lock on PostgreSQL, they cost no statement of their own.
    caldav_source = (
        select(CalendarSource.id)
        .where(CalendarSource.officer_id == Officer.id, CalendarSource.kind == "caldav")
        .correlate(Officer)
        .scalar_subquery()
    )
    # PostgreSQL: the new booking's id, drawn here (an uncorrelated subquery runs once) so that
    # its outbox rows can be built before the one statement that inserts them with it. A
    # booking refused after this leaves a gap in the ids, which mean nothing.
    booking_id = (
        select(func.nextval(func.pg_get_serial_sequence("bookings", "id"))).scalar_subquery()
        if new_id
        else null()
    )
    query = select(
        Officer.id,
        Officer.last_assigned_at,
        week_count,
        Officer.name,
        Officer.email,
        caldav_source,
        booking_id,
    ).where(id_in(Officer.id))
    if recheck:
        overlapping = select(Booking.id).where(
            Booking.officer_id == Officer.id,
            Booking.status == "confirmed",
            Booking.busy_start_at < bindparam("busy_end", type_=UTCDateTime()),
            Booking.busy_end_at > bindparam("busy_start", type_=UTCDateTime()),
            Booking.busy_start_at > bindparam("floor", type_=UTCDateTime()),
        )
        if excluding_booking:
            overlapping = overlapping.where(Booking.id != bindparam("exclude"))
        query = query.where(~overlapping.correlate(Officer).exists())
    return query


@dataclass(frozen=True, slots=True)
class _Loads:
    """The candidates' loads and contacts, and (PostgreSQL, booking) the new booking's id."""

    loads: list[OfficerLoad]
    contacts: dict[int, OfficerContact]
    new_booking_id: int | None


class OfficerContact(NamedTuple):
    """What a booking needs of its officer beyond the id: name, e-mail, CalDAV source."""

    name: str
    email: str | None
    caldav_source_id: int | None


def _officer_loads(
    officer_ids: Sequence[int],
    start: datetime,
    *,
    recheck: MeetingTypeConfig | None = None,
    exclude_booking_id: int | None = None,
    new_id: bool = False,
) -> _Loads:
    """Each officer's confirmed bookings in the ISO week of `start`, last assignment, contact.

    With `recheck` (the meeting type), officers that a confirmed booking now holds at `start`
    are left out, in the same statement; with `new_id`, it also draws the new booking's id.
    """
    week_start, week_end = _week_bounds(start)
    parameters: dict[str, Any] = {
        "ids": list(officer_ids),
        "week_start": week_start,
        "week_end": week_end,
        "exclude": exclude_booking_id,
    }
    if recheck is not None:
        _, _, busy_start, busy_end = _busy_span(recheck, start)
        parameters.update(
            busy_start=busy_start, busy_end=busy_end, floor=busy_start - MAX_BUSY_SPAN
        )
    statement = _loads_statement(
        recheck=recheck is not None,
        excluding_booking=exclude_booking_id is not None,
        new_id=new_id,
    )
    loads = []
    contacts = {}
    new_booking_id = None
    # Plain rows on the session's connection, like the busy-time read.
    rows = db.session.connection().execute(statement, parameters)
    for officer_id, last, count, name, email, source_id, drawn_id in rows:
        new_booking_id = drawn_id
        loads.append(
            OfficerLoad(
                officer_id=officer_id,
                bookings_this_week=count,
                last_assigned_at=int(last.timestamp()) if last is not None else None,
            )
        )
        contacts[officer_id] = OfficerContact(name, email, source_id)
    return _Loads(loads, contacts, new_booking_id)


# Built once, like `_loads_statement`.
_LOCK_OFFICERS = select(Officer.id).where(id_in(Officer.id)).order_by(Officer.id).with_for_update()
# A new booking, and its officer's last assignment: Core statements on the session's
# connection (no ORM object to build, track and flush; officers' last_assigned_at is not
# configuration, so the cache's invalidation events need not see it).
_INSERT_BOOKING = insert(Booking.__table__).returning(Booking.__table__.c.id)
_ASSIGNED = (
    update(Officer.__table__)
    .where(Officer.__table__.c.id == bindparam("assigned_officer_id"))
    .values(last_assigned_at=bindparam("assigned_at", type_=UTCDateTime()))
)


def _lock_officers(officer_ids: Sequence[int]) -> None:
    # PostgreSQL: row locks in id order serialise bookings per officer without deadlocks.
    db.session.connection().execute(_LOCK_OFFICERS, {"ids": list(officer_ids)}).all()


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


@dataclass(frozen=True, slots=True)
class _Claim:
    """The officer a booking goes to (locked on PostgreSQL), what it needs of them, and why."""

    officer_id: int
    contact: OfficerContact
    choice: OfficerChoice
    # PostgreSQL, new bookings: the id drawn under the lock; SQLite: the insert makes it.
    new_booking_id: int | None


def _claim_officer(
    *,
    team: TeamConfig,
    meeting_type: MeetingTypeConfig,
    start: datetime,
    candidates: Sequence[int] | None,
    preferred_id: int | None,
    is_staff: bool,
    now: datetime,
    exclude_booking_id: int | None = None,
) -> _Claim:
    """Search once, lock the free candidates and re-check them (PostgreSQL), choose fairly."""
    free = free_officers_at(
        team=team,
        meeting_type=meeting_type,
        start=start,
        officer_ids=candidates,
        is_staff=is_staff,
        now=now,
        exclude_booking_id=exclude_booking_id,
    )
    if not free:
        raise _slot_unavailable()
    if _is_sqlite():
        # Every writing request began with BEGIN IMMEDIATE: no other writer has run since the
        # search, so what it found still holds.
        found = _officer_loads(free, start)
    else:
        _lock_officers(free)
        # Another transaction may have booked one of them between our search and our lock (we
        # may have waited for its commit). Hours, absences, closures and the busy time imported
        # from officers' own calendars (read by the search above, which refuses such a time)
        # are not part of the race, bookings are: a statement of its own sees that booking.
        found = _officer_loads(
            free,
            start,
            recheck=meeting_type,
            exclude_booking_id=exclude_booking_id,
            new_id=exclude_booking_id is None,
        )
    choice = choose_officer(candidates=found.loads, preferred_id=preferred_id)
    if choice is None:
        raise _slot_unavailable()
    return _Claim(
        choice.officer_id, found.contacts[choice.officer_id], choice, found.new_booking_id
    )


def _slot_unavailable() -> SlotUnavailable:
    return SlotUnavailable("That time is not free. Ask GET /api/v1/slots for the times that are.")


_T = TypeVar("_T")


def _flush_or_conflict(write: Callable[[], _T] | None = None) -> _T | None:
    """Flush the session (or run `write`); an integrity violation becomes a 409."""
    # No savepoint: nothing runs after a failed insert, the request ends in a 409 and its
    # transaction is rolled back.
    try:
        if write is None:
            db.session.flush()
            return None
        return write()
    except IntegrityError as exc:
        # The exclusion constraint (PostgreSQL) or the overlap trigger (SQLite) caught what the
        # locks should have: still a 409, never a 500.
        raise SlotUnavailable("That time was just taken.") from exc


def _busy_span(
    meeting_type: MeetingTypeConfig, start: datetime
) -> tuple[datetime, datetime, datetime, datetime]:
    end = start + timedelta(minutes=meeting_type.duration_minutes)
    return (
        start,
        end,
        start - timedelta(minutes=meeting_type.buffer_before_minutes),
        end + timedelta(minutes=meeting_type.buffer_after_minutes),
    )


def _replay(key_hash: str, fingerprint: str, secret_key: str) -> BookingResult | None:
    record = db.session.scalars(
        select(IdempotencyRecord).where(IdempotencyRecord.key_hash == key_hash)
    ).one_or_none()
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise ValidationProblem(
            "This Idempotency-Key was used with another request body.",
            errors={"Idempotency-Key": ["Already used with a different request body."]},
        )
    booking = db.session.get(Booking, record.booking_id) if record.booking_id else None
    if booking is None:
        return None
    token = manage_token_for(secret_key=secret_key, reference=booking.reference)
    return BookingResult(booking, token, is_replay=True)


def book_slot(
    *,
    data: dict[str, Any],
    raw_body: Any,
    staff: StaffToken | None,
    now: datetime,
    idempotency_key: str | None,
    secret_key: str,
) -> BookingResult:
    """Book the requested slot for the applicant, or raise 409/422; the caller commits."""
    key_hash = fingerprint = None
    if idempotency_key is not None:
        scope = f"staff:{staff.id}" if staff is not None else "public"
        key_hash = hash_secret(f"{scope}\0{idempotency_key}")
        fingerprint = _request_fingerprint(raw_body)
        replay = _replay(key_hash, fingerprint, secret_key)
        if replay is not None:
            return replay
        record = IdempotencyRecord(key_hash=key_hash, request_hash=fingerprint, created_at=now)
        try:
            # Claim the key first: a concurrent request with the same key waits here on
            # PostgreSQL's unique index until we commit, then replays our booking. The record
            # is added inside the savepoint (begin_nested flushes what is pending before it),
            # so a clash rolls back to the savepoint and the replay can still read.
            with db.session.begin_nested():
                db.session.add(record)
        except IntegrityError:
            replay = _replay(key_hash, fingerprint, secret_key)
            if replay is None:
                raise Conflict(
                    "A request with this Idempotency-Key is in progress; retry."
                ) from None
            return replay
    is_staff = staff is not None
    meeting_type = get_meeting_type(slug=data["meeting_type"])
    if data["mode"] not in meeting_type.modes:
        raise ValidationProblem(
            errors={"mode": [f"'{meeting_type.slug}' is not offered as {data['mode']}."]}
        )
    applicant = _applicant_fields(data["applicant"], is_staff=is_staff, mode=data["mode"])
    team, team_choice = route_team(
        applicant_kind=applicant["applicant_kind"],
        meeting_type=meeting_type,
        field="applicant.kind",
    )
    preferred = data.get("officer_id")
    if preferred is not None:
        officer = current_config().officers.get(preferred)
        if officer is None or team.id not in officer.team_ids:
            raise ValidationProblem(
                errors={"officer_id": [f"Officer {preferred} does not serve team '{team.slug}'."]}
            )

    start: datetime = data["start"]
    claim = _claim_officer(
        team=team,
        meeting_type=meeting_type,
        start=start,
        candidates=[preferred] if preferred is not None else None,
        preferred_id=preferred,
        is_staff=is_staff,
        now=now,
    )
    # 31^8 ≈ 8.5e11 codes: a clash is so rare that the unique constraint (→ 409, retry)
    # guards it instead of a query on every booking.
    reference = new_reference()
    manage_token = manage_token_for(secret_key=secret_key, reference=reference)
    start_at, end_at, busy_start, busy_end = _busy_span(meeting_type, start)
    values: dict[str, Any] = {
        "reference": reference,
        "meeting_type_id": meeting_type.id,
        "team_id": team.id,
        "officer_id": claim.officer_id,
        "start_at": start_at,
        "end_at": end_at,
        "busy_start_at": busy_start,
        "busy_end_at": busy_end,
        "mode": data["mode"],
        "status": "confirmed",
        "property_designation": data.get("property_designation"),
        "case_number": data.get("case_number"),
        "description": data.get("description"),
        "language": data.get("language") or "sv",
        "channel": "service_center" if is_staff else "web",
        "created_by_token_id": staff.id if staff is not None else None,
        "manage_token_hash": hash_secret(manage_token),
        "team_reason": team_choice.reason,
        "officer_reason": claim.choice.reason,
        "officer_requested": preferred is not None,
        "sequence": 0,
        "created_at": now,
        "updated_at": now,
        "cancelled_at": None,
        "cancel_reason": None,
        "anonymised_at": None,
        "outcome": None,
        "outcome_note": None,
        "outcome_at": None,
        "outcome_by_token_id": None,
        "first_free_start_at": None,
        "first_free_checked_at": None,
        "identity_number_ciphertext": sealed_identity_number(
            identifier_kind=applicant["identifier_kind"],
            number=data["applicant"].get("organisation_number"),
        ),
        **applicant,
    }
    booking_id = claim.new_booking_id
    if booking_id is None:
        # SQLite: the insert makes the id, then the messages are queued with it.
        booking_id = _flush_or_conflict(lambda: _insert_booking(values, now))
        assert booking_id is not None
    booking = NewBooking(
        id=booking_id,
        meeting_type=Ref(meeting_type.id, meeting_type.name, meeting_type.slug),
        team=Ref(team.id, team.name, team.slug),
        officer=Ref(claim.officer_id, claim.contact.name),
        **values,
    )
    messages: dict[str, Any] = {
        "booking": booking,
        "officer_id": claim.officer_id,
        "officer_email": claim.contact.email,
        "caldav_source_id": claim.contact.caldav_source_id,
        "reminders": policy_of(meeting_type.reminders),
        "now": now,
    }
    if claim.new_booking_id is None:
        notify_booked(**messages)
    else:
        # PostgreSQL: the booking, its officer's assignment and its messages in one statement
        # (one round trip instead of three, all while the officers' rows are locked).
        rows = booked_rows(**messages)
        _flush_or_conflict(lambda: _insert_booking_with_messages(booking_id, values, rows, now))
    if key_hash is not None:
        record.booking_id = booking_id
    record_booking_event(db.session(), action="created", channel=values["channel"])
    audit.record(
        action="booking.create",
        object_type="booking",
        object_id=reference,
        details={"team": team.slug, "officer_id": claim.officer_id, "channel": values["channel"]},
    )
    return BookingResult(booking, manage_token, is_replay=False)


def _insert_booking(values: dict[str, Any], now: datetime) -> int:
    """Insert the booking and record its officer's assignment; return the booking's id."""
    connection = db.session.connection()
    booking_id: int = connection.execute(_INSERT_BOOKING, values).scalar_one()
    connection.execute(_ASSIGNED, {"assigned_officer_id": values["officer_id"], "assigned_at": now})
    return booking_id


def _insert_booking_with_messages(
    booking_id: int, values: dict[str, Any], rows: Sequence[dict[str, Any]], now: datetime
) -> None:
    """PostgreSQL: insert the booking (with its drawn id), its officer's assignment and its
    outbox rows in one statement."""
    parameters = {f"booking_{key}": value for key, value in values.items()}
    parameters.update(
        booking_id=booking_id,
        assigned_officer_id=values["officer_id"],
        assigned_at=now,
        outbox_rows=rows_parameter(rows),
    )
    db.session.connection().execute(_booking_with_messages_statement(), parameters)


@cache
def _booking_with_messages_statement() -> Insert:
    """`WITH booking AS (INSERT …), assigned AS (UPDATE officers …) INSERT INTO notifications …`.

    Data-modifying CTEs all run, in one statement; the outbox rows' foreign key to the booking
    is checked at its end, when the booking is there. Built once, with bind parameters.
    """
    bookings = Booking.__table__
    new_booking = (
        insert(bookings)
        .values({c.key: bindparam(f"booking_{c.key}", type_=c.type) for c in bookings.columns})
        .returning(bookings.c.id)
        .cte("new_booking")
    )
    assigned = _ASSIGNED.returning(Officer.__table__.c.id).cte("assigned")
    return INSERT_FROM_JSON.add_cte(new_booking, assigned, nest_here=True)


def get_booking_for(
    *, reference: str, manage_token: str | None, staff: StaffToken | None, lock: bool = False
) -> Booking:
    """Return the booking the caller may see (staff by role, applicants by token), else 404."""
    reference = normalise_reference(reference)
    booking = None
    # Anything not shaped like a reference is unknown without asking the database.
    if _REFERENCE_SHAPE.match(reference):
        query = select(Booking).where(Booking.reference == reference)
        if lock:
            query = query.with_for_update()
        booking = db.session.scalars(query).one_or_none()
    if staff is not None:
        if booking is None or (staff.role == "officer" and booking.officer_id != staff.officer_id):
            raise NotFound("No such booking.")
        return booking
    # The same answer for an unknown reference, a wrong token and an expired one: existence is
    # never revealed.
    if (
        booking is None
        or not manage_token
        or not secrets_match(manage_token, booking.manage_token_hash)
        or clock.now() >= manage_token_expiry(booking)
    ):
        raise NotFound("No such booking, or the token does not match.")
    return booking


def manage_token_expiry(booking: Booking) -> datetime:
    """When the applicant's manage token stops working: BOOKING_MANAGE_TOKEN_DAYS after the
    meeting's end, or after the cancellation."""
    days = timedelta(days=int(current_app.config["BOOKING_MANAGE_TOKEN_DAYS"]))
    ended = booking.cancelled_at if booking.cancelled_at is not None else booking.end_at
    return ended + days


def cancel_booking(*, booking: Booking, reason: str | None, now: datetime) -> Booking:
    """Cancel the booking and free its time; cancelling again changes nothing."""
    if booking.status == "cancelled":
        return booking
    if booking.end_at <= now:
        raise Conflict("The meeting has already taken place.")
    booking.status = "cancelled"
    booking.cancelled_at = now
    booking.cancel_reason = reason
    booking.sequence += 1
    booking.updated_at = now
    db.session.flush()
    notify_cancelled(booking=booking, now=now)
    audit.record(action="booking.cancel", object_type="booking", object_id=booking.reference)
    record_booking_event(db.session(), action="cancelled", channel=booking.channel)
    return booking


def configuration_of(booking: Booking) -> tuple[MeetingTypeConfig, TeamConfig]:
    """The booking's meeting type and team as cached; reloaded once if either is newer."""
    config = current_config()
    meeting_type = config.meeting_types_by_id.get(booking.meeting_type_id)
    team = config.teams.get(booking.team_id)
    if meeting_type is None or team is None:
        # Made by another instance within the cache's TTL: it exists (foreign keys).
        config = refreshed_config()
        meeting_type = config.meeting_types_by_id[booking.meeting_type_id]
        team = config.teams[booking.team_id]
    return meeting_type, team


def reschedule_booking(
    *, booking: Booking, start: datetime, staff: StaffToken | None, now: datetime
) -> Booking:
    """Move the booking to a new start: the new time is taken before the old one is released."""
    if booking.status != "confirmed":
        raise Conflict("A cancelled booking cannot be moved.")
    if booking.start_at <= now:
        raise Conflict("The meeting has already begun.")
    if start == booking.start_at:
        return booking
    meeting_type, team = configuration_of(booking)
    is_staff = staff is not None
    current = booking.officer_id
    # Continuity first: keep the officer when they are free; otherwise, unless the applicant
    # chose this officer, any free officer of the team.
    try:
        claim = _claim_officer(
            team=team,
            meeting_type=meeting_type,
            start=start,
            candidates=[current],
            preferred_id=current,
            is_staff=is_staff,
            now=now,
            exclude_booking_id=booking.id,
        )
        reason = f"kept the same officer when moved; {claim.choice.reason}"
    except SlotUnavailable:
        if booking.officer_requested:
            raise
        claim = _claim_officer(
            team=team,
            meeting_type=meeting_type,
            start=start,
            candidates=None,
            preferred_id=None,
            is_staff=is_staff,
            now=now,
            exclude_booking_id=booking.id,
        )
        reason = f"moved; the previous officer was not free; {claim.choice.reason}"
    # Load the new officer before touching the times: the load autoflushes, and a booking
    # flushed at its new time with its old officer would trip the overlap guard.
    officer = db.session.get(Officer, claim.officer_id)
    assert officer is not None, "the officer was just locked or read (foreign key)"
    start_at, end_at, busy_start, busy_end = _busy_span(meeting_type, start)
    booking.start_at, booking.end_at = start_at, end_at
    booking.busy_start_at, booking.busy_end_at = busy_start, busy_end
    booking.officer = officer
    booking.officer_reason = reason
    booking.sequence += 1
    booking.updated_at = now
    _flush_or_conflict()
    notify_moved(booking=booking, previous_officer_id=current, now=now)
    audit.record(
        action="booking.reschedule",
        object_type="booking",
        object_id=booking.reference,
        details={"officer_id": claim.officer_id, "previous_officer_id": current},
    )
    record_booking_event(db.session(), action="rescheduled", channel=booking.channel)
    return booking


# The staff lists' default and largest page: the cap they had before they were paged, so a
# client that sends no paging parameters gets the same rows as before.
LIST_PAGE_SIZE = 2000


def fetch_page(
    query: Select[Any],
    *,
    order_by: Sequence[Any],
    offset: int,
    limit: int,
    options: Sequence[Any] = (),
) -> tuple[Sequence[Any], int]:
    """One page of a listing in a total order, and how many rows all its pages hold."""
    if offset < 0 or limit < 1:
        raise ValueError(f"offset {offset} and limit {limit}: need offset >= 0 and limit >= 1")
    page = query.options(*options).order_by(*order_by).offset(offset).limit(limit)
    rows = db.session.scalars(page).all()
    if 0 < len(rows) < limit or (offset == 0 and not rows):
        # A short page is the last one: it already tells the total, no COUNT needed.
        return rows, offset + len(rows)
    total = int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    if rows:
        # A row deleted between the two statements must not make the total contradict the page.
        total = max(total, offset + len(rows))
    return rows, total


def list_bookings(
    *,
    staff: StaffToken,
    first_day: date | None,
    last_day: date | None,
    team_slug: str | None,
    officer_id: int | None,
    status: str | None,
    now: datetime,
    offset: int = 0,
    limit: int = LIST_PAGE_SIZE,
) -> tuple[Sequence[Booking], int]:
    """A page of bookings on local dates (default: today + 30 days) and the total; officers: own."""
    zone = office_zone()
    first_day = first_day or now.astimezone(zone).date()
    last_day = last_day or first_day + timedelta(days=30)
    lower = datetime.fromtimestamp(local_instant(first_day, 0, zone), zone)
    upper = datetime.fromtimestamp(local_instant(last_day + timedelta(days=1), 0, zone), zone)
    query = select(Booking).where(Booking.start_at >= lower, Booking.start_at < upper)
    if staff.role == "officer":
        query = query.where(Booking.officer_id == staff.officer_id)
    elif officer_id is not None:
        query = query.where(Booking.officer_id == officer_id)
    if team_slug is not None:
        query = query.join(Team, Team.id == Booking.team_id).where(Team.slug == team_slug)
    if status is not None:
        query = query.where(Booking.status == status)
    # Start then id is a total order: pages neither overlap nor skip a row.
    return fetch_page(query, order_by=(Booking.start_at, Booking.id), offset=offset, limit=limit)
