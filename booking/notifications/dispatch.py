"""The dispatcher: claim due outbox rows atomically, send each once, record what happened.

Correctness lives in the database, not in the scheduler: a claim is one conditional UPDATE
(PostgreSQL: over rows picked `FOR UPDATE SKIP LOCKED`; SQLite: inside `BEGIN IMMEDIATE`),
so two workers never hold the same row, and each row is marked only by the claim that holds
it (`claim_token`). A worker that dies after claiming leaves rows in `sending`; their lease
(`next_attempt_at`) runs out and any worker takes them again.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.orm import joinedload, selectinload

from booking.bookings.invites import booking_uid, cancel_for_officer, current_invite
from booking.bookings.links import manage_token_for, manage_url
from booking.bookings.models import Booking
from booking.calendar.caldav_sync import CaldavWriter, CalendarWrite, calendar_object, object_url
from booking.calendar.credentials import CredentialError, decrypt_password
from booking.calendar.models import CalendarSource
from booking.callbacks.models import Callback
from booking.core.backoff import retry_delay
from booking.db import write_intent
from booking.extensions import db
from booking.fields import office_zone
from booking.notifications.callbacks import booking_link
from booking.notifications.email import build_email
from booking.notifications.messages import BookingFacts, CalendarPart, RenderedEmail, SendError
from booking.notifications.models import CLAIMABLE, Notification
from booking.notifications.render import (
    CallbackFacts,
    SurveyFacts,
    render_callback_email,
    render_callback_sms,
    render_email,
    render_sms,
    render_survey_email,
    render_survey_sms,
)
from booking.notifications.senders import (
    EmailSender,
    SmsSender,
    make_email_sender,
    make_sms_sender,
)
from booking.notifications.sms_cap import sms_budget
from booking.surveys.models import SurveyInvitation
from booking.surveys.service import survey_token_for, survey_url

log = logging.getLogger(__name__)
_jitter = random.Random()

DEPARTMENT_NAME = "Bygglovsavdelningen"


@dataclass
class DispatchReport:
    """What one dispatch run did, by outcome."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    superseded: int = 0
    expired: int = 0
    released: int = 0
    lost: int = 0

    def add(self, other: DispatchReport) -> None:
        """Add another run's counts to these."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """A claimed row made ready to send, in plain values (no ORM object outlives the read)."""

    id: int
    channel: str
    recipient: str
    attempts: int
    message_id: str
    facts: BookingFacts | None
    calendar: CalendarPart | None
    skip: tuple[str, str] | None  # (status, reason) instead of sending
    # The manage token inside the message: sent, but never stored with the kept copy.
    secret: str | None = None
    # Channel caldav: the calendar write to make instead of a message.
    write: CalendarWrite | None = None
    # A message about a call-back (instead of `facts`).
    callback: CallbackFacts | None = None
    # The survey invitation (instead of `facts`); its token is the `secret`.
    survey: SurveyFacts | None = None


@dataclass
class Senders:
    """The senders of one dispatch run (connections kept open across messages).

    E-mail and SMS as configured; calendar writes go to each officer's own CalDAV server.
    """

    email: EmailSender
    sms: SmsSender
    caldav: CaldavWriter = field(default_factory=CaldavWriter)

    @classmethod
    def from_config(cls, config: Any) -> Senders:
        """Build the senders the configuration names."""
        return cls(
            email=make_email_sender(config),
            sms=make_sms_sender(config),
            caldav=CaldavWriter(timeout=float(config["BOOKING_CALENDAR_TIMEOUT_SECONDS"])),
        )

    def close(self) -> None:
        """Close the senders' connections."""
        for sender in (self.email, self.sms, self.caldav):
            try:
                sender.close()
            except Exception:  # a failing close must not hide what was sent
                log.warning("closing a sender failed", exc_info=True)


def claim_due(*, now: datetime, limit: int, lease: timedelta) -> tuple[str, list[int]]:
    """Claim up to `limit` due rows for this worker and commit; return the claim token and ids."""
    token = uuid.uuid4().hex
    due = (
        select(Notification.id)
        .where(Notification.status.in_(CLAIMABLE), Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
        # PostgreSQL: rows another worker is claiming right now are skipped, not waited for.
        # SQLite ignores this; its BEGIN IMMEDIATE already lets one claimer in at a time.
        .with_for_update(skip_locked=True)
    )
    with write_intent():
        ids = list(
            db.session.scalars(
                update(Notification)
                .where(Notification.id.in_(due.scalar_subquery()))
                .values(
                    status="sending",
                    claim_token=token,
                    attempts=Notification.attempts + 1,
                    next_attempt_at=now + lease,
                    updated_at=now,
                )
                .returning(Notification.id)
                .execution_options(synchronize_session=False)
            )
        )
        db.session.commit()
    return token, sorted(ids)


class _Lanes:
    """Per-thread senders and database connection: each sending thread has its own of both."""

    def __init__(self, *, engine: Engine, config: Any, senders: Senders | None) -> None:
        self._engine = engine
        self._config = config
        self._given = senders
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[tuple[Senders, Connection]] = []

    def get(self) -> tuple[Senders, Connection]:
        """This thread's senders and connection, made on first use."""
        lane: tuple[Senders, Connection] | None = getattr(self._local, "lane", None)
        if lane is None:
            senders = self._given or Senders.from_config(self._config)
            lane = (senders, _outcome_connection(self._engine))
            self._local.lane = lane
            with self._lock:
                self._opened.append(lane)
        return lane

    def close(self) -> None:
        """Close every thread's senders (unless given) and connection."""
        with self._lock:
            opened, self._opened = self._opened, []
        for senders, connection in opened:
            if self._given is None:
                senders.close()
            connection.close()


def dispatch_due(
    *,
    now_fn: Callable[[], datetime],
    senders: Senders | None = None,
    max_batches: int = 1000,
    should_stop: Callable[[], bool] = lambda: False,
) -> DispatchReport:
    """Send everything due, batch by batch, until nothing is due (or `max_batches`).

    A batch's messages are sent by `BOOKING_DISPATCH_THREADS` threads, each with its own SMTP
    connection, HTTP session and database connection: sending is mostly waiting for the
    other side, so a few threads keep one worker process busy. Given `senders`, one thread.
    Once `should_stop()` is true (the worker got SIGTERM), messages being sent are finished,
    the rest of the claim is released (due at once, no attempt counted) and no more is claimed.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    threads = 1 if senders is not None else max(1, int(config["BOOKING_DISPATCH_THREADS"]))
    lanes = _Lanes(engine=db.engine, config=config, senders=senders)
    report = DispatchReport()
    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dispatch") as pool:
            for _ in range(max_batches):
                if should_stop():
                    break
                batch = _dispatch_batch(
                    now_fn=now_fn, lanes=lanes, pool=pool, app=app, should_stop=should_stop
                )
                report.add(batch)
                if batch.claimed < int(config["BOOKING_DISPATCH_BATCH"]):
                    break
    finally:
        lanes.close()
        db.session.remove()
    return report


def _dispatch_batch(
    *,
    now_fn: Callable[[], datetime],
    lanes: _Lanes,
    pool: ThreadPoolExecutor,
    app: Flask,
    should_stop: Callable[[], bool],
) -> DispatchReport:
    config = app.config
    report = DispatchReport()
    lease = timedelta(seconds=int(config["BOOKING_NOTIFY_LEASE_SECONDS"]))
    claimed_at = now_fn()
    token, ids = claim_due(now=claimed_at, limit=int(config["BOOKING_DISPATCH_BATCH"]), lease=lease)
    report.claimed = len(ids)
    if not ids:
        return report
    items = _prepare(ids, now=claimed_at, config=config)
    # Stop sending well before the lease runs out: past it another worker may take the row.
    deadline = claimed_at + lease / 2

    def handle(item: _Outgoing) -> str:
        with app.app_context():  # the clock and the senders may read the configuration
            return handle_in_context(item)

    def handle_in_context(item: _Outgoing) -> str:
        senders, connection = lanes.get()
        now = now_fn()
        try:
            # Past half the lease another worker may take the row; a stopping worker gives
            # back what it has not started so that another sends it now, not after the lease.
            if now >= deadline or should_stop():
                return (
                    "released"
                    if _release([item.id], token=token, now=now, connection=connection)
                    else "lost"
                )
            return _deliver(
                item, token=token, senders=senders, now=now, config=config, connection=connection
            )
        except Exception:
            # One bad row must not stop the batch; it stays claimed and is retried after the
            # lease, counting an attempt each time, so a poison message ends up `dead`.
            log.exception("dispatching notification %s failed unexpectedly", item.id)
            if connection.in_transaction():
                connection.rollback()
            return "lost"

    for outcome in pool.map(handle, items):
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _prepare(ids: Sequence[int], *, now: datetime, config: Any) -> list[_Outgoing]:
    """Read the claimed rows with their bookings once, and decide what each one needs."""
    query = (
        select(Notification)
        .where(Notification.id.in_(ids))
        .options(
            joinedload(Notification.officer),
            joinedload(Notification.booking).options(
                joinedload(Booking.meeting_type),
                joinedload(Booking.team),
                joinedload(Booking.officer),
            ),
            joinedload(Notification.callback).options(
                joinedload(Callback.team),
                joinedload(Callback.officer),
                selectinload(Callback.attempts),
            ),
        )
        .order_by(Notification.id)
    )
    items = []
    host = urlsplit(config["BOOKING_PUBLIC_URL"]).hostname or "booking"
    rows = list(db.session.scalars(query).unique())
    budget = sms_budget(
        recipients=(r.recipient for r in rows if r.channel == "sms" and r.audience == "applicant"),
        now=now,
        cap=int(config["BOOKING_SMS_DAILY_CAP"]),
        claimed=ids,
    )
    for row in rows:
        skip = stale_reason(row, now=now)
        if skip is None and row.attempts > int(config["BOOKING_NOTIFY_MAX_ATTEMPTS"]):
            skip = ("dead", f"gave up after {row.attempts - 1} attempts")
        if skip is None and row.channel == "sms" and row.audience == "applicant":
            # SMS pumping: numbers are the applicant's to choose, so each has a daily budget.
            capped = budget.take(row.recipient, row.id)
            if capped is not None:
                skip = ("dead", capped)
        facts = calendar = secret = write = callback = survey = None
        recipient = row.recipient
        if skip is None and row.callback is not None:
            callback = _callback_facts(row, row.callback, now=now, config=config)
            if row.audience == "officer":
                # A reassigned call-back: its reminders go to whoever holds it now.
                recipient = row.callback.officer.email
        elif skip is None and row.booking is not None and row.kind == "survey":
            survey, secret, skip = _survey_facts(row.booking, now=now, config=config)
        elif skip is None and row.booking is not None and row.channel == "caldav":
            write, skip = _calendar_write(row, row.booking, config=config)
        elif skip is None and row.booking is not None:
            facts, secret = _facts(row, row.booking, config=config)
            calendar = _calendar(row, row.booking, facts.manage_url)
        digest = hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:24]
        items.append(
            _Outgoing(
                id=row.id,
                channel=row.channel,
                recipient=recipient,
                attempts=row.attempts,
                # The same for every attempt at this row: a receiver can drop a resend.
                message_id=f"<{digest}.{row.id}@{host}>",
                facts=facts,
                calendar=calendar,
                skip=skip,
                secret=secret,
                write=write,
                callback=callback,
                survey=survey,
            )
        )
    db.session.rollback()
    return items


def stale_reason(row: Notification, *, now: datetime) -> tuple[str, str] | None:
    """Why this message must not be sent now, as (status, reason), or None to send it."""
    booking = row.booking
    if booking is None:
        # A row names a booking or a call-back: the call-back's rules are its own.
        if row.callback is not None:
            return _callback_stale_reason(row, row.callback, now=now)
        return ("superseded", "the booking no longer exists")
    if row.kind == "survey":
        # Asked after the meeting, so neither a change of time nor its end makes it stale.
        if booking.status != "confirmed":
            return ("superseded", "the booking was cancelled")
        if booking.outcome == "no_show":
            return ("superseded", "the applicant did not come")
        return None
    if row.channel == "caldav" and row.kind == "cancelled":
        # A calendar DELETE keeps the officer's calendar true whenever it runs, so it never
        # expires; it is moot only once the booking is back with this officer, whose newer
        # PUT then owns the event.
        if booking.status == "confirmed" and booking.officer_id == row.officer_id:
            return ("superseded", "the booking is back in this officer's calendar")
        return None
    if row.kind == "cancelled":
        # The last word on a booking: true whatever changed since, pointless once it is over.
        if now >= booking.end_at:
            return ("expired", "the meeting's time has passed")
        return None
    if booking.status != "confirmed":
        return ("superseded", "the booking was cancelled")
    if booking.sequence != row.booking_version:
        return ("superseded", "the booking was changed")
    if row.audience == "officer" and row.officer_id != booking.officer_id:
        return ("superseded", "the booking moved to another officer")
    if row.kind == "reminder" and now >= booking.start_at:
        return ("expired", "the meeting has already begun")
    if now >= booking.end_at:
        return ("expired", "the meeting's time has passed")
    return None


def _callback_stale_reason(
    row: Notification, callback: Callback, *, now: datetime
) -> tuple[str, str] | None:
    """Why a call-back's message must not be sent now, re-read from the call-back."""
    if row.kind == "callback_unreachable":
        # The last word on a call-back, true whatever happens after it.
        return None
    if not callback.is_pending:
        return ("superseded", f"the call-back is already {callback.status}")
    if row.kind == "callback_overdue":
        # The alarm stays true while nobody has reached the applicant, however late it goes.
        return None
    if now >= callback.window_end_at:
        # "We will call between 13:00 and 15:00" at 15:05, or "call soon" once it is overdue:
        # the team's escalation has taken over.
        return ("expired", "the call-back's window has ended")
    return None


def _callback_facts(
    row: Notification, callback: Callback, *, now: datetime, config: Any
) -> CallbackFacts:
    return CallbackFacts(
        kind=row.kind,
        language=row.language if row.language in ("sv", "en") else "sv",
        callback_id=callback.id,
        topic=callback.topic,
        note=callback.note,
        team_name=callback.team.name,
        officer_name=callback.officer.name,
        applicant_name=callback.applicant_name,
        applicant_phone=callback.applicant_phone,
        window_start_at=callback.window_start_at,
        window_end_at=callback.window_end_at,
        attempts=len(callback.attempts),
        zone=office_zone(),
        now=now,
        department_name=DEPARTMENT_NAME,
        booking_url=booking_link(public_url=config["BOOKING_PUBLIC_URL"]),
    )


def _survey_facts(
    booking: Booking, *, now: datetime, config: Any
) -> tuple[SurveyFacts | None, str | None, tuple[str, str] | None]:
    """The invitation's facts and token, or why it is not sent (no invitation, or expired)."""
    query = select(SurveyInvitation).where(SurveyInvitation.booking_id == booking.id)
    invitation = db.session.scalars(query).one_or_none()
    if invitation is None:
        return None, None, ("superseded", "the survey invitation no longer exists")
    if invitation.used_at is not None or now >= invitation.expires_at:
        return None, None, ("expired", "the survey link is used or expired")
    token = survey_token_for(secret_key=config["SECRET_KEY"], invitation_id=invitation.id)
    facts = SurveyFacts(
        language=booking.language if booking.language in ("sv", "en") else "sv",
        applicant_name=booking.applicant_name,
        meeting_start_at=booking.start_at,
        zone=office_zone(),
        department_name=DEPARTMENT_NAME,
        survey_url=survey_url(public_url=config["BOOKING_PUBLIC_URL"], token=token),
        link_expires_at=invitation.expires_at,
    )
    return facts, token, None


def _facts(row: Notification, booking: Booking, *, config: Any) -> tuple[BookingFacts, str | None]:
    officer = row.officer if row.audience == "officer" and row.officer else booking.officer
    url = token = None
    if row.audience == "applicant":
        token = manage_token_for(secret_key=config["SECRET_KEY"], reference=booking.reference)
        url = manage_url(
            public_url=config["BOOKING_PUBLIC_URL"],
            reference=booking.reference,
            token=token,
            language=booking.language,
        )
    facts = BookingFacts(
        kind=row.kind,
        audience=row.audience,
        language=row.language if row.language in ("sv", "en") else "sv",
        reference=booking.reference,
        meeting_type_name=booking.meeting_type.name,
        team_name=booking.team.name,
        start_at=booking.start_at,
        end_at=booking.end_at,
        zone=office_zone(),
        mode=booking.mode,
        applicant_name=booking.applicant_name,
        applicant_phone=booking.applicant_phone,
        officer_name=officer.name,
        department_name=DEPARTMENT_NAME,
        manage_url=url,
        cancel_reason=booking.cancel_reason if row.kind == "cancelled" else None,
    )
    return facts, token


def _calendar_write(
    row: Notification, booking: Booking, *, config: Any
) -> tuple[CalendarWrite | None, tuple[str, str] | None]:
    """The PUT or DELETE a caldav row stands for, or why it cannot be made (as a skip)."""
    source = db.session.get(CalendarSource, int(row.recipient))
    # Same id, other officer: SQLite may reuse the id of a removed source.
    if source is None or source.kind != "caldav" or source.officer_id != row.officer_id:
        return None, ("superseded", "the officer no longer has this CalDAV calendar")
    password = None
    if source.password_ciphertext is not None:
        try:
            password = decrypt_password(source.password_ciphertext, config=config)
        except CredentialError as exc:
            return None, ("dead", str(exc))
    uid = booking_uid(reference=booking.reference, public_url=config["BOOKING_PUBLIC_URL"])
    try:
        data = None if row.kind == "cancelled" else calendar_object(booking)
    except ValueError as exc:
        # As for a message that cannot be rendered: retrying cannot help, a person can.
        return None, ("dead", f"cannot build the calendar event: {exc}"[:500])
    return CalendarWrite(object_url(source.url, uid), source.username, password, data, uid), None


def _calendar(row: Notification, booking: Booking, manage_link: str | None) -> CalendarPart | None:
    """The iMIP part of a notice e-mail: the applicant's or officer's copy of the invitation."""
    if row.channel != "email" or row.kind == "reminder":
        return None
    if row.kind == "cancelled" and booking.status == "confirmed":
        # An officer the booking moved away from: a CANCEL addressed to them alone.
        if row.officer is None:
            return None
        return CalendarPart(data=cancel_for_officer(booking, row.officer), method="CANCEL")
    data, method = current_invite(booking, manage_link=manage_link)
    return CalendarPart(data=data, method=method)


def _deliver(
    item: _Outgoing,
    *,
    token: str,
    senders: Senders,
    now: datetime,
    config: Any,
    connection: Connection,
) -> str:
    """Send one prepared row (or record why not) and commit; return the outcome's name."""

    def record(status: str, **values: Any) -> str:
        marked = _mark(item.id, token, now=now, connection=connection, status=status, **values)
        return status if marked else "lost"

    if item.skip is not None:
        status, reason = item.skip
        if status == "dead":
            return record("dead", last_error=reason)
        return record(status, skip_reason=reason)
    if item.write is not None:
        try:
            senders.caldav.send(item.write)
        except SendError as exc:
            return _failed(exc, item, record=record, now=now, config=config)
        return record("sent", sent_at=now, subject=item.write.summary[:300], last_error=None)
    subject: str | None
    message: EmailMessage | None = None
    try:
        if item.channel == "email":
            rendered = _render_email(item)
            subject, text = rendered.subject, rendered.text
            message = build_email(
                sender=config["BOOKING_MAIL_FROM"],
                sender_name=DEPARTMENT_NAME,
                to=item.recipient,
                rendered=rendered,
                message_id=item.message_id,
                calendar=item.calendar,
                date=now,
            )
        else:
            subject, text = None, _render_sms(item)
    except ValueError as exc:
        # The message cannot be made from this booking's data: retrying cannot help, a person can.
        return record("dead", last_error=f"cannot render the message: {exc}"[:500])
    try:
        if message is not None:
            senders.email.send(message)
        else:
            senders.sms.send(to=item.recipient, text=text)
    except SendError as exc:
        return _failed(exc, item, record=record, now=now, config=config)
    # The copy kept for staff leaves out the manage token the message carried.
    kept = text.replace(item.secret, "[token]") if item.secret else text
    return record("sent", sent_at=now, subject=subject, body=kept, last_error=None)


def _render_email(item: _Outgoing) -> RenderedEmail:
    if item.callback is not None:
        return render_callback_email(item.callback)
    if item.survey is not None:
        return render_survey_email(item.survey)
    assert item.facts is not None
    return render_email(item.facts)


def _render_sms(item: _Outgoing) -> str:
    if item.callback is not None:
        return render_callback_sms(item.callback)
    if item.survey is not None:
        return render_survey_sms(item.survey)
    assert item.facts is not None
    return render_sms(item.facts)


def _failed(
    exc: SendError,
    item: _Outgoing,
    *,
    record: Callable[..., str],
    now: datetime,
    config: Any,
) -> str:
    """Record a failed send: dead when permanent or out of attempts, else retried later."""
    error = f"{type(exc).__name__}: {exc}"[:500]
    if exc.permanent or item.attempts >= int(config["BOOKING_NOTIFY_MAX_ATTEMPTS"]):
        return record("dead", last_error=error)
    delay = retry_delay(
        attempt=item.attempts,
        base_seconds=float(config["BOOKING_NOTIFY_RETRY_SECONDS"]),
        cap_seconds=float(config["BOOKING_NOTIFY_RETRY_CAP_SECONDS"]),
        rng=_jitter,
    )
    return record("failed", last_error=error, next_attempt_at=now + delay)


def _outcome_connection(engine: Engine) -> Connection:
    """A connection for recording outcomes, kept for a whole run (one pool checkout)."""
    connection = engine.connect()
    if connection.dialect.name == "postgresql":
        # Each outcome is one UPDATE: in autocommit it is one round trip instead of three
        # (BEGIN, UPDATE, COMMIT), and a single statement is atomic by itself.
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection


def _execute_outcome(connection: Connection, statement: Any) -> int:
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        rowcount = connection.execute(statement).rowcount
        connection.commit()
        return int(rowcount)
    with write_intent(), connection.begin():  # SQLite: BEGIN IMMEDIATE … COMMIT
        return int(connection.execute(statement).rowcount)


def _mark(
    notification_id: int,
    token: str,
    *,
    now: datetime,
    connection: Connection | None = None,
    **values: Any,
) -> bool:
    """Record the outcome, only if this claim still holds the row; committed at once."""
    if connection is None:
        with _outcome_connection(db.engine) as own:
            return _mark(notification_id, token, now=now, connection=own, **values)
    table = Notification.__table__
    # A Core statement: this runs once per message, and the ORM's bulk-update machinery
    # would cost more than the round trip itself.
    rowcount = _execute_outcome(
        connection,
        update(table)
        .where(table.c.id == notification_id, table.c.claim_token == token)
        .values(claim_token=None, updated_at=now, **values),
    )
    if rowcount != 1:
        log.warning(
            "notification %s: the claim ran out before its outcome was recorded", notification_id
        )
        return False
    return True


def _release(ids: Sequence[int], *, token: str, now: datetime, connection: Connection) -> int:
    """Give back rows this claim will not get to, without counting an attempt."""
    table = Notification.__table__
    return _execute_outcome(
        connection,
        update(table)
        .where(table.c.id.in_(ids), table.c.claim_token == token)
        .values(
            status="pending",
            claim_token=None,
            attempts=table.c.attempts - 1,
            next_attempt_at=now,
            updated_at=now,
        ),
    )
