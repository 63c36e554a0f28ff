"""Senders: hand one message to an SMTP server or an SMS gateway, or (development) log it.

Every failure is a :class:`SendError`: :class:`PermanentSendError` when the recipient or the
message was refused for good (SMTP 5xx on RCPT/DATA, gateway 4xx), otherwise
:class:`TransientSendError`, and the outbox retries. Logs and errors never carry message bodies,
tokens or identity numbers, and carry recipients only masked.

SMTP URLs (``BOOKING_SMTP_URL``):

- ``smtp://host[:25]``: plain SMTP, never TLS, even when the server offers STARTTLS (opportunistic
  TLS without a checked certificate only looks safe). For a relay on the same host or network.
- ``smtp+starttls://host[:587]``: STARTTLS is required; a server that does not offer it fails.
- ``smtps://host[:465]``: implicit TLS.

``user:password@`` (percent-encoded) logs in with AUTH after TLS. Credentials in a plain ``smtp://``
URL are refused unless the host is the loopback. Certificates are checked against the system's
trust store (``SSL_CERT_FILE`` adds an internal CA).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import smtplib
import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import requests

from booking.notifications.email import envelope, message_bytes
from booking.notifications.messages import PermanentSendError, SendError, TransientSendError

__all__ = [
    "DEFAULT_SMS_FROM",
    "ElksSmsSender",
    "EmailSender",
    "LogEmailSender",
    "LogSmsSender",
    "SenderConfigError",
    "SmsSender",
    "SmtpSender",
    "SmtpSettings",
    "make_email_sender",
    "make_sms_sender",
    "mask_email",
    "mask_phone",
    "parse_smtp_url",
]

log = logging.getLogger(__name__)

DEFAULT_SMS_FROM = "Bygglov"
_SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}
# 46elks: an alphanumeric sender of 3-11 characters starting with a letter, or an E.164 number.
_SENDER_ID = re.compile(r"[A-Za-z][A-Za-z0-9]{2,10}|\+[1-9][0-9]{6,14}")
# Client errors that say nothing about this message (our account, our rate): retry later.
_TRANSIENT_CLIENT_ERRORS = frozenset({401, 402, 403, 408, 425, 429})
_REASON_LENGTH = 200


class SenderConfigError(ValueError):
    """The sender settings are unusable; raised when the sender is made, not when it sends."""


class EmailSender(Protocol):
    """Hands an e-mail to its next hop."""

    def send(self, message: EmailMessage) -> None:
        """Send `message` to the recipients in its headers, or raise SendError."""

    def close(self) -> None:
        """Release connections; the sender may be used again afterwards."""


class SmsSender(Protocol):
    """Hands an SMS to its gateway."""

    def send(self, *, to: str, text: str) -> None:
        """Send `text` to the E.164 number `to`, or raise SendError."""

    def close(self) -> None:
        """Release connections; the sender may be used again afterwards."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """A parsed SMTP URL: `security` is "plain", "starttls" or "tls"."""

    security: str
    host: str
    port: int
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpSettings:
    """Parse ``smtp://``, ``smtp+starttls://`` or ``smtps://`` URLs; SenderConfigError if bad."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise SenderConfigError(
            f"BOOKING_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://, "
            f"not {scheme + '://' if scheme else repr(url)}"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SenderConfigError("BOOKING_SMTP_URL takes no path, query or fragment")
    try:
        port = parts.port
    except ValueError:
        raise SenderConfigError("BOOKING_SMTP_URL has an invalid port") from None
    if not parts.hostname:
        raise SenderConfigError("BOOKING_SMTP_URL needs a host")
    security, default_port = _SCHEMES[scheme]
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if (username is None) != (password is None):
        raise SenderConfigError("BOOKING_SMTP_URL needs both a user and a password, or neither")
    return SmtpSettings(security, parts.hostname, port or default_port, username, password)


class SmtpSender:
    """Sends through one SMTP connection kept open across sends (reopened when it was dropped).

    Thread-safe (one send at a time); use one sender per worker thread for parallel sending.
    """

    def __init__(
        self,
        url: str,
        timeout: float = 10,
        *,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.settings = parse_smtp_url(url)
        if (
            self.settings.username is not None
            and self.settings.security == "plain"
            and not _is_loopback(self.settings.host)
        ):
            raise SenderConfigError(
                "BOOKING_SMTP_URL: a password over plain smtp:// would cross the network in clear "
                "text; use smtp+starttls:// or smtps://"
            )
        credentials = (self.settings.username or "") + (self.settings.password or "")
        if not credentials.isascii():
            # smtplib encodes AUTH as ASCII; failing here beats failing on every send.
            raise SenderConfigError("BOOKING_SMTP_URL: the user and password must be ASCII")
        if timeout <= 0:
            raise SenderConfigError("the SMTP timeout must be positive")
        self.timeout = timeout
        self._ssl_context = ssl_context
        # Looked up once: smtplib would ask the resolver again on every connect.
        self._local_hostname = local_hostname or socket.getfqdn()
        self._connection: smtplib.SMTP | None = None
        self._lock = threading.Lock()
        self.connections_opened = 0

    def send(self, message: EmailMessage) -> None:
        """Send `message`; PermanentSendError on a 5xx refusal, TransientSendError otherwise."""
        with self._lock:
            for _ in range(2):
                reused = self._connection is not None
                try:
                    connection = self._connect() if self._connection is None else self._connection
                    wire = envelope(message)
                    if wire is None:
                        refused = connection.send_message(message)
                    else:
                        sender, recipients = wire
                        refused = connection.sendmail(sender, recipients, message_bytes(message))
                except smtplib.SMTPServerDisconnected as exc:
                    self._drop()
                    if reused:
                        continue  # the server closed an idle connection: once more on a new one
                    raise TransientSendError(f"SMTP server closed the connection: {exc}") from exc
                except (
                    smtplib.SMTPRecipientsRefused,
                    smtplib.SMTPSenderRefused,
                    smtplib.SMTPDataError,
                ) as exc:
                    replies = (
                        exc.recipients
                        if isinstance(exc, smtplib.SMTPRecipientsRefused)
                        else {"": (exc.smtp_code, exc.smtp_error)}
                    )
                    if reused and any(code == 421 for code, _ in replies.values()):
                        # 421: the server is closing this (idle) session: once more, new session.
                        self._drop()
                        continue
                    raise self._refusal(replies, message) from exc
                except smtplib.SMTPNotSupportedError as exc:
                    # At send time this means SMTPUTF8: this relay cannot take this address.
                    raise PermanentSendError(f"SMTP server cannot send this: {exc}") from exc
                except (smtplib.SMTPException, OSError) as exc:
                    # Timeouts, TLS and login failures: the connection's state is unknown.
                    self._drop()
                    raise TransientSendError(_describe_smtp(exc, message)) from exc
                if refused:  # some recipients accepted: report the others
                    raise self._refusal(refused, message)
                return

    def close(self) -> None:
        """Say QUIT and close the connection, if one is open."""
        with self._lock:
            connection, self._connection = self._connection, None
            if connection is None:
                return
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()

    def _connect(self) -> smtplib.SMTP:
        """Open, greet, secure and log in; the caller maps errors."""
        settings = self.settings
        connection: smtplib.SMTP
        if settings.security == "tls":
            connection = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                local_hostname=self._local_hostname,
                timeout=self.timeout,
                context=self._context(),
            )
        else:
            connection = smtplib.SMTP(
                settings.host,
                settings.port,
                local_hostname=self._local_hostname,
                timeout=self.timeout,
            )
        try:
            connection.ehlo()
            if settings.security == "starttls":
                if not connection.has_extn("starttls"):
                    raise TransientSendError("SMTP server does not offer STARTTLS")
                connection.starttls(context=self._context())
                connection.ehlo()
            if settings.username is not None and settings.password is not None:
                connection.login(settings.username, settings.password)
        except smtplib.SMTPNotSupportedError as exc:
            # No AUTH offered: the settings are wrong, not the message (unlike at send time).
            connection.close()
            raise TransientSendError(f"SMTP server cannot log in: {exc}") from exc
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        self.connections_opened += 1
        return connection

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _refusal(
        self, replies: Mapping[str, tuple[int, bytes | str]], message: EmailMessage
    ) -> SendError:
        """A refusal as Permanent (every reply 5xx) or Transient; 421 also ends the session."""
        codes = [code for code, _ in replies.values()]
        if 421 in codes:
            self._drop()
        text = "; ".join(f"{code} {_reply_text(reply)}" for code, reply in replies.values())
        error = f"SMTP refused: {_mask_addresses(text, message)}"
        if codes and all(500 <= code < 600 for code in codes):
            return PermanentSendError(error)
        return TransientSendError(error)


class LogEmailSender:
    """Development sender: logs that a mail went out (masked recipient, subject), keeps nothing."""

    def send(self, message: EmailMessage) -> None:
        """Log the message's masked recipients, subject and Message-ID; never its body."""
        recipients = ", ".join(mask_email(address) for _, address in _recipients(message))
        log.info(
            "e-mail to %s: %r (Message-ID %s, not sent: no BOOKING_SMTP_URL)",
            recipients,
            str(message.get("Subject", "")),
            message.get("Message-ID", "-"),
        )

    def close(self) -> None:
        """Nothing to release."""


class ElksSmsSender:
    """Sends SMS through a 46elks-compatible HTTP API: form fields from, to, message; Basic auth."""

    def __init__(
        self,
        url: str,
        user: str,
        password: str,
        sender_id: str = DEFAULT_SMS_FROM,
        timeout: float = 10,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SenderConfigError(
                "BOOKING_SMS_URL must be an http(s) URL such as https://api.46elks.com/a1/sms"
            )
        if not user or not password:
            raise SenderConfigError("the 46elks backend needs BOOKING_SMS_USER and _PASSWORD")
        if not _SENDER_ID.fullmatch(sender_id):
            raise SenderConfigError(
                "BOOKING_SMS_FROM must be 3-11 letters or digits starting with a letter, "
                f"or an E.164 number; not {sender_id!r}"
            )
        if timeout <= 0:
            raise SenderConfigError("the SMS timeout must be positive")
        self.url = url
        self.sender_id = sender_id
        self.timeout = timeout
        # One session: keep-alive connections are reused across sends.
        self._session = requests.Session()
        self._session.auth = (user, password)
        # The environment (proxies, CA bundle) is read once here, not on every post: requests
        # would otherwise look it up per message, a measurable share of a dispatcher's time.
        self._session.proxies.update(requests.utils.get_environ_proxies(url))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        self._session.verify = bundle or True
        self._session.trust_env = False

    def send(self, *, to: str, text: str) -> None:
        """Post one SMS; PermanentSendError on a 4xx refusal, TransientSendError otherwise."""
        try:
            response = self._session.post(
                self.url,
                data={"from": self.sender_id, "to": to, "message": text},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise TransientSendError("SMS gateway timed out") from exc
        except requests.RequestException as exc:
            raise TransientSendError(f"SMS gateway unreachable ({type(exc).__name__})") from exc
        status = response.status_code
        if 200 <= status < 300:
            return
        reason = _gateway_reason(response.text, to=to, text=text)
        error = f"SMS gateway answered {status}: {reason}" if reason else f"SMS gateway {status}"
        if 400 <= status < 500 and status not in _TRANSIENT_CLIENT_ERRORS:
            raise PermanentSendError(error)
        raise TransientSendError(error)

    def close(self) -> None:
        """Close the session's pooled connections."""
        self._session.close()


class LogSmsSender:
    """Development sender: logs that an SMS went out (masked number, length) and keeps nothing."""

    def send(self, *, to: str, text: str) -> None:
        """Log the masked number and the text's length; never the text."""
        log.info(
            "SMS to %s: %d characters (not sent: BOOKING_SMS_BACKEND=log)",
            mask_phone(to),
            len(text),
        )

    def close(self) -> None:
        """Nothing to release."""


def make_email_sender(config: Mapping[str, Any]) -> EmailSender:
    """The e-mail sender the settings ask for: SMTP when BOOKING_SMTP_URL is set, else log."""
    url = config.get("BOOKING_SMTP_URL")
    if not url:
        return LogEmailSender()
    return SmtpSender(str(url))


def make_sms_sender(config: Mapping[str, Any]) -> SmsSender:
    """The SMS sender BOOKING_SMS_BACKEND names ("log" or "46elks"), checked now, not at send."""
    backend = str(config.get("BOOKING_SMS_BACKEND") or "log").strip().lower()
    if backend == "log":
        return LogSmsSender()
    if backend != "46elks":
        raise SenderConfigError(f"BOOKING_SMS_BACKEND must be log or 46elks, not {backend!r}")
    names = ("BOOKING_SMS_URL", "BOOKING_SMS_USER", "BOOKING_SMS_PASSWORD")
    missing = [name for name in names if not config.get(name)]
    if missing:
        raise SenderConfigError(f"BOOKING_SMS_BACKEND=46elks needs {', '.join(missing)}")
    return ElksSmsSender(
        url=str(config["BOOKING_SMS_URL"]),
        user=str(config["BOOKING_SMS_USER"]),
        password=str(config["BOOKING_SMS_PASSWORD"]),
        sender_id=str(config.get("BOOKING_SMS_FROM") or DEFAULT_SMS_FROM),
    )


def mask_email(address: str) -> str:
    """``asa.oberg@example.org`` → ``a***@example.org``: enough to tell mails apart in a log."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_phone(number: str) -> str:
    """``+46701234567`` → ``+46*******67``: country code and last two digits only."""
    number = number.strip()
    if len(number) < 7:
        return "***"
    return number[:3] + "*" * (len(number) - 5) + number[-2:]


def _recipients(message: EmailMessage) -> list[tuple[str, str]]:
    values = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    return getaddresses(values)


def _mask_addresses(text: str, message: EmailMessage) -> str:
    """Servers echo the recipient in their replies: keep it out of logs and the outbox."""
    for _, address in _recipients(message):
        if address:
            text = text.replace(address, mask_email(address))
    return text


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:_REASON_LENGTH]


def _describe_smtp(exc: BaseException, message: EmailMessage) -> str:
    """A one-line description of a connection-level failure, recipients masked."""
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = f"{exc.smtp_code} {_reply_text(exc.smtp_error)}"
    else:
        detail = " ".join(str(exc).split())[:_REASON_LENGTH] or "no detail"
    return f"SMTP {type(exc).__name__}: {_mask_addresses(detail, message)}"


def _gateway_reason(body: str, *, to: str, text: str) -> str:
    """The gateway's short reason, one line, without the message text or the full number."""
    reason = " ".join(body.split())
    if text.strip():
        reason = reason.replace(" ".join(text.split()), "[message]")
    reason = reason.replace(to, mask_phone(to))
    return reason[:_REASON_LENGTH]


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
