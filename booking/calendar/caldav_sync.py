"""Write-back: each booking as an event in the officer's CalDAV calendar (RFC 4791).

The outbox carries the writes (channel `caldav`): a PUT of the booking's current state when it
is made, moved or lands with this officer, a DELETE when it is cancelled or leaves them. The
resource name is derived from the booking's UID, so every write of one booking addresses the
same resource, and the UID is the one of its invitations and feeds.

What is written is the booking's PUBLISH event (no attendees, so no CalDAV scheduling server
sends invitations for it) without METHOD, which a calendar object resource must not carry
(RFC 4791 §4.1), and without ORGANIZER (it is the officer's own entry), marked with
`X-RADGIVNINGSBOKNING-BOOKING` so the import recognises it (as it does the UID) and does not
count it as busy time a second time. The event holds the meeting type, the time, the mode and
the booking's reference and address, and no personal data of the applicant: the calendar is
often a third party's service.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from caldav import DAVClient
from caldav.lib import error as caldav_error
from icalendar import Calendar

from booking.bookings.invites import invite_event
from booking.bookings.models import Booking
from booking.calendar.ics import build_calendar
from booking.fields import office_zone
from booking.notifications.messages import PermanentSendError, TransientSendError

__all__ = [
    "OWN_EVENT_PROPERTY",
    "CaldavWriter",
    "CalendarWrite",
    "calendar_object",
    "object_url",
]

OWN_EVENT_PROPERTY = "X-RADGIVNINGSBOKNING-BOOKING"
# Client errors that are worth another try (RFC 9110: request timeout, too many requests).
_TRANSIENT_CLIENT_ERRORS = (408, 429)


@dataclass(frozen=True, slots=True)
class CalendarWrite:
    """One write to a CalDAV calendar: PUT `data` at `url`, or DELETE it when `data` is None."""

    url: str
    username: str | None
    password: str | None
    data: bytes | None
    uid: str

    @property
    def method(self) -> str:
        """PUT or DELETE."""
        return "DELETE" if self.data is None else "PUT"

    @property
    def summary(self) -> str:
        """What was done, for the outbox row: method and UID (the URL may name the account)."""
        return f"{self.method} {self.uid}"


def calendar_object(booking: Booking) -> bytes:
    """The booking as a CalDAV calendar object resource: one VEVENT, no METHOD, no ORGANIZER."""
    data = build_calendar(events=[invite_event(booking)], method="PUBLISH", zone=office_zone())
    calendar = Calendar.from_ical(data)
    del calendar["METHOD"]
    for event in calendar.walk("VEVENT"):
        event.pop("ORGANIZER", None)
        event.add(OWN_EVENT_PROPERTY, booking.reference)
    serialized: bytes = calendar.to_ical()
    return serialized


def object_url(collection_url: str, uid: str) -> str:
    """The address of the booking's resource inside the calendar collection."""
    parts = urlsplit(collection_url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit(
        (parts.scheme, parts.netloc, path + quote(uid, safe="") + ".ics", parts.query, "")
    )


class CaldavWriter:
    """Sends calendar writes, keeping one client (and its connections) per calendar account.

    Not thread-safe: the dispatcher gives each sending thread its own senders.
    """

    def __init__(self, timeout: float = 20) -> None:
        self.timeout = timeout
        self._clients: dict[tuple[str, str | None, str | None], DAVClient] = {}

    def send(self, write: CalendarWrite) -> None:
        """Make the write; PermanentSendError on a 4xx refusal, TransientSendError otherwise."""
        client = self._client(write)
        try:
            if write.data is None:
                response = client.delete(write.url)
            else:
                response = client.put(
                    write.url,
                    write.data.decode("utf-8"),
                    {"Content-Type": "text/calendar; charset=utf-8"},
                )
        except caldav_error.AuthorizationError as exc:
            raise PermanentSendError(
                "the CalDAV server refused the user or password (HTTP 401/403)"
            ) from exc
        except caldav_error.RateLimitError as exc:
            raise TransientSendError("the CalDAV server asks to wait (HTTP 429/503)") from exc
        except (caldav_error.DAVError, OSError) as exc:
            # Only the type: library messages quote the URL, which may name the account.
            raise TransientSendError(
                f"the CalDAV server is unreachable ({type(exc).__name__})"
            ) from exc
        status = int(response.status)
        if 200 <= status < 300 or (write.data is None and status in (404, 410)):
            return  # a DELETE of what is gone already has done its job
        error = f"the CalDAV server answered {write.method} with HTTP {status}"
        if 400 <= status < 500 and status not in _TRANSIENT_CLIENT_ERRORS:
            raise PermanentSendError(error)
        raise TransientSendError(error)

    def close(self) -> None:
        """Close every client's connections."""
        clients, self._clients = self._clients, {}
        for client in clients.values():
            client.close()

    def _client(self, write: CalendarWrite) -> DAVClient:
        parts = urlsplit(write.url)
        key = (f"{parts.scheme}://{parts.netloc}", write.username, write.password)
        client = self._clients.get(key)
        if client is None:
            client = DAVClient(
                url=key[0] + "/",
                username=write.username,
                password=write.password,
                timeout=self.timeout,
                enable_rfc6764=False,
            )
            self._clients[key] = client
        return client
