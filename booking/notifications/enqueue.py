"""Write a booking change's messages to the outbox, in the transaction that makes the change."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import JSON, Text, bindparam, cast, column, func, insert, select, update

from booking.bookings.models import Booking
from booking.calendar.models import CalendarSource
from booking.config_cache import current_config
from booking.extensions import db
from booking.notifications.models import UNSENT, Notification
from booking.officers.models import Officer


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder of a policy: a channel and how long before the meeting."""

    channel: str
    minutes_before: int


def parse_policy(text: str) -> list[Reminder]:
    """Parse `BOOKING_REMINDERS` ("email:1440,sms:120"); "" or "off" means none."""
    if text.strip().lower() in ("", "off", "none"):
        return []
    policy = []
    for item in text.split(","):
        channel, _, minutes = item.strip().partition(":")
        if channel not in ("email", "sms") or not minutes.strip().isdigit():
            raise ValueError(f"BOOKING_REMINDERS: '{item.strip()}' is not channel:minutes")
        policy.append(Reminder(channel, int(minutes)))
    return policy


def policy_of(reminders: Sequence[tuple[str, int]] | None) -> list[Reminder]:
    """A cached meeting type's (channel, minutes) pairs as a policy, or the service's default."""
    if reminders is None:
        return parse_policy(current_app.config["BOOKING_REMINDERS"])
    return [Reminder(channel, minutes) for channel, minutes in reminders]


class BookingFields(Protocol):
    """What a message row needs of its booking (an ORM booking or a just-inserted one)."""

    @property
    def id(self) -> int: ...
    @property
    def sequence(self) -> int: ...
    @property
    def language(self) -> str: ...
    @property
    def applicant_email(self) -> str | None: ...
    @property
    def applicant_phone(self) -> str | None: ...
    @property
    def start_at(self) -> datetime: ...


def notify_booked(
    *,
    booking: BookingFields,
    officer_id: int,
    officer_email: str | None,
    caldav_source_id: int | None,
    reminders: Sequence[Reminder],
    now: datetime,
) -> None:
    """Queue the confirmation (applicant and officer) and the reminders of a new booking."""
    _add(
        booked_rows(
            booking=booking,
            officer_id=officer_id,
            officer_email=officer_email,
            caldav_source_id=caldav_source_id,
            reminders=reminders,
            now=now,
        )
    )


def booked_rows(
    *,
    booking: BookingFields,
    officer_id: int,
    officer_email: str | None,
    caldav_source_id: int | None,
    reminders: Sequence[Reminder],
    now: datetime,
) -> list[dict[str, Any]]:
    """The outbox rows of a new booking (see `notify_booked`), for a caller that inserts them.

    The caller read the officer's e-mail and CalDAV source in its transaction (with the lock on
    PostgreSQL), so nothing is looked up here.
    """
    rows = [*_applicant_notices(booking, "confirmation", now)]
    rows += _officer_notice(booking, officer_id, officer_email, "confirmation", now)
    rows += _calendar_row(booking, officer_id, caldav_source_id, "confirmation", now)
    rows += _reminders(booking, reminders, now)
    return rows


def rows_parameter(rows: Sequence[dict[str, Any]]) -> str:
    """Outbox rows as the JSON text `INSERT_FROM_JSON` reads (PostgreSQL)."""
    return json.dumps(rows, default=_json_value, ensure_ascii=False)


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        # With its offset: PostgreSQL reads it back as the same instant (timestamptz).
        return value.isoformat()
    raise TypeError(f"not an outbox value: {type(value).__name__}")


def notify_moved(*, booking: Booking, previous_officer_id: int, now: datetime) -> None:
    """Supersede what was queued for the old time; queue the notices and the new reminders."""
    _supersede(booking, "the booking was moved", now)
    rows = [*_applicant_notices(booking, "rescheduled", now)]
    officer = _officer(booking.officer_id)
    if booking.officer_id == previous_officer_id:
        rows += _officer_notice(booking, officer.id, officer.email, "rescheduled", now)
        rows += _calendar_write(booking, officer.id, "rescheduled", now)
    else:
        # The meeting leaves one officer's calendar and lands in another's.
        previous = _officer(previous_officer_id)
        rows += _officer_notice(booking, previous.id, previous.email, "cancelled", now)
        rows += _officer_notice(booking, officer.id, officer.email, "confirmation", now)
        rows += _calendar_write(booking, previous_officer_id, "cancelled", now)
        rows += _calendar_write(booking, officer.id, "confirmation", now)
    rows += _reminders(booking, _meeting_type_policy(booking), now)
    _add(rows)


def notify_cancelled(*, booking: Booking, now: datetime) -> None:
    """Supersede the booking's unsent messages and queue the cancellation notices."""
    _supersede(booking, "the booking was cancelled", now)
    rows = [*_applicant_notices(booking, "cancelled", now)]
    officer = _officer(booking.officer_id)
    rows += _officer_notice(booking, officer.id, officer.email, "cancelled", now)
    rows += _calendar_write(booking, booking.officer_id, "cancelled", now)
    _add(rows)


def notify_calendar_connected(*, officer_id: int, source: CalendarSource, now: datetime) -> None:
    """Queue the write of every upcoming booking of the officer into their new CalDAV calendar."""
    bookings = db.session.scalars(
        select(Booking)
        .where(
            Booking.officer_id == officer_id,
            Booking.status == "confirmed",
            Booking.end_at > now,
        )
        .order_by(Booking.start_at)
    ).all()
    # The source's version in the key: connecting another calendar writes them all again.
    suffix = f":officer{officer_id}:source{source.id}.{source.version}"
    _add(
        [
            _row(
                booking,
                kind="confirmation",
                audience="officer",
                channel="caldav",
                recipient=str(source.id),
                due_at=now,
                now=now,
                officer_id=officer_id,
                key_suffix=suffix,
            )
            for booking in bookings
        ]
    )


def _officer(officer_id: int) -> Officer:
    officer = db.session.get(Officer, officer_id)
    assert officer is not None, "a booking's officer exists (foreign key)"
    return officer


def _key(booking: BookingFields, kind: str, audience: str, channel: str, suffix: str = "") -> str:
    return f"booking:{booking.id}:v{booking.sequence}:{kind}:{audience}:{channel}{suffix}"


def _row(
    booking: BookingFields,
    *,
    kind: str,
    audience: str,
    channel: str,
    recipient: str,
    due_at: datetime,
    now: datetime,
    officer_id: int | None = None,
    minutes_before: int | None = None,
    key_suffix: str = "",
) -> dict[str, Any]:
    # A plain row for a Core executemany: the request never reads these rows back as objects.
    return {
        **_UNSET,
        "idempotency_key": _key(booking, kind, audience, channel, key_suffix),
        "kind": kind,
        "channel": channel,
        "audience": audience,
        "booking_id": booking.id,
        "booking_version": booking.sequence,
        "officer_id": officer_id,
        "recipient": recipient,
        "language": booking.language,
        "minutes_before": minutes_before,
        "due_at": due_at,
        "next_attempt_at": due_at,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def _applicant_notices(
    booking: BookingFields, kind: str, now: datetime
) -> Iterable[dict[str, Any]]:
    # Both channels when both are known: the e-mail carries the details and the calendar,
    # the SMS reaches people who booked by phone through the service center.
    contacts = (("email", booking.applicant_email), ("sms", booking.applicant_phone))
    for channel, recipient in contacts:
        if recipient:
            yield _row(
                booking,
                kind=kind,
                audience="applicant",
                channel=channel,
                recipient=recipient,
                due_at=now,
                now=now,
            )


def _officer_notice(
    booking: BookingFields, officer_id: int, email: str | None, kind: str, now: datetime
) -> list[dict[str, Any]]:
    if not email:
        return []
    return [
        _row(
            booking,
            kind=kind,
            audience="officer",
            channel="email",
            recipient=email,
            due_at=now,
            now=now,
            officer_id=officer_id,
            key_suffix=f":officer{officer_id}",
        )
    ]


def _caldav_source_id(officer_id: int) -> int | None:
    """The id of the officer's CalDAV calendar source, if they have one."""
    return db.session.scalar(
        select(CalendarSource.id).where(
            CalendarSource.officer_id == officer_id, CalendarSource.kind == "caldav"
        )
    )


def _calendar_write(
    booking: BookingFields, officer_id: int, kind: str, now: datetime
) -> list[dict[str, Any]]:
    """The booking's PUT (confirmation, rescheduled) or DELETE (cancelled) for the officer's
    CalDAV calendar, when they have one; `recipient` is the calendar source's id."""
    return _calendar_row(booking, officer_id, _caldav_source_id(officer_id), kind, now)


def _calendar_row(
    booking: BookingFields, officer_id: int, source_id: int | None, kind: str, now: datetime
) -> list[dict[str, Any]]:
    if source_id is None:
        return []
    return [
        _row(
            booking,
            kind=kind,
            audience="officer",
            channel="caldav",
            recipient=str(source_id),
            due_at=now,
            now=now,
            officer_id=officer_id,
            key_suffix=f":officer{officer_id}",
        )
    ]


def _meeting_type_policy(booking: Booking) -> list[Reminder]:
    # The same cached policy the booking path uses: no query for a move either.
    return policy_of(current_config().meeting_types_by_id[booking.meeting_type_id].reminders)


def _reminders(
    booking: BookingFields, policy: Sequence[Reminder], now: datetime
) -> list[dict[str, Any]]:
    contacts = {"email": booking.applicant_email, "sms": booking.applicant_phone}
    rows = []
    for reminder in policy:
        recipient = contacts[reminder.channel]
        # Exact elapsed time: "24 h before" is 24 real hours, also across a DST change.
        due_at = booking.start_at - timedelta(minutes=reminder.minutes_before)
        # A reminder whose moment has passed already would only arrive late: not made.
        if recipient and due_at > now:
            rows.append(
                _row(
                    booking,
                    kind="reminder",
                    audience="applicant",
                    channel=reminder.channel,
                    recipient=recipient,
                    due_at=due_at,
                    now=now,
                    minutes_before=reminder.minutes_before,
                    key_suffix=f":{reminder.minutes_before}m",
                )
            )
    return rows


def _supersede(booking: Booking, reason: str, now: datetime) -> None:
    db.session.execute(
        update(Notification)
        .where(
            Notification.booking_id == booking.id,
            Notification.status.in_(UNSENT),
            Notification.booking_version < booking.sequence,
            # A cancellation notice stays true whatever happens next (an officer whose
            # meeting moved to a colleague must hear of it even if it moves again).
            Notification.kind != "cancelled",
        )
        .values(status="superseded", skip_reason=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _add(rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    # Core executemany of one cached statement on the session's connection: the ORM's unit of
    # work would track each object and the request never reads them back; and no table here is
    # configuration, so the session's cache-invalidation events have nothing to see.
    db.session.connection().execute(_INSERT, rows)


_INSERT = insert(Notification.__table__)
_INSERTED_COLUMNS = tuple(c.key for c in Notification.__table__.columns if c.key != "id")
# PostgreSQL: outbox rows from one JSON parameter (`rows_parameter`), so that a booking's insert
# can carry its messages in the same statement, whatever their number.
_FROM_JSON = (
    func.json_to_recordset(cast(bindparam("outbox_rows", type_=Text()), JSON))
    .table_valued(*(column(c.key, c.type) for c in Notification.__table__.columns if c.key != "id"))
    .render_derived(name="queued", with_types=True)
)
INSERT_FROM_JSON = insert(Notification.__table__).from_select(
    list(_INSERTED_COLUMNS), select(*(_FROM_JSON.c[key] for key in _INSERTED_COLUMNS))
)
# Every column a row does not set is NULL (a Core executemany wants the same keys in each row).
_UNSET: dict[str, Any] = dict.fromkeys(_INSERTED_COLUMNS)
