"""The senders against real servers on loopback: aiosmtpd for e-mail, a 46elks-shaped gateway."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from booking.calendar.ics import InviteEvent, Person, build_calendar, parse_events
from booking.config import Config, config_from_env
from booking.notifications.email import build_email
from booking.notifications.messages import (
    BookingFacts,
    CalendarPart,
    PermanentSendError,
    RenderedEmail,
    TransientSendError,
)
from booking.notifications.render import render_email, render_sms
from booking.notifications.senders import (
    ElksSmsSender,
    LogEmailSender,
    LogSmsSender,
    SenderConfigError,
    SmtpSender,
    make_email_sender,
    make_sms_sender,
    mask_email,
    mask_phone,
    parse_smtp_url,
)
from tests.support.net import mute_port, refused_port
from tests.support.sms import SmsGateway
from tests.support.smtp import SmtpServer

STOCKHOLM = ZoneInfo("Europe/Stockholm")
START = datetime(2027, 3, 29, 10, 0, tzinfo=STOCKHOLM)
END = datetime(2027, 3, 29, 10, 45, tzinfo=STOCKHOLM)
MANAGE_URL = "https://bokning.example.se/m/Xy3kP9qLm2w"
SENDER = "bygglov@kommun.example.se"
SENDER_NAME = "Bygglovsavdelningen, Älvkommun"
APPLICANT = "asa.oberg@example.org"
PHONE = "+46701234567"


def facts(**changes: Any) -> BookingFacts:
    """The applicant's confirmation of a video meeting on Monday 29 March 2027, 10:00."""
    values: dict[str, Any] = {
        "kind": "confirmation",
        "audience": "applicant",
        "language": "sv",
        "reference": "K7QM-4XPR",
        "meeting_type_name": "Bygglovsrådgivning",
        "team_name": "Privatpersoner",
        "start_at": START,
        "end_at": END,
        "zone": STOCKHOLM,
        "mode": "video",
        "applicant_name": "Åsa Öberg",
        "applicant_phone": PHONE,
        "officer_name": "Örjan Ångström",
        "department_name": "Bygglovsavdelningen",
        "manage_url": MANAGE_URL,
    }
    values.update(changes)
    return BookingFacts(**values)


def calendar(method: str = "REQUEST") -> CalendarPart:
    """The booking's invitation as iCalendar bytes, built by the project's ICS builder."""
    event = InviteEvent(
        uid="K7QM-4XPR@bokning.example.se",
        sequence=1 if method == "CANCEL" else 0,
        dtstamp=datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM),
        start=START,
        end=END,
        summary="Rådgivning: Bygglovsrådgivning",
        description=f"Bokningsnummer: K7QM-4XPR\nHantera bokningen: {MANAGE_URL}",
        location="Videomöte",
        organizer=Person("Bygglovsavdelningen", SENDER),
        attendees=[(Person("Åsa Öberg", APPLICANT), "REQ-PARTICIPANT")],
        status="CONFIRMED",
    )
    data = build_calendar(events=[event], method=method, zone=STOCKHOLM)
    return CalendarPart(data=data, method=method)


def mail(
    to: str = APPLICANT,
    *,
    rendered: RenderedEmail | None = None,
    key: str = "n-1",
    **kwargs: Any,
) -> EmailMessage:
    """A rendered confirmation as a message to `to`, with a Message-ID derived from `key`."""
    return build_email(
        sender=SENDER,
        sender_name=SENDER_NAME,
        to=to,
        rendered=rendered or render_email(facts()),
        message_id=f"<{key}@bokning.example.se>",
        **kwargs,
    )


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> Iterator[SmtpSender]:
    """An SmtpSender to the plain test server, closed after the test."""
    sender = SmtpSender(smtp_server.url)
    yield sender
    sender.close()


# E-mail through a real SMTP server -------------------------------------------------------


def test_mail_arrives_with_its_headers_decoded(smtp_server: SmtpServer, smtp: SmtpSender) -> None:
    rendered = render_email(facts())
    smtp.send(
        mail(rendered=rendered, reply_to="radgivning@kommun.example.se", date=START, key="b1.c")
    )

    [received] = smtp_server.messages
    assert received.mail_from == SENDER
    assert received.rcpt_tos == (APPLICANT,)
    message = received.message
    assert message["Subject"] == rendered.subject
    assert "Bygglovsrådgivning måndag 29 mars 2027 kl. 10:00" in message["Subject"]
    assert message["From"].addresses[0].display_name == SENDER_NAME
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["To"] == APPLICANT
    assert message["Reply-To"] == "radgivning@kommun.example.se"
    assert message["Message-ID"] == "<b1.c@bokning.example.se>"
    assert parsedate_to_datetime(message["Date"]) == START
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "sv"
    assert message["MIME-Version"] == "1.0"
    # 7-bit clean with CRLF line ends: Å Ä Ö travel encoded, not as raw bytes.
    assert received.data.isascii()
    assert b"\n" not in received.data.replace(b"\r\n", b"")
    assert b"=?utf-8?" in received.data


def test_mail_has_a_text_and_an_html_alternative(smtp_server: SmtpServer, smtp: SmtpSender) -> None:
    rendered = render_email(facts(applicant_name="<script>x</script>"))
    smtp.send(mail(rendered=rendered))

    message = smtp_server.messages[0].message
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    text, html = (p.get_content().replace("\r\n", "\n") for p in parts)
    assert text == rendered.text
    assert html == rendered.html
    assert MANAGE_URL in text and f'href="{MANAGE_URL}"' in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert all(p.get_content_charset() == "utf-8" for p in parts)


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_invitation_is_imip(smtp_server: SmtpServer, smtp: SmtpSender, method: str) -> None:
    invite = calendar(method)
    smtp.send(mail(calendar=invite))

    message = smtp_server.messages[0].message
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html, ics = alternative.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == method
    assert ics.get_content_charset() == "utf-8"
    assert ics.get_payload(decode=True) == invite.data  # byte for byte, CRLF and folding kept
    assert f"\r\nMETHOD:{method}\r\n".encode() in invite.data
    assert parse_events(ics.get_payload(decode=True))[0]["method"] == method
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_payload(decode=True) == invite.data


def test_calendar_method_must_match_the_method_inside() -> None:
    invite = calendar("REQUEST")
    with pytest.raises(ValueError, match="METHOD"):
        mail(calendar=CalendarPart(data=invite.data, method="CANCEL"))


@pytest.mark.parametrize("message_id", ["", "no-at-sign", "<a b@c>", "<a@b>\r\nBcc: x@y.z"])
def test_malformed_message_ids_are_refused(message_id: str) -> None:
    with pytest.raises(ValueError, match="message_id"):
        build_email(
            sender=SENDER,
            sender_name=SENDER_NAME,
            to=APPLICANT,
            rendered=render_email(facts()),
            message_id=message_id,
        )


def test_one_connection_carries_many_mails(smtp_server: SmtpServer, smtp: SmtpSender) -> None:
    for number in range(5):
        smtp.send(mail(f"person{number}@example.org", key=f"n-{number}"))

    assert [m.rcpt_tos for m in smtp_server.messages] == [
        (f"person{number}@example.org",) for number in range(5)
    ]
    assert {m.connection for m in smtp_server.messages} == {1}
    assert smtp_server.connections == 1
    assert smtp.connections_opened == 1


def test_a_connection_the_server_dropped_is_reopened(
    smtp_server: SmtpServer, smtp: SmtpSender
) -> None:
    smtp.send(mail(key="first"))
    smtp_server.drop_connections()
    smtp.send(mail(key="second"))

    assert [m.message["Message-ID"] for m in smtp_server.messages] == [
        "<first@bokning.example.se>",
        "<second@bokning.example.se>",
    ]
    assert [m.connection for m in smtp_server.messages] == [1, 2]
    assert smtp.connections_opened == 2


def test_a_421_on_a_kept_connection_is_retried_on_a_new_one(
    smtp_server: SmtpServer, smtp: SmtpSender
) -> None:
    smtp.send(mail(key="first"))
    smtp_server.refuse_sender("421 4.4.2 Idle timeout, closing", times=1)
    smtp.send(mail(key="second"))

    assert len(smtp_server.messages) == 2
    assert smtp.connections_opened == 2


def test_closed_sender_reconnects_on_next_send(smtp_server: SmtpServer, smtp: SmtpSender) -> None:
    smtp.send(mail(key="first"))
    smtp.close()
    smtp.close()  # closing twice is harmless
    smtp.send(mail(key="second"))
    assert len(smtp_server.messages) == 2
    assert smtp.connections_opened == 2


def test_rejected_recipient_is_permanent_and_the_connection_stays_usable(
    smtp_server: SmtpServer, smtp: SmtpSender
) -> None:
    smtp_server.refuse_recipient("gone@example.org", "550 5.1.1 <gone@example.org>: No such user")

    with pytest.raises(PermanentSendError) as caught:
        smtp.send(mail("gone@example.org"))
    assert "550" in str(caught.value)
    assert "gone@example.org" not in str(caught.value)  # masked in what gets stored and logged
    assert "g***@example.org" in str(caught.value)

    smtp.send(mail(APPLICANT))
    assert [m.rcpt_tos for m in smtp_server.messages] == [(APPLICANT,)]
    assert smtp.connections_opened == 1


def test_busy_mailbox_is_transient_and_later_succeeds(
    smtp_server: SmtpServer, smtp: SmtpSender
) -> None:
    smtp_server.refuse_recipient(APPLICANT, "451 4.2.1 Mailbox busy, try later", times=1)

    with pytest.raises(TransientSendError, match="451"):
        smtp.send(mail())
    smtp.send(mail())
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize(
    ("stage", "reply", "error"),
    [
        ("data", "554 5.7.1 Message rejected as spam", PermanentSendError),
        ("data", "452 4.3.1 Insufficient system storage", TransientSendError),
        ("sender", "553 5.7.1 Sender address rejected", PermanentSendError),
        ("sender", "451 4.7.1 Greylisted, try again", TransientSendError),
    ],
)
def test_replies_to_mail_from_and_data_are_mapped(
    smtp_server: SmtpServer,
    smtp: SmtpSender,
    stage: str,
    reply: str,
    error: type[Exception],
) -> None:
    if stage == "data":
        smtp_server.refuse_data(reply)
    else:
        smtp_server.refuse_sender(reply)
    with pytest.raises(error, match=reply[:3]):
        smtp.send(mail())
    assert smtp_server.messages == []


def test_server_down_is_transient() -> None:
    with refused_port() as port:
        sender = SmtpSender(f"smtp://127.0.0.1:{port}")
        with pytest.raises(TransientSendError, match="ConnectionRefused"):
            sender.send(mail())
        sender.close()


def test_silent_server_times_out_as_transient() -> None:
    with mute_port() as port:
        sender = SmtpSender(f"smtp://127.0.0.1:{port}", timeout=0.2)
        with pytest.raises(TransientSendError, match="timed out"):
            sender.send(mail())
        sender.close()


def test_starttls_with_login(smtp_tls_server: SmtpServer) -> None:
    sender = SmtpSender(smtp_tls_server.login_url, ssl_context=smtp_tls_server.client_context)
    sender.send(mail())
    sender.send(mail(key="n-2"))
    sender.close()

    assert [(m.tls, m.login, m.connection) for m in smtp_tls_server.messages] == [
        (True, smtp_tls_server.user, 1),
        (True, smtp_tls_server.user, 1),
    ]


def test_implicit_tls_with_login(smtps_server: SmtpServer) -> None:
    assert smtps_server.login_url.startswith("smtps://")
    sender = SmtpSender(smtps_server.login_url, ssl_context=smtps_server.client_context)
    sender.send(mail())
    sender.close()

    assert [(m.tls, m.login) for m in smtps_server.messages] == [(True, smtps_server.user)]


def test_untrusted_certificate_is_transient(smtp_tls_server: SmtpServer) -> None:
    sender = SmtpSender(smtp_tls_server.url)  # the system's trust store: the test CA is not in it
    with pytest.raises(TransientSendError, match="CERTIFICATE_VERIFY_FAILED"):
        sender.send(mail())
    assert smtp_tls_server.messages == []


def test_required_starttls_that_is_not_offered_is_transient(smtp_server: SmtpServer) -> None:
    sender = SmtpSender(smtp_server.url.replace("smtp://", "smtp+starttls://"))
    with pytest.raises(TransientSendError, match="STARTTLS"):
        sender.send(mail())
    assert smtp_server.messages == []


def test_wrong_password_is_transient(smtp_tls_server: SmtpServer) -> None:
    # The account, not the message, is wrong: retrying after the fix must still deliver.
    url = smtp_tls_server.url.replace("://", f"://{smtp_tls_server.user}:wrong@")
    sender = SmtpSender(url, ssl_context=smtp_tls_server.client_context)
    with pytest.raises(TransientSendError, match="535"):
        sender.send(mail())
    assert smtp_tls_server.messages == []


def test_login_to_a_server_without_auth_is_transient(smtp_server: SmtpServer) -> None:
    sender = SmtpSender(smtp_server.url.replace("://", "://user:pw@"))
    with pytest.raises(TransientSendError, match="AUTH"):
        sender.send(mail())
    assert smtp_server.messages == []


# SMTP configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("plain", "mail.example.org", 25, None, None)),
        ("smtp://127.0.0.1:2525", ("plain", "127.0.0.1", 2525, None, None)),
        ("smtp+starttls://relay.kommun.se", ("starttls", "relay.kommun.se", 587, None, None)),
        ("smtps://u:p%40ss%2Fw@mx.example.org", ("tls", "mx.example.org", 465, "u", "p@ss/w")),
        ("SMTPS://mx.example.org:2465/", ("tls", "mx.example.org", 2465, None, None)),
    ],
)
def test_smtp_urls(url: str, expected: tuple[Any, ...]) -> None:
    settings = parse_smtp_url(url)
    assert (
        settings.security,
        settings.host,
        settings.port,
        settings.username,
        settings.password,
    ) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.example.org", "must start with"),
        ("mail.example.org:25", "must start with"),
        ("smtp://", "needs a host"),
        ("smtp://mail.example.org:99999", "invalid port"),
        ("smtp://mail.example.org?starttls=1", "no path, query"),
        ("smtp://user@mail.example.org", "both a user and a password"),
        ("smtp://user:pw@mail.example.org", "clear text"),
        ("smtps://user:lösen@mail.example.org", "ASCII"),
    ],
)
def test_bad_smtp_urls_fail_when_the_sender_is_made(url: str, problem: str) -> None:
    with pytest.raises(SenderConfigError, match=problem):
        SmtpSender(url)


def test_credentials_over_plain_smtp_are_allowed_on_the_loopback() -> None:
    assert SmtpSender("smtp://user:pw@127.0.0.1:2525").settings.username == "user"
    assert SmtpSender("smtp://user:pw@localhost").settings.password == "pw"


def test_make_email_sender() -> None:
    assert isinstance(make_email_sender({}), LogEmailSender)
    assert isinstance(make_email_sender({"BOOKING_SMTP_URL": None}), LogEmailSender)
    sender = make_email_sender({"BOOKING_SMTP_URL": "smtp+starttls://relay.kommun.se"})
    assert isinstance(sender, SmtpSender)
    assert sender.settings.port == 587
    with pytest.raises(SenderConfigError):
        make_email_sender({"BOOKING_SMTP_URL": "smtpx://relay"})


def test_log_email_sender_logs_no_body(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="booking.notifications.senders")
    rendered = render_email(facts())
    sender = LogEmailSender()
    sender.send(mail(rendered=rendered))
    sender.close()

    assert len(caplog.records) == 1
    logged = caplog.text
    assert "a***@example.org" in logged
    assert rendered.subject in logged
    assert APPLICANT not in logged
    assert MANAGE_URL not in logged and "Xy3kP9qLm2w" not in logged
    assert "Hej Åsa" not in logged


# SMS through a 46elks-shaped gateway ---------------------------------------------------------


@pytest.fixture
def sms(sms_gateway: SmsGateway) -> Iterator[ElksSmsSender]:
    """The sender the app would make from the gateway's settings."""
    sender = make_sms_sender(sms_gateway.config())
    assert isinstance(sender, ElksSmsSender)
    yield sender
    sender.close()


def test_sms_arrives_as_form_fields_with_basic_auth(
    sms_gateway: SmsGateway, sms: ElksSmsSender
) -> None:
    text = render_sms(facts())
    sms.send(to=PHONE, text=text)
    sms.send(to="+46709876543", text="Påminnelse: å ä ö Å Ä Ö é")

    assert [(m.sender, m.to, m.message) for m in sms_gateway.messages] == [
        ("Bygglov", PHONE, text),
        ("Bygglov", "+46709876543", "Påminnelse: å ä ö Å Ä Ö é"),
    ]
    attempts = sms_gateway.attempts
    assert all(a.authorized and a.status == 200 for a in attempts)
    assert all(a.content_type.startswith("application/x-www-form-urlencoded") for a in attempts)
    assert len({a.client_port for a in attempts}) == 1  # one kept-alive connection


def test_sms_sender_id_comes_from_the_settings(sms_gateway: SmsGateway) -> None:
    sender = make_sms_sender(sms_gateway.config(sender_id="Kommunen"))
    sender.send(to=PHONE, text="Hej")
    sender.close()
    assert sms_gateway.messages[0].sender == "Kommunen"


def test_invalid_number_is_permanent_without_the_text(
    sms_gateway: SmsGateway, sms: ElksSmsSender
) -> None:
    secret_text = "Ändra/avboka: https://bokning.example.se/m/Xy3kP9qLm2w"
    sms_gateway.fail("+4670", 400, reason=f"Invalid to number +4670 for message {secret_text}")

    with pytest.raises(PermanentSendError) as caught:
        sms.send(to="+4670", text=secret_text)
    error = str(caught.value)
    assert "400" in error and "Invalid to number" in error
    assert "Xy3kP9qLm2w" not in error
    assert sms_gateway.messages == []


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_gateway_trouble_is_transient(
    sms_gateway: SmsGateway, sms: ElksSmsSender, status: int
) -> None:
    sms_gateway.fail(None, status)
    with pytest.raises(TransientSendError, match=str(status)):
        sms.send(to=PHONE, text="Hej")
    assert sms_gateway.messages == []


def test_gateway_recovers_after_queued_failures(
    sms_gateway: SmsGateway, sms: ElksSmsSender
) -> None:
    sms_gateway.fail(PHONE, 503, times=2)
    for _ in range(2):
        with pytest.raises(TransientSendError):
            sms.send(to=PHONE, text="Hej")
    sms.send(to=PHONE, text="Hej")
    sms.send(to="+46709876543", text="Hej")  # other numbers were never affected

    assert [a.status for a in sms_gateway.attempts] == [503, 503, 200, 200]
    assert [m.to for m in sms_gateway.messages] == [PHONE, "+46709876543"]


def test_wrong_gateway_password_is_transient(sms_gateway: SmsGateway) -> None:
    # Our account, not the message, is wrong: the message must survive until the fix.
    sender = ElksSmsSender(sms_gateway.url, sms_gateway.user, "wrong")
    with pytest.raises(TransientSendError, match="401"):
        sender.send(to=PHONE, text="Hej")
    sender.close()
    assert [a.authorized for a in sms_gateway.attempts] == [False]
    assert sms_gateway.messages == []


def test_gateway_down_is_transient() -> None:
    with refused_port() as port:
        sender = ElksSmsSender(f"http://127.0.0.1:{port}/a1/sms", "u", "p")
        with pytest.raises(TransientSendError, match="unreachable"):
            sender.send(to=PHONE, text="Hej")
        sender.close()


def test_silent_gateway_times_out_as_transient() -> None:
    with mute_port() as port:
        sender = ElksSmsSender(f"http://127.0.0.1:{port}/a1/sms", "u", "p", timeout=0.2)
        with pytest.raises(TransientSendError, match="timed out"):
            sender.send(to=PHONE, text="Hej")
        sender.close()


# SMS configuration ----------------------------------------------------------------------------


def test_make_sms_sender_defaults_to_log() -> None:
    assert isinstance(make_sms_sender({}), LogSmsSender)
    assert isinstance(make_sms_sender({"BOOKING_SMS_BACKEND": "log"}), LogSmsSender)


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"BOOKING_SMS_BACKEND": "twilio"}, "log or 46elks"),
        (
            {"BOOKING_SMS_BACKEND": "46elks"},
            "BOOKING_SMS_URL, BOOKING_SMS_USER, BOOKING_SMS_PASSWORD",
        ),
        (
            {"BOOKING_SMS_BACKEND": "46elks", "BOOKING_SMS_URL": "https://x/a1/sms"},
            "BOOKING_SMS_USER, BOOKING_SMS_PASSWORD",
        ),
        (
            {
                "BOOKING_SMS_BACKEND": "46elks",
                "BOOKING_SMS_URL": "ftp://x/a1/sms",
                "BOOKING_SMS_USER": "u",
                "BOOKING_SMS_PASSWORD": "p",
            },
            "http",
        ),
        (
            {
                "BOOKING_SMS_BACKEND": "46elks",
                "BOOKING_SMS_URL": "https://x/a1/sms",
                "BOOKING_SMS_USER": "u",
                "BOOKING_SMS_PASSWORD": "p",
                "BOOKING_SMS_FROM": "Bygglovsavdelningen",  # over 11 characters
            },
            "BOOKING_SMS_FROM",
        ),
    ],
)
def test_bad_sms_settings_fail_when_the_sender_is_made(
    settings: dict[str, str], problem: str
) -> None:
    with pytest.raises(SenderConfigError, match=problem):
        make_sms_sender(settings)


def test_sms_sender_id_setting() -> None:
    assert Config.BOOKING_SMS_FROM == "Bygglov"
    assert config_from_env({"BOOKING_SMS_FROM": "Kommunen"})["BOOKING_SMS_FROM"] == "Kommunen"
    assert "BOOKING_SMS_FROM" not in config_from_env({"BOOKING_SMS_FROM": ""})


def test_log_sms_sender_logs_no_text(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="booking.notifications.senders")
    text = render_sms(facts())
    sender = LogSmsSender()
    sender.send(to=PHONE, text=text)
    sender.close()

    assert len(caplog.records) == 1
    assert "+46*******67" in caplog.text
    assert PHONE not in caplog.text
    assert text not in caplog.text and "Xy3kP9qLm2w" not in caplog.text


def test_masks() -> None:
    assert mask_email("asa.oberg@example.org") == "a***@example.org"
    assert mask_email("not-an-address") == "***"
    assert mask_phone("+46701234567") == "+46*******67"
    assert mask_phone("112") == "***"


def test_date_defaults_to_the_time_of_building() -> None:
    # Only its shape is checked: tests never read the wall clock.
    assert parsedate_to_datetime(mail()["Date"]).tzinfo is not None
    assert parsedate_to_datetime(mail(date=END)["Date"]) == END
