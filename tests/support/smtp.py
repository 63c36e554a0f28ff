"""A real SMTP server in the test process (aiosmtpd on loopback) that records what it receives.

It speaks real SMTP over a real socket, so what a test sees is what a mail server would see:
headers as sent, MIME structure, TLS, AUTH. Replies can be scripted per stage to test how the
sender maps them (e.g. ``550`` → permanent, ``451`` → transient).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["ReceivedMail", "SmtpServer"]

USER = "mailer"
PASSWORD = "p@ss:w/rd%"  # URL-special characters on purpose: the URL must encode them


@dataclass(frozen=True)
class ReceivedMail:
    """One accepted message: envelope, the raw bytes as sent, and the message parsed on use."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    connection: int  # 1, 2, …: which client connection (since the last reset) carried it
    tls: bool
    login: str | None

    @functools.cached_property
    def message(self) -> EmailMessage:
        """The message parsed with the modern policy (decoded headers, get_body, iter_parts)."""
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass(slots=True)
class _Rule:
    reply: str
    remaining: int | None  # None: for ever
    address: str | None = None


@dataclass(slots=True)
class _Rules:
    sender: list[_Rule] = field(default_factory=list)
    recipient: list[_Rule] = field(default_factory=list)
    data: list[_Rule] = field(default_factory=list)


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port; `tls` is None, "starttls" or "implicit".

    With TLS the server uses `server_context` (a certificate for 127.0.0.1) and offers AUTH
    (LOGIN, PLAIN) for USER / PASSWORD once the connection is encrypted.
    """

    def __init__(
        self,
        *,
        tls: str | None = None,
        server_context: ssl.SSLContext | None = None,
        client_context: ssl.SSLContext | None = None,
    ) -> None:
        if tls not in (None, "starttls", "implicit"):
            raise ValueError("tls must be None, 'starttls' or 'implicit'")
        if tls and server_context is None:
            raise ValueError("a TLS server needs a server_context")
        self.tls = tls
        # What a client needs to trust this server's certificate (SmtpSender(ssl_context=…)).
        self.client_context = client_context
        self.user = USER
        self.password = PASSWORD
        self._lock = threading.Condition()
        self._messages: list[ReceivedMail] = []
        self._protocols: list[SMTP] = []
        self._connection_of: dict[int, int] = {}
        self._rules = _Rules()
        kwargs: dict[str, Any] = {"server_hostname": "smtp.test", "command_call_limit": None}
        if tls == "starttls":
            kwargs.update(tls_context=server_context, authenticator=self._authenticate)
        elif tls == "implicit":
            kwargs.update(
                ssl_context=server_context,
                authenticator=self._authenticate,
                auth_require_tls=False,  # the whole connection is TLS already
            )
        self._controller = _Controller(self, _Handler(self), hostname="127.0.0.1", port=0, **kwargs)

    # Life cycle ---------------------------------------------------------------------------

    def start(self) -> SmtpServer:
        """Start listening (in a thread of this process)."""
        self._controller.start()
        self.reset()
        return self

    def stop(self) -> None:
        """Stop listening and close every connection."""
        self._controller.stop()

    def reset(self) -> None:
        """Forget received messages, connections and scripted replies."""
        with self._lock:
            self._messages.clear()
            self._protocols.clear()
            self._connection_of.clear()
            self._rules = _Rules()

    # Addresses ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self._controller.port

    @property
    def url(self) -> str:
        """The BOOKING_SMTP_URL for this server, without credentials."""
        scheme = {None: "smtp", "starttls": "smtp+starttls", "implicit": "smtps"}[self.tls]
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def login_url(self) -> str:
        """The URL with this server's credentials (percent-encoded)."""
        from urllib.parse import quote

        return self.url.replace(
            "://", f"://{quote(self.user, safe='')}:{quote(self.password, safe='')}@", 1
        )

    def config(self) -> dict[str, str]:
        """App settings that make the app send through this server."""
        return {"BOOKING_SMTP_URL": self.url}

    # Scripted replies -----------------------------------------------------------------------

    def refuse_sender(self, reply: str, *, times: int | None = None) -> None:
        """Answer MAIL FROM with `reply` (e.g. "451 4.3.0 Try later"), `times` times or always."""
        with self._lock:
            self._rules.sender.append(_Rule(reply, times))

    def refuse_recipient(
        self, address: str, reply: str = "550 5.1.1 No such user", *, times: int | None = None
    ) -> None:
        """Answer RCPT TO:`address` with `reply`, `times` times or always."""
        with self._lock:
            self._rules.recipient.append(_Rule(reply, times, address.lower()))

    def refuse_data(self, reply: str, *, times: int | None = None) -> None:
        """Answer the end of DATA with `reply` (the message is then not recorded)."""
        with self._lock:
            self._rules.data.append(_Rule(reply, times))

    def drop_connections(self) -> None:
        """Close every open client connection from the server side, as an idle timeout would."""

        with self._lock:
            protocols = list(self._protocols)

        async def close_all() -> None:
            for protocol in protocols:
                if protocol.transport is not None:
                    protocol.transport.close()

        asyncio.run_coroutine_threadsafe(close_all(), self._controller.loop).result(5)

    # What arrived ---------------------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedMail]:
        """The accepted messages, in arrival order (a copy)."""
        with self._lock:
            return list(self._messages)

    @property
    def connections(self) -> int:
        """Client connections opened since the last reset."""
        with self._lock:
            return len(self._protocols)

    def wait_for(self, count: int, timeout: float = 10) -> list[ReceivedMail]:
        """Block until at least `count` messages arrived (for senders in other threads)."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._messages) >= count, timeout):
                raise AssertionError(f"{len(self._messages)} messages arrived, not {count}")
            return list(self._messages)

    # Called from the server thread ------------------------------------------------------

    def _opened(self, protocol: SMTP) -> None:
        with self._lock:
            self._protocols.append(protocol)

    def _scripted(self, rules: list[_Rule], address: str | None = None) -> str | None:
        with self._lock:
            for rule in rules:
                if rule.address not in (None, address) or rule.remaining == 0:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule.reply
        return None

    def _record(self, server: SMTP, session: Session, envelope: Envelope) -> None:
        data = envelope.original_content or b""
        transport = server.transport
        tls = transport is not None and transport.get_extra_info("ssl_object") is not None
        with self._lock:
            connection = self._connection_of.setdefault(id(server), len(self._connection_of) + 1)
            self._messages.append(
                ReceivedMail(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    data=data,
                    connection=connection,
                    tls=tls,
                    login=(
                        session.auth_data.login.decode()
                        if session.authenticated and isinstance(session.auth_data, LoginPassword)
                        else None
                    ),
                )
            )
            self._lock.notify_all()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user.encode()
            and auth_data.password == self.password.encode()
        )
        # handled=False: aiosmtpd then answers 535 itself (True would leave the client waiting).
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


class _Handler:
    """aiosmtpd hooks: scripted refusals first, otherwise accept and record."""

    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.owner._scripted(self.owner._rules.sender)
        if reply is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.owner._scripted(self.owner._rules.recipient, address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self.owner._scripted(self.owner._rules.data)
        if reply is not None:
            return reply
        self.owner._record(server, session, envelope)
        return "250 2.0.0 Message accepted"


class _Controller(Controller):
    """aiosmtpd's threaded controller on an OS-chosen port, reporting each new connection."""

    def __init__(self, owner: SmtpServer, handler: Any, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._owner = owner

    def factory(self) -> SMTP:
        protocol = _QuietSMTP(self.handler, **self.SMTP_kwargs)
        self._owner._opened(protocol)
        return protocol

    def _trigger_server(self) -> None:
        # Port 0 asks the OS for a free port: learn which before aiosmtpd connects to it.
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _QuietSession(Session):
    """aiosmtpd sets its own deprecated `login_data` on AUTH; keep that warning out of test runs."""

    @property
    def login_data(self) -> Any:
        return self._login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        self._login_data = value


class _QuietSMTP(SMTP):
    def _create_session(self) -> Session:
        return _QuietSession(self.loop)
