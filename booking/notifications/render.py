"""Booking and call-back messages rendered from the Jinja templates beside this module.

Rendering is pure: it takes a :class:`BookingFacts` (or :class:`CallbackFacts`) and reads neither
the database nor the application, so the dispatcher can render in any thread and tests need no app.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from babel import Locale
from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from booking.core.gsm7 import fits_single_sms, to_gsm7
from booking.notifications.messages import AUDIENCES, KINDS, LANGUAGES, BookingFacts, RenderedEmail

__all__ = [
    "CALLBACK_KINDS",
    "DEFAULT_LANGUAGE",
    "CallbackFacts",
    "SurveyFacts",
    "format_local_time",
    "render_callback_email",
    "render_callback_sms",
    "render_email",
    "render_sms",
    "render_survey_email",
    "render_survey_sms",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_LANGUAGE = "sv"
MODES = ("phone", "video", "in_person")
# en_GB: day before month and a 24-hour clock, as a Swedish office writes times in English.
_LOCALES = {"sv": "sv_SE", "en": "en_GB"}
# Explicit CLDR patterns: the locale's own "full" format would add seconds and the zone name.
_PATTERNS = {
    "sv": {"long": "EEEE d MMMM y 'kl.' HH:mm", "short": "EEE d MMM 'kl.' HH:mm", "time": "HH:mm"},
    "en": {"long": "EEEE d MMMM y 'at' HH:mm", "short": "EEE d MMM 'at' HH:mm", "time": "HH:mm"},
}
# A day within the coming weeks, as a call-back's SMS writes it: "tisdag 2 mars".
_DAY_PATTERN = "EEEE d MMMM"
# Most detailed first: render_sms drops details until the text fits one SMS.
_SMS_DETAIL_LEVELS = (2, 1, 0)
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_BLANKS = re.compile(r"[ \t]+\n")


def format_local_time(
    moment: datetime, zone: ZoneInfo, language: str = DEFAULT_LANGUAGE, style: str = "long"
) -> str:
    """Write an aware instant as local time in `zone`: "onsdag 3 mars 2027 kl. 10:00".

    `style` is "long" (weekday, date, year, time), "short" (abbreviated, no year: for SMS) or
    "time" (HH:MM).
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be an aware datetime")
    language = language if language in _PATTERNS else DEFAULT_LANGUAGE
    return format_datetime(
        moment.astimezone(zone),
        _PATTERNS[language][style],
        tzinfo=zone,
        locale=_locale(language),
    )


def _render_email(prefix: str, context: dict[str, Any]) -> RenderedEmail:
    """Render the `{prefix}subject.txt`, `email.txt` and `email.html` templates as one e-mail."""
    subject = " ".join(_template(f"{prefix}subject.txt", html=False).render(context).split())
    text = _template(f"{prefix}email.txt", html=False).render(context)
    text = _BLANK_LINES.sub("\n\n", _TRAILING_BLANKS.sub("\n", text)).strip() + "\n"
    html = _template(f"{prefix}email.html", html=True).render(context).strip() + "\n"
    return RenderedEmail(subject=subject, text=text, html=html, language=context["language"])


def render_email(facts: BookingFacts) -> RenderedEmail:
    """Render the e-mail for `facts`: one-line subject, plain text, and autoescaped HTML."""
    context = _context(facts)
    return _render_email("", context)


def render_sms(facts: BookingFacts) -> str:
    """Render the SMS for `facts`: one line, GSM-7 where the values allow, one SMS when possible.

    The most detailed wording that fits 160 GSM-7 septets wins; when even the shortest does not
    fit (a very long manage link), it is sent anyway as a concatenated SMS.
    """
    context = _context(facts)
    template = _template("sms.txt", html=False, language=context["language"])
    text = ""
    for detail in _SMS_DETAIL_LEVELS:
        text = to_gsm7(" ".join(template.render(context, detail=detail).split()))
        if fits_single_sms(text):
            break
    return text


def _context(facts: BookingFacts) -> dict[str, Any]:
    """The template variables for `facts`, validated, with times and the phone number written."""
    if facts.kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {facts.kind!r}")
    if facts.audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {facts.audience!r}")
    if facts.mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {facts.mode!r}")
    language = facts.language if facts.language in LANGUAGES else DEFAULT_LANGUAGE
    is_officer = facts.audience == "officer"
    zone = facts.zone
    when = format_local_time(facts.start_at, zone, language)
    previous = facts.previous_start_at
    return {
        "kind": facts.kind,
        "language": language,
        "is_officer": is_officer,
        "reference": facts.reference,
        "meeting_type_name": facts.meeting_type_name,
        "team_name": facts.team_name,
        "department_name": facts.department_name,
        "officer_name": facts.officer_name,
        "applicant_name": facts.applicant_name,
        "mode": facts.mode,
        "phone": _display_phone(facts.applicant_phone),
        "when": when,
        "when_range": f"{when}–{format_local_time(facts.end_at, zone, language, 'time')}",
        "when_short": format_local_time(facts.start_at, zone, language, "short"),
        "previous_when": format_local_time(previous, zone, language) if previous else None,
        "previous_when_short": (
            format_local_time(previous, zone, language, "short") if previous else None
        ),
        # The manage link acts for the applicant: it never goes to anyone else.
        "manage_url": None if is_officer else facts.manage_url,
        "cancel_reason": (facts.cancel_reason or "").strip() or None,
    }


def _display_phone(phone: str | None) -> str | None:
    """A stored E.164 number as people write it: national for Swedish numbers."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, "SE")
    except phonenumbers.NumberParseException:
        return phone
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 46
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def _sentence(value: str) -> str:
    """End a free-text value with a full stop unless it already ends a sentence."""
    value = value.rstrip()
    return value if value.endswith((".", "!", "?")) else f"{value}."


@functools.cache
def _locale(language: str) -> Locale:
    return Locale.parse(_LOCALES[language])


@functools.cache
def _environment(html: bool, sms: bool = False) -> Environment:
    # Separate environments over the same files: the phrases are shared and only HTML is
    # escaped. SMS keeps every newline, since its lines become the spaces between words.
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=html,  # noqa: S701 - text and SMS are not HTML; escaping would corrupt them
        undefined=StrictUndefined,
        trim_blocks=not sms,
        lstrip_blocks=not sms,
        auto_reload=False,
    )
    environment.filters["sentence"] = _sentence
    return environment


def _template(name: str, *, html: bool, language: str | None = None) -> Template:
    path = f"{language}/{name}" if language else name
    return _environment(html, sms=name.endswith("sms.txt")).get_template(path)


# Call-back messages by kind: (channel, audience). The applicant's SMS at registration and when
# the call-back is closed unreachable; the escalation stages' e-mails to the officer and team.
CALLBACK_KINDS = {
    "callback_registered": ("sms", "applicant"),
    "callback_unreachable": ("sms", "applicant"),
    "callback_window_start": ("email", "officer"),
    "callback_reminder": ("email", "officer"),
    "callback_overdue": ("email", "team"),
}


@dataclass(frozen=True, slots=True)
class CallbackFacts:
    """Everything a call-back message says, as plain values."""

    kind: str  # one of CALLBACK_KINDS
    language: str  # one of LANGUAGES
    callback_id: int
    topic: str
    note: str | None
    team_name: str
    officer_name: str
    applicant_name: str
    applicant_phone: str
    window_start_at: datetime  # aware
    window_end_at: datetime  # aware
    attempts: int
    zone: ZoneInfo
    # When the message is made: "today" in the SMS is the day it is sent.
    now: datetime
    department_name: str
    # The applicant's way to book online instead (for `callback_unreachable`).
    booking_url: str | None = None


def render_callback_sms(facts: CallbackFacts) -> str:
    """Render a call-back's SMS to the applicant, fitted to one GSM-7 SMS when possible."""
    context = _callback_context(facts)
    template = _template("callback_sms.txt", html=False, language=context["language"])
    text = ""
    for detail in _SMS_DETAIL_LEVELS:
        text = to_gsm7(" ".join(template.render(context, detail=detail).split()))
        if fits_single_sms(text):
            break
    return text


def render_callback_email(facts: CallbackFacts) -> RenderedEmail:
    """Render a call-back's e-mail to the officer or the team: subject, text and HTML."""
    context = _callback_context(facts)
    return _render_email("callback_", context)


def _callback_context(facts: CallbackFacts) -> dict[str, Any]:
    if facts.kind not in CALLBACK_KINDS:
        raise ValueError(f"kind must be one of {tuple(CALLBACK_KINDS)}, not {facts.kind!r}")
    language = facts.language if facts.language in LANGUAGES else DEFAULT_LANGUAGE
    zone = facts.zone
    start = facts.window_start_at.astimezone(zone)
    end = facts.window_end_at.astimezone(zone)
    today = facts.now.astimezone(zone).date()

    def day(moment: datetime) -> str | None:
        # None: today, which the templates write as a word ("i dag"), not a date.
        if moment.date() == today:
            return None
        return format_datetime(moment, _DAY_PATTERN, tzinfo=zone, locale=_locale(language))

    return {
        "kind": facts.kind,
        "language": language,
        "callback_id": facts.callback_id,
        "topic": " ".join(facts.topic.split()),
        "note": (facts.note or "").strip() or None,
        "team_name": facts.team_name,
        "officer_name": facts.officer_name,
        "applicant_name": facts.applicant_name,
        "phone": _display_phone(facts.applicant_phone),
        "attempts": facts.attempts,
        "same_day": start.date() == end.date(),
        "start_day": day(start),
        "end_day": day(end),
        "start_time": format_local_time(start, zone, language, "time"),
        "end_time": format_local_time(end, zone, language, "time"),
        "window_long": (
            f"{format_local_time(start, zone, language)}–{format_local_time(end, zone, language)}"
            if start.date() != end.date()
            else f"{format_local_time(start, zone, language)}–"
            f"{format_local_time(end, zone, language, 'time')}"
        ),
        "due": format_local_time(end, zone, language),
        "department_name": facts.department_name,
        "booking_url": facts.booking_url,
    }


@dataclass(frozen=True, slots=True)
class SurveyFacts:
    """Everything the survey invitation says, as plain values."""

    language: str  # one of LANGUAGES
    applicant_name: str
    meeting_start_at: datetime  # aware
    zone: ZoneInfo
    department_name: str
    survey_url: str
    link_expires_at: datetime  # aware: when the link stops working


def _survey_context(facts: SurveyFacts) -> dict[str, Any]:
    language = facts.language if facts.language in LANGUAGES else DEFAULT_LANGUAGE
    start = facts.meeting_start_at.astimezone(facts.zone)
    return {
        "language": language,
        "applicant_name": facts.applicant_name,
        "meeting_day": format_datetime(
            start, _DAY_PATTERN, tzinfo=facts.zone, locale=_locale(language)
        ),
        "department_name": facts.department_name,
        "survey_url": facts.survey_url,
        # The day the link still works on, not a fixed "14 days": the period is configurable
        # and the message may leave a while after the invitation was made.
        "link_last_day": format_datetime(
            _last_day_of(facts.link_expires_at.astimezone(facts.zone)),
            "d MMMM",
            tzinfo=facts.zone,
            locale=_locale(language),
        ),
    }


def _last_day_of(expires: datetime) -> datetime:
    """The last local day a link is valid on: the day before, if it expires at midnight."""
    if expires.time() == time(0):
        return expires - timedelta(days=1)
    return expires


def render_survey_email(facts: SurveyFacts) -> RenderedEmail:
    """Render the survey invitation e-mail: subject, text and HTML."""
    context = _survey_context(facts)
    return _render_email("survey_", context)


def render_survey_sms(facts: SurveyFacts) -> str:
    """Render the survey invitation SMS (the link must stay whole, so no detail levels)."""
    context = _survey_context(facts)
    template = _template("survey_sms.txt", html=False, language=context["language"])
    return to_gsm7(" ".join(template.render(context).split()))
