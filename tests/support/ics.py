"""A real HTTP server in the test process publishing one iCalendar file, as Outlook or Google do.

``GET /calendar.ics`` answers the current body with a strong ``ETag`` and ``Last-Modified``,
and ``304`` when ``If-None-Match`` matches. The body can be replaced, the server made to answer
an error status, and every request's conditional headers and credentials are recorded.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["PATH", "IcsRequest", "IcsServer"]

PATH = "/calendar.ics"


@dataclass(frozen=True, slots=True)
class IcsRequest:
    """One GET as the server saw it, and what it answered."""

    if_none_match: str | None
    if_modified_since: str | None
    user: str | None  # from Basic auth
    password: str | None
    status: int


class IcsServer:
    """The calendar server on 127.0.0.1 and a free port, served by threads of this process."""

    def __init__(self, body: bytes = b"") -> None:
        self._lock = threading.Lock()
        self._body = b""
        self._etag = ""
        self._last_modified = ""
        self._version = 0
        self._status: int | None = None
        self._requests: list[IcsRequest] = []
        self.set_body(body)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.calendar = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> IcsServer:
        """Start serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket: the server is gone."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def reset(self) -> None:
        """An empty calendar, no scripted status, no recorded requests."""
        with self._lock:
            self._status = None
            self._requests.clear()
        self.set_body(b"")

    @property
    def url(self) -> str:
        """The calendar's address."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"

    def set_body(self, body: bytes) -> None:
        """Publish another calendar (new ETag and Last-Modified)."""
        with self._lock:
            self._version += 1
            self._body = body
            self._etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            # A distinct second per version: If-Modified-Since has one-second resolution.
            self._last_modified = formatdate(1_800_000_000 + self._version, usegmt=True)

    def fail(self, status: int | None) -> None:
        """Answer every request with `status` (None: serve the calendar again)."""
        with self._lock:
            self._status = status

    @property
    def requests(self) -> list[IcsRequest]:
        """Every GET received (a copy)."""
        with self._lock:
            return list(self._requests)

    def _answer(
        self, path: str, if_none_match: str | None, since: str | None, authorization: str | None
    ) -> tuple[int, dict[str, str], bytes]:
        user = password = None
        if authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode("utf-8")
            user, _, password = decoded.partition(":")
        with self._lock:
            if path.split("?")[0] != PATH:
                status, headers, body = 404, {}, b"Not found"
            elif self._status is not None:
                status, headers, body = self._status, {}, b"Error"
            else:
                headers = {"ETag": self._etag, "Last-Modified": self._last_modified}
                if if_none_match is not None and if_none_match == self._etag:
                    status, body = 304, b""
                else:
                    status, body = 200, self._body
                    headers["Content-Type"] = "text/calendar; charset=utf-8"
            self._requests.append(IcsRequest(if_none_match, since, user, password, status))
            return status, headers, body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    calendar: IcsServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        status, headers, body = self.server.calendar._answer(
            self.path,
            self.headers.get("If-None-Match"),
            self.headers.get("If-Modified-Since"),
            self.headers.get("Authorization"),
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: pytest shows the test's own output
