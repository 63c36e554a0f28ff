"""A real HTTP server in the test process that speaks the 46elks SMS API.

``POST /a1/sms`` with HTTP Basic auth and the form fields ``from``, ``to`` and ``message``;
``200`` with 46elks-like JSON when accepted. Answers can be scripted per number (or for every
number): a status for ever, or a queue of statuses (503, 503, then accepted).
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

__all__ = ["PATH", "ReceivedSms", "SmsAttempt", "SmsGateway"]

PATH = "/a1/sms"
USER = "u0123456789abcdef"
PASSWORD = "elks-secret"
_REASONS = {
    400: "Invalid to number",
    401: "Authorization required",
    402: "Insufficient credits",
    403: "Forbidden",
    404: "Not found",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}


@dataclass(frozen=True, slots=True)
class ReceivedSms:
    """An SMS the gateway accepted."""

    id: str
    sender: str
    to: str
    message: str


@dataclass(frozen=True, slots=True)
class SmsAttempt:
    """Any POST: accepted or not, with the status it was answered with."""

    sender: str | None
    to: str | None
    message: str | None
    status: int
    authorized: bool
    content_type: str
    client_port: int  # the same port for every post: the client kept its connection alive


@dataclass(slots=True)
class _Rule:
    to: str | None  # None: every number
    status: int
    reason: str
    remaining: int | None  # None: for ever


class SmsGateway:
    """The fake gateway on 127.0.0.1 and a free port, served by threads of this process."""

    def __init__(self) -> None:
        self.user = USER
        self.password = PASSWORD
        self._lock = threading.Condition()
        self._rules: list[_Rule] = []
        self._messages: list[ReceivedSms] = []
        self._attempts: list[SmsAttempt] = []
        self._ids = itertools.count(1)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.gateway = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> SmsGateway:
        """Start serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def reset(self) -> None:
        """Forget received messages, attempts and scripted answers."""
        with self._lock:
            self._rules.clear()
            self._messages.clear()
            self._attempts.clear()

    @property
    def url(self) -> str:
        """The BOOKING_SMS_URL of this gateway."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"

    def config(self, sender_id: str = "Bygglov") -> dict[str, str]:
        """App settings that make the app send SMS through this gateway."""
        return {
            "BOOKING_SMS_BACKEND": "46elks",
            "BOOKING_SMS_URL": self.url,
            "BOOKING_SMS_USER": self.user,
            "BOOKING_SMS_PASSWORD": self.password,
            "BOOKING_SMS_FROM": sender_id,
        }

    def fail(
        self, to: str | None, status: int, *, times: int | None = None, reason: str | None = None
    ) -> None:
        """Answer posts to `to` (None: any number) with `status`, `times` times or always.

        Rules apply in the order they were added, so ``fail(n, 503, times=2)`` followed by
        ``fail(n, 400)`` gives 503, 503, then 400 for ever.
        """
        with self._lock:
            self._rules.append(_Rule(to, status, reason or _REASONS.get(status, "Error"), times))

    @property
    def messages(self) -> list[ReceivedSms]:
        """The accepted messages in arrival order (a copy)."""
        with self._lock:
            return list(self._messages)

    @property
    def attempts(self) -> list[SmsAttempt]:
        """Every POST received, accepted or not (a copy)."""
        with self._lock:
            return list(self._attempts)

    def wait_for(self, count: int, timeout: float = 10) -> list[ReceivedSms]:
        """Block until at least `count` messages were accepted (for senders in other threads)."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._messages) >= count, timeout):
                raise AssertionError(f"{len(self._messages)} SMS arrived, not {count}")
            return list(self._messages)

    def _answer(
        self,
        path: str,
        authorization: str | None,
        content_type: str,
        body: bytes,
        client_port: int,
    ) -> tuple[int, str, str]:
        """Status, content type and body for one POST; records it."""
        form = {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
        sender, to, message = form.get("from"), form.get("to"), form.get("message")
        authorized = authorization == _basic(self.user, self.password)
        with self._lock:
            if path != PATH:
                status, reason = 404, _REASONS[404]
            elif not authorized:
                status, reason = 401, _REASONS[401]
            elif not content_type.startswith("application/x-www-form-urlencoded"):
                status, reason = 400, "Expected form data"
            elif not (sender and to and message):
                missing = [k for k in ("from", "to", "message") if not form.get(k)]
                status, reason = 400, f"Missing key {missing[0]}"
            else:
                status, reason = self._scripted(to)
            self._attempts.append(
                SmsAttempt(sender, to, message, status, authorized, content_type, client_port)
            )
            if status != 200:
                return status, "text/plain; charset=utf-8", reason
            assert sender and to and message
            sms = ReceivedSms(f"s{next(self._ids):032x}", sender, to, message)
            self._messages.append(sms)
            self._lock.notify_all()
        payload = {
            "status": "created",
            "direction": "outgoing",
            "from": sms.sender,
            "to": sms.to,
            "message": sms.message,
            "id": sms.id,
            "created": "2027-03-01T08:00:00.000000",
            "parts": 1,
            "estimated_cost": 5200,
        }
        return 200, "application/json", json.dumps(payload)

    def _scripted(self, to: str) -> tuple[int, str]:
        for rule in self._rules:
            if rule.to not in (None, to) or rule.remaining == 0:
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
            return rule.status, rule.reason
        return 200, ""


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    gateway: SmsGateway


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1: keep-alive, as the real gateway; every answer carries a Content-Length.
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection frees its thread eventually
    # Headers and body in one segment, sent at once: otherwise Nagle's algorithm and the
    # client's delayed ACK add 40 ms to every request on a kept-alive connection.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status, content_type, text = self.server.gateway._answer(
            self.path,
            self.headers.get("Authorization"),
            self.headers.get("Content-Type", ""),
            body,
            self.client_address[1],
        )
        self._reply(status, content_type, text)

    def do_GET(self) -> None:
        self._reply(405, "text/plain; charset=utf-8", "Method not allowed")

    def _reply(self, status: int, content_type: str, text: str) -> None:
        payload = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="46elks"')
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: pytest shows the test's own output
