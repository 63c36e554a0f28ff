"""Booking messages rendered from the templates: e-mail and SMS, Swedish and English."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from itertools import product
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from booking.core.gsm7 import is_gsm7, septet_count
from booking.notifications.messages import AUDIENCES, KINDS, BookingFacts
from booking.notifications.render import format_local_time, render_email, render_sms

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# 40 characters, token included: the manage link is in every applicant message.
MANAGE_URL = "https://bokning.example.se/m/Xy3kP9qLm2w"
assert len(MANAGE_URL) == 40
TOKEN = "Xy3kP9qLm2w"
MODES = ("phone", "video", "in_person")
LANGUAGES = ("sv", "en")

# Monday 29 March 2027, the day after clocks went forward: 10:00 local is 08:00 UTC.
AFTER_DST = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
# Friday 26 March 2027, still winter time: 10:00 local is 09:00 UTC.
BEFORE_DST = datetime(2027, 3, 26, 9, 0, tzinfo=UTC)
WRITTEN = {
    ("sv", AFTER_DST): "måndag 29 mars 2027 kl. 10:00",
    ("en", AFTER_DST): "Monday 29 March 2027 at 10:00",
    ("sv", BEFORE_DST): "fredag 26 mars 2027 kl. 10:00",
    ("en", BEFORE_DST): "Friday 26 March 2027 at 10:00",
}
SHORT = {"sv": "mån 29 mars kl. 10:00", "en": "Mon 29 Mar at 10:00"}
PREVIOUS_SHORT = {"sv": "fre 26 mars kl. 10:00", "en": "Fri 26 Mar at 10:00"}


def facts(**changes: Any) -> BookingFacts:
    """An applicant's confirmation of a phone meeting on 29 March 2027 at 10:00 local time."""
    base = BookingFacts(
        kind="confirmation",
        audience="applicant",
        language="sv",
        reference="K7QM-4XPR",
        meeting_type_name="Bygglovsrådgivning",
        team_name="Privatpersoner",
        start_at=AFTER_DST,
        end_at=AFTER_DST.replace(hour=8, minute=45),
        zone=STOCKHOLM,
        mode="phone",
        applicant_name="Åsa Öberg",
        applicant_phone="+46701234567",
        officer_name="Maria Lindqvist-Öberg",
        department_name="Bygglovsavdelningen",
        manage_url=MANAGE_URL,
        previous_start_at=BEFORE_DST,
    )
    return replace(base, **changes)


def every(**changes: Any) -> list[BookingFacts]:
    """The facts for every language, kind, audience and mode (officers get no manage link)."""
    return [
        facts(
            language=language,
            kind=kind,
            audience=audience,
            mode=mode,
            manage_url=MANAGE_URL if audience == "applicant" else None,
            **changes,
        )
        for language, kind, audience, mode in product(LANGUAGES, KINDS, AUDIENCES, MODES)
    ]


def label(f: BookingFacts) -> str:
    return f"{f.language}-{f.kind}-{f.audience}-{f.mode}"


# Times ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "moment"), list(WRITTEN))
def test_local_time_is_written_out_across_the_dst_change(language: str, moment: datetime) -> None:
    assert format_local_time(moment, STOCKHOLM, language) == WRITTEN[(language, moment)]


def test_short_and_clock_styles() -> None:
    assert format_local_time(AFTER_DST, STOCKHOLM, "sv", "short") == SHORT["sv"]
    assert format_local_time(AFTER_DST, STOCKHOLM, "en", "short") == SHORT["en"]
    assert format_local_time(BEFORE_DST, STOCKHOLM, "sv", "time") == "10:00"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_local_time(datetime(2027, 3, 29, 10, 0), STOCKHOLM)


@pytest.mark.parametrize(("language", "moment"), list(WRITTEN))
@pytest.mark.parametrize("audience", AUDIENCES)
def test_email_shows_the_meeting_in_local_time(
    language: str, moment: datetime, audience: str
) -> None:
    rendered = render_email(
        facts(language=language, audience=audience, start_at=moment, end_at=moment)
    )
    written = WRITTEN[(language, moment)]
    assert written in rendered.subject
    assert written in rendered.text
    assert written in rendered.html


# E-mail --------------------------------------------------------------------------------------


@pytest.mark.parametrize("f", every(), ids=label)
def test_every_email_renders_with_its_language_reference_and_time(f: BookingFacts) -> None:
    rendered = render_email(f)
    assert rendered.language == f.language
    assert "\n" not in rendered.subject and rendered.subject == rendered.subject.strip()
    assert re.search(r'<html lang="' + f.language + '">', rendered.html)
    assert rendered.html.startswith("<!DOCTYPE html>")
    assert "<title>" in rendered.html and "<h1" in rendered.html
    assert "<" not in rendered.text  # plain text, no markup
    assert rendered.text.endswith("\n") and "\n\n\n" not in rendered.text
    for body in (rendered.text, rendered.html):
        assert f.reference in body
        assert WRITTEN[(f.language, AFTER_DST)] in body
        assert f.meeting_type_name in body


@pytest.mark.parametrize("f", [f for f in every() if f.audience == "applicant"], ids=label)
def test_applicant_email_has_the_manage_link_and_the_officer(f: BookingFacts) -> None:
    rendered = render_email(f)
    assert MANAGE_URL in rendered.text
    assert f'href="{MANAGE_URL}"' in rendered.html
    assert rendered.text.startswith(("Hej Åsa Öberg!", "Hello Åsa Öberg,"))
    assert "Maria Lindqvist-Öberg" in rendered.text


@pytest.mark.parametrize("f", [f for f in every() if f.audience == "officer"], ids=label)
def test_officer_email_is_about_their_booking_without_the_manage_link(f: BookingFacts) -> None:
    # Even when a caller passes the link by mistake, it acts for the applicant: never shown.
    rendered = render_email(replace(f, manage_url=MANAGE_URL))
    for part in (rendered.subject, rendered.text, rendered.html):
        assert TOKEN not in part
        assert "/m/" not in part
    assert "href" not in rendered.html
    assert rendered.text.startswith(("Hej Maria Lindqvist-Öberg!", "Hello Maria Lindqvist-Öberg,"))
    assert "Åsa Öberg" in rendered.text  # who the meeting is with


@pytest.mark.parametrize(
    ("language", "kind", "audience", "wording"),
    [
        ("sv", "confirmation", "applicant", "Din bokning är bekräftad"),
        ("sv", "rescheduled", "applicant", "Din bokning har flyttats"),
        ("sv", "cancelled", "applicant", "Din bokning är avbokad"),
        ("sv", "reminder", "applicant", "påminnelse om din bokade tid"),
        ("sv", "confirmation", "officer", "Du har fått en ny bokning"),
        ("sv", "rescheduled", "officer", "har flyttats till en ny tid"),
        ("sv", "cancelled", "officer", "En av dina bokningar är avbokad"),
        ("sv", "reminder", "officer", "påminnelse om en av dina bokningar"),
        ("en", "confirmation", "applicant", "Your booking is confirmed"),
        ("en", "rescheduled", "applicant", "Your booking has been moved"),
        ("en", "cancelled", "applicant", "Your booking has been cancelled"),
        ("en", "reminder", "applicant", "reminder of your booking"),
        ("en", "confirmation", "officer", "You have a new booking"),
        ("en", "rescheduled", "officer", "moved to a new time"),
        ("en", "cancelled", "officer", "One of your bookings has been cancelled"),
        ("en", "reminder", "officer", "reminder of one of your bookings"),
    ],
)
def test_each_kind_says_what_happened(
    language: str, kind: str, audience: str, wording: str
) -> None:
    rendered = render_email(facts(language=language, kind=kind, audience=audience))
    assert wording in rendered.text
    assert wording in rendered.html


@pytest.mark.parametrize(
    ("language", "new", "old"),
    [("sv", "Ny tid", "Tidigare tid"), ("en", "New time", "Previous time")],
)
def test_rescheduled_email_gives_the_old_and_the_new_time(
    language: str, new: str, old: str
) -> None:
    rendered = render_email(facts(language=language, kind="rescheduled"))
    assert f"{new}: {WRITTEN[(language, AFTER_DST)]}–10:45" in rendered.text
    assert f"{old}: {WRITTEN[(language, BEFORE_DST)]}" in rendered.text
    other = render_email(facts(language=language, kind="confirmation"))
    assert WRITTEN[(language, BEFORE_DST)] not in other.text


def test_cancelled_email_gives_the_reason_and_no_meeting_instructions() -> None:
    rendered = render_email(facts(kind="cancelled", cancel_reason="Handläggaren är sjuk"))
    assert "Anledning: Handläggaren är sjuk" in rendered.text
    assert "ringer dig" not in rendered.text
    assert "Se din bokning" in rendered.text  # the link still leads to the booking


@pytest.mark.parametrize(
    ("language", "audience", "mode", "sentence"),
    [
        ("sv", "applicant", "phone", "Telefonmöte. Handläggaren ringer dig på 070-123 45 67."),
        ("sv", "applicant", "video", "Videomöte. Du får en länk till mötet"),
        ("sv", "applicant", "in_person", "Besök hos Bygglovsavdelningen."),
        ("sv", "officer", "phone", "Telefonmöte. Ring Åsa Öberg på 070-123 45 67."),
        ("sv", "officer", "video", "Videomöte."),
        ("en", "applicant", "phone", "Phone meeting. The officer will call you on 070-123 45 67."),
        ("en", "applicant", "video", "Video meeting. You will get a link to the meeting"),
        ("en", "applicant", "in_person", "In person at Bygglovsavdelningen."),
        ("en", "officer", "phone", "Phone meeting. Call Åsa Öberg on 070-123 45 67."),
        ("en", "officer", "in_person", "In person at Bygglovsavdelningen."),
    ],
)
def test_email_says_what_kind_of_meeting_it_is(
    language: str, audience: str, mode: str, sentence: str
) -> None:
    rendered = render_email(facts(language=language, audience=audience, mode=mode))
    assert sentence in rendered.text
    assert sentence in rendered.html


def test_phone_numbers_are_written_for_people() -> None:
    assert "+46 70" not in render_email(facts()).text
    foreign = render_email(facts(applicant_phone="+4915112345678", language="en"))
    assert "on +49 1511 2345678." in foreign.text
    unknown = render_email(facts(applicant_phone=None))
    assert "Handläggaren ringer dig." in unknown.text


def test_html_escapes_what_people_typed() -> None:
    rendered = render_email(
        facts(
            applicant_name='<script>alert("x")</script>',
            meeting_type_name="Rådgivning & <b>fet</b>",
            kind="cancelled",
            cancel_reason="<img src=x onerror=alert(1)>",
        )
    )
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in rendered.html
    assert "Rådgivning &amp; &lt;b&gt;fet&lt;/b&gt;" in rendered.html
    assert "<img" not in rendered.html and "&lt;img src=x onerror=alert(1)&gt;" in rendered.html
    # The plain-text body and the subject are not HTML: they keep the text as typed.
    assert '<script>alert("x")</script>' in rendered.text
    assert "Rådgivning & <b>fet</b>" in rendered.subject


def test_officer_html_escapes_the_applicant_name() -> None:
    rendered = render_email(facts(audience="officer", applicant_name="<script>x</script>"))
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;x&lt;/script&gt;" in rendered.html


def test_unknown_language_falls_back_to_swedish() -> None:
    rendered = render_email(facts(language="de"))
    assert rendered.language == "sv"
    assert WRITTEN[("sv", AFTER_DST)] in rendered.subject


@pytest.mark.parametrize(
    "change", [{"kind": "moved"}, {"audience": "admin"}, {"mode": "carrier pigeon"}]
)
def test_unknown_kind_audience_or_mode_is_an_error(change: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=next(iter(change))):
        render_email(facts(**change))
    with pytest.raises(ValueError, match=next(iter(change))):
        render_sms(facts(**change))


# SMS -----------------------------------------------------------------------------------------

LONG_VALUES = {
    "officer_name": "Karl-Johan Lindqvist-Åberg",
    "applicant_name": "Åsa Öberg-Söderström",
    "meeting_type_name": "Bygglovsrådgivning för privatpersoner",
    "department_name": "Bygglovsavdelningen, Samhällsbyggnad",
    "cancel_reason": "Handläggaren är sjuk och vi ber om ursäkt för besväret",
}


@pytest.mark.parametrize("long_values", [False, True], ids=["usual", "long"])
@pytest.mark.parametrize("f", every(), ids=label)
def test_every_sms_is_one_gsm7_message(f: BookingFacts, long_values: bool) -> None:
    if long_values:
        f = replace(f, **LONG_VALUES)
    text = render_sms(f)
    assert is_gsm7(text), text
    assert septet_count(text) <= 160, (septet_count(text), text)
    assert "\n" not in text and "  " not in text
    assert f.reference in text
    assert SHORT[f.language] in text
    if f.kind == "rescheduled":
        assert PREVIOUS_SHORT[f.language] in text
    if f.audience == "applicant":
        assert text.endswith(MANAGE_URL)
    else:
        assert TOKEN not in text and "http" not in text


def test_sms_is_as_detailed_as_fits() -> None:
    usual = render_sms(facts(mode="video", manage_url="https://b.se/m/x"))
    assert usual == (
        "Bokat: Bygglovsrådgivning mån 29 mars kl. 10:00. Videomöte med Maria Lindqvist-Öberg. "
        "Ref K7QM-4XPR. Ändra/avboka: https://b.se/m/x"
    )
    long_name = render_sms(
        facts(mode="video", officer_name="Karl-Johan Lindqvist-Åberg Söderström")
    )
    assert long_name == (
        "Bokat: mån 29 mars kl. 10:00. Videomöte med Karl-Johan Lindqvist-Åberg Söderström. "
        f"Ref K7QM-4XPR. Ändra/avboka: {MANAGE_URL}"
    )
    assert render_sms(
        facts(kind="rescheduled", officer_name="Karl-Johan Lindqvist-Åberg Söderström")
    ) == (
        "Ny tid: mån 29 mars kl. 10:00 (tidigare fre 26 mars kl. 10:00). Vi ringer dig. "
        f"Ref K7QM-4XPR. Ändra/avboka: {MANAGE_URL}"
    )


def test_sms_that_cannot_fit_is_sent_whole_in_its_shortest_form() -> None:
    url = "https://bokning.example.se/m/" + "t" * 150
    text = render_sms(facts(language="en", mode="video", manage_url=url))
    assert (
        text == f"Booked: Mon 29 Mar at 10:00. Video meeting. Ref K7QM-4XPR. Change/cancel: {url}"
    )


def test_sms_makes_typed_typography_gsm7() -> None:
    text = render_sms(
        facts(officer_name="Zoë O’Brien", mode="video", manage_url="https://b.se/m/x")
    )
    assert "Videomöte med Zoe O'Brien." in text
    assert is_gsm7(text)


def test_cancelled_sms_gives_the_reason_when_it_fits() -> None:
    text = render_sms(facts(kind="cancelled", cancel_reason="Handläggaren är sjuk"))
    assert text == (
        "Avbokat: Bygglovsrådgivning mån 29 mars kl. 10:00. Anledning: Handläggaren är sjuk. "
        f"Ref K7QM-4XPR. Se bokningen: {MANAGE_URL}"
    )
