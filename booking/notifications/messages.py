"""The plain values messages are made from and made into: the seam between outbox and senders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

KINDS = ("confirmation", "rescheduled", "cancelled", "reminder")
CHANNELS = ("email", "sms")
AUDIENCES = ("applicant", "officer")
LANGUAGES = ("sv", "en")


@dataclass(frozen=True, slots=True)
class BookingFacts:
    """Everything a booking message says, as plain values: rendering never reads the database."""

    kind: str  # one of KINDS
    audience: str  # one of AUDIENCES
    language: str  # one of LANGUAGES
    reference: str
    meeting_type_name: str
    team_name: str
    start_at: datetime  # aware
    end_at: datetime  # aware
    zone: ZoneInfo  # the office's zone: times are shown in it
    mode: str  # phone | video | in_person
    applicant_name: str
    applicant_phone: str | None
    officer_name: str
    department_name: str
    # The applicant's manage link (None in messages to the officer).
    manage_url: str | None
    # For `rescheduled`: where the meeting was before.
    previous_start_at: datetime | None = None
    cancel_reason: str | None = None


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    """An e-mail's subject and bodies, rendered in the recipient's language."""

    subject: str
    text: str
    html: str
    # Sent as Content-Language, so mail clients and screen readers pick the right voice.
    language: str = "sv"


@dataclass(frozen=True, slots=True)
class CalendarPart:
    """An iCalendar object to send with an e-mail (iMIP, RFC 6047)."""

    data: bytes
    method: str  # REQUEST | CANCEL, equal to the METHOD inside `data`


class SendError(Exception):
    """A message could not be handed over; `permanent` says whether retrying can help."""

    permanent = False


class PermanentSendError(SendError):
    """The recipient or message was refused for good (invalid number, rejected address)."""

    permanent = True


class TransientSendError(SendError):
    """A temporary failure (server down, 4xx SMTP reply, gateway 5xx): retry later."""
