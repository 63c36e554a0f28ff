"""Write a booking change's messages to the outbox, in the transaction that makes the change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, select, update

from booking.bookings.models import Booking
from booking.calendar.models import CalendarSource
from booking.extensions import db
from booking.notifications.models import UNSENT, Notification
from booking.officers.models import Officer
from booking.teams.models import MeetingType


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


def reminder_policy(meeting_type: MeetingType) -> list[Reminder]:
    """The meeting type's reminders, or the service's default when it sets none."""
    if meeting_type.reminders is None:
        return parse_policy(current_app.config["BOOKING_REMINDERS"])
    return [
        Reminder(str(r["channel"]), int(str(r["minutes_before"]))) for r in meeting_type.reminders
    ]


def notify_booked(*, booking: Booking, now: datetime) -> None:
    """Queue the confirmation (applicant and officer) and the reminders of a new booking."""
    officer = _officer(booking.officer_id)
    rows = [*_applicant_notices(booking, "confirmation", now)]
    rows += _officer_notice(booking, officer, "confirmation", now)
    rows += _calendar_write(booking, officer.id, "confirmation", now)
    rows += _reminders(booking, now)
    _add(rows)


def notify_moved(*, booking: Booking, previous_officer_id: int, now: datetime) -> None:
    """Supersede what was queued for the old time; queue the notices and the new reminders."""
    _supersede(booking, "the booking was moved", now)
    rows = [*_applicant_notices(booking, "rescheduled", now)]
    officer = _officer(booking.officer_id)
    if booking.officer_id == previous_officer_id:
        rows += _officer_notice(booking, officer, "rescheduled", now)
        rows += _calendar_write(booking, officer.id, "rescheduled", now)
    else:
        # The meeting leaves one officer's calendar and lands in another's.
        rows += _officer_notice(booking, _officer(previous_officer_id), "cancelled", now)
        rows += _officer_notice(booking, officer, "confirmation", now)
        rows += _calendar_write(booking, previous_officer_id, "cancelled", now)
        rows += _calendar_write(booking, officer.id, "confirmation", now)
    rows += _reminders(booking, now)
    _add(rows)


def notify_cancelled(*, booking: Booking, now: datetime) -> None:
    """Supersede the booking's unsent messages and queue the cancellation notices."""
    _supersede(booking, "the booking was cancelled", now)
    rows = [*_applicant_notices(booking, "cancelled", now)]
    rows += _officer_notice(booking, _officer(booking.officer_id), "cancelled", now)
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


def _key(booking: Booking, kind: str, audience: str, channel: str, suffix: str = "") -> str:
    return f"booking:{booking.id}:v{booking.sequence}:{kind}:{audience}:{channel}{suffix}"


def _row(
    booking: Booking,
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
) -> Notification:
    return Notification(
        idempotency_key=_key(booking, kind, audience, channel, key_suffix),
        kind=kind,
        channel=channel,
        audience=audience,
        booking_id=booking.id,
        booking_version=booking.sequence,
        officer_id=officer_id,
        recipient=recipient,
        language=booking.language,
        minutes_before=minutes_before,
        due_at=due_at,
        next_attempt_at=due_at,
        status="pending",
        attempts=0,
        created_at=now,
        updated_at=now,
    )


def _applicant_notices(booking: Booking, kind: str, now: datetime) -> Iterable[Notification]:
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
    booking: Booking, officer: Officer, kind: str, now: datetime
) -> list[Notification]:
    if not officer.email:
        return []
    return [
        _row(
            booking,
            kind=kind,
            audience="officer",
            channel="email",
            recipient=officer.email,
            due_at=now,
            now=now,
            officer_id=officer.id,
            key_suffix=f":officer{officer.id}",
        )
    ]


def _calendar_write(
    booking: Booking, officer_id: int, kind: str, now: datetime
) -> list[Notification]:
    """The booking's PUT (confirmation, rescheduled) or DELETE (cancelled) for the officer's
    CalDAV calendar, when they have one; `recipient` is the calendar source's id."""
    source_id = db.session.scalar(
        select(CalendarSource.id).where(
            CalendarSource.officer_id == officer_id, CalendarSource.kind == "caldav"
        )
    )
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


def _reminders(booking: Booking, now: datetime) -> list[Notification]:
    meeting_type = db.session.get(MeetingType, booking.meeting_type_id)
    assert meeting_type is not None
    contacts = {"email": booking.applicant_email, "sms": booking.applicant_phone}
    rows = []
    for reminder in reminder_policy(meeting_type):
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


def _add(rows: Sequence[Notification]) -> None:
    if not rows:
        return
    # Core executemany of one cached statement: the ORM's unit of work would track each object,
    # and the request never reads them back.
    table = Notification.__table__
    db.session.execute(
        insert(table), [{k: getattr(r, k) for k in _INSERTED_COLUMNS} for r in rows]
    )


_INSERTED_COLUMNS = tuple(c.key for c in Notification.__table__.columns if c.key != "id")
