"""Pytest fixtures for the fake external servers (registered by tests/conftest.py).

Each server starts once per test session, on first use, and is reset before every test that
asks for it, so tests stay isolated and fast.

- ``smtp_server``: plain SMTP (``smtp_server.url``, ``.config()``, ``.messages``, ``.refuse_*``).
- ``smtp_tls_server``: STARTTLS with AUTH (``.url``, ``.login_url``, ``.client_context``).
- ``smtps_server``: implicit TLS with AUTH.
- ``sms_gateway``: the 46elks-shaped HTTP API (``.url``, ``.config()``, ``.messages``, ``.fail``).
- ``radicale``: a real CalDAV server (Radicale, a subprocess; ``.new_calendar()``, ``.get``).
- ``ics_server``: one published iCalendar file (``.url``, ``.set_body``, ``.fail``, ``.requests``).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest
import trustme
from flask import Flask

from tests.support.caldav import RadicaleServer
from tests.support.ics import IcsServer
from tests.support.sms import SmsGateway
from tests.support.smtp import SmtpServer


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    """A throw-away certificate authority for the TLS test servers."""
    return trustme.CA()


def _contexts(ca: trustme.CA) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    return server_context, client_context


@pytest.fixture(scope="session")
def _smtp_server_session() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _smtp_tls_server_session(tls_ca: trustme.CA) -> Iterator[SmtpServer]:
    server_context, client_context = _contexts(tls_ca)
    server = SmtpServer(
        tls="starttls", server_context=server_context, client_context=client_context
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _smtps_server_session(tls_ca: trustme.CA) -> Iterator[SmtpServer]:
    server_context, client_context = _contexts(tls_ca)
    server = SmtpServer(
        tls="implicit", server_context=server_context, client_context=client_context
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _sms_gateway_session() -> Iterator[SmsGateway]:
    gateway = SmsGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture
def smtp_server(_smtp_server_session: SmtpServer) -> SmtpServer:
    """A real SMTP server on loopback (plain), emptied for this test."""
    _smtp_server_session.reset()
    return _smtp_server_session


@pytest.fixture
def smtp_tls_server(_smtp_tls_server_session: SmtpServer) -> SmtpServer:
    """A real SMTP server on loopback that offers STARTTLS and AUTH, emptied for this test."""
    _smtp_tls_server_session.reset()
    return _smtp_tls_server_session


@pytest.fixture
def smtps_server(_smtps_server_session: SmtpServer) -> SmtpServer:
    """A real SMTP server on loopback with implicit TLS and AUTH, emptied for this test."""
    _smtps_server_session.reset()
    return _smtps_server_session


@pytest.fixture
def sms_gateway(_sms_gateway_session: SmsGateway) -> SmsGateway:
    """A real HTTP server on loopback speaking the 46elks SMS API, emptied for this test."""
    _sms_gateway_session.reset()
    return _sms_gateway_session


@pytest.fixture(scope="session")
def _radicale_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    server = RadicaleServer(tmp_path_factory.mktemp("radicale")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _ics_server_session() -> Iterator[IcsServer]:
    server = IcsServer().start()
    yield server
    server.stop()


@pytest.fixture
def radicale(_radicale_session: RadicaleServer) -> RadicaleServer:
    """A real CalDAV server on loopback; each test makes the calendars it needs."""
    return _radicale_session


@pytest.fixture
def ics_server(_ics_server_session: IcsServer) -> IcsServer:
    """A real HTTP server on loopback publishing one (empty, for now) iCalendar file."""
    _ics_server_session.reset()
    return _ics_server_session


@pytest.fixture
def outbound(
    app: Flask, smtp_server: SmtpServer, sms_gateway: SmsGateway, monkeypatch: pytest.MonkeyPatch
) -> tuple[SmtpServer, SmsGateway]:
    """Point the app's senders at the loopback SMTP server and SMS gateway."""
    monkeypatch.setitem(app.config, "BOOKING_SMTP_URL", smtp_server.url)
    for key, value in sms_gateway.config().items():
        monkeypatch.setitem(app.config, key, value)
    return smtp_server, sms_gateway
