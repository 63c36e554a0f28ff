"""PUBLISH calendars (feeds): written directly, byte for byte what icalendar would write."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from booking.calendar import ics
from booking.calendar.ics import InviteEvent, Person, build_calendar

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ZONES = [
    STOCKHOLM,
    ZoneInfo("UTC"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Australia/Lord_Howe"),
]
ORGANIZER = Person("Bygglovsavdelningen", "bygglov@kommun.example.se")

# Characters that matter to escaping and folding: the TEXT specials, "\N", carets, CR/LF,
# controls, and 2-, 3- and 4-byte UTF-8 characters.
_ALPHABET = st.sampled_from(list("aZ 0:;,\\^\"'Nn\r\n\t\x00\x07\x7fåÖ€–🏠\u2028") + ["ñ", "漢"])
TEXT = st.lists(_ALPHABET, max_size=220).map("".join)
UID_TEXT = st.lists(st.sampled_from(list("AZ09-@.;,\\^åé🏠")), min_size=1, max_size=90).map("".join)
INSTANTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2150, 12, 31), timezones=st.just(UTC)
)


def event(**changes: Any) -> InviteEvent:
    """A confirmed video meeting on Friday 26 March 2027, without alarm (as feeds have them)."""
    base = InviteEvent(
        uid="K7QM-4XPR@bokning.example.se",
        sequence=0,
        dtstamp=datetime(2027, 3, 1, 9, 0, 0, 123456, tzinfo=STOCKHOLM),
        start=datetime(2027, 3, 26, 10, 0, tzinfo=STOCKHOLM),
        end=datetime(2027, 3, 26, 10, 45, tzinfo=STOCKHOLM),
        summary="Bygglovsrådgivning: Åsa Öberg",
        description="Bokningsnummer: K7QM-4XPR\nTelefon: +46701234567",
        location="Videomöte",
        organizer=ORGANIZER,
        attendees=[],
        status="CONFIRMED",
        alarm_minutes=None,
    )
    return replace(base, **changes)


def via_icalendar(invite: InviteEvent, zone: ZoneInfo) -> bytes:
    """The event as icalendar's object model serialises it (the builder's REQUEST path)."""
    data: bytes = ics._event(invite, method="PUBLISH", zone=zone).to_ical()
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    summary=TEXT,
    description=TEXT,
    location=st.none() | TEXT,
    uid=UID_TEXT.filter(lambda u: u == u.strip()),
    organizer_name=TEXT,
    sequence=st.integers(min_value=0, max_value=10**9),
    status=st.sampled_from(sorted(ics.STATUSES)),
    start=INSTANTS,
    minutes=st.integers(min_value=1, max_value=60 * 24 * 3),
    dtstamp=INSTANTS,
    zone=st.sampled_from(ZONES),
)
def test_a_published_event_is_exactly_what_icalendar_writes(
    summary: str,
    description: str,
    location: str | None,
    uid: str,
    organizer_name: str,
    sequence: int,
    status: str,
    start: datetime,
    minutes: int,
    dtstamp: datetime,
    zone: ZoneInfo,
) -> None:
    invite = event(
        uid=uid,
        sequence=sequence,
        dtstamp=dtstamp.astimezone(zone),
        start=start,
        end=start + timedelta(minutes=minutes, microseconds=1),
        summary=summary,
        description=description,
        location=location,
        organizer=Person(organizer_name, "bygglov@kommun.example.se"),
        status=status,
    )
    assert ics._publish_event(invite, zone).encode("utf-8") == via_icalendar(invite, zone)


@pytest.mark.parametrize("filler", ["a", "å", "€", "🏠", "\\", ";", "^", "a\\", "åa;"])
def test_folding_agrees_with_icalendar_at_every_length(filler: str) -> None:
    # Every length across the first two folds, for each width of character and each escape.
    for length in range(1, 200):
        text = (filler * length)[:length]
        invite = event(summary=text, description=text[::-1], location=text[1:])
        expected = via_icalendar(invite, STOCKHOLM)
        assert ics._publish_event(invite, STOCKHOLM).encode() == expected, length


def test_the_whole_calendar_is_what_the_object_model_gives() -> None:
    events = [
        event(),
        event(
            uid="second@x",
            status="CANCELLED",
            location=None,
            start=datetime(2028, 4, 2, 13, tzinfo=STOCKHOLM),
            end=datetime(2028, 4, 2, 14, tzinfo=STOCKHOLM),
        ),
        event(uid="with-alarm@x", alarm_minutes=30),  # an alarm: icalendar writes that one
    ]
    data = build_calendar(
        events=events,
        method="PUBLISH",
        zone=STOCKHOLM,
        name="Bokningar: Anna Lindqvist",
        refresh_interval=timedelta(minutes=15),
    )
    expected = Calendar()
    expected.add("PRODID", "-//Radgivningsbokning//SV")
    expected.add("VERSION", "2.0")
    expected.add("CALSCALE", "GREGORIAN")
    expected.add("METHOD", "PUBLISH")
    head = expected.to_ical().removesuffix(b"END:VCALENDAR\r\n")
    calendar_lines = (
        b"NAME:Bokningar: Anna Lindqvist\r\n"
        b"X-WR-CALNAME:Bokningar: Anna Lindqvist\r\n"
        b"REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n"
        b"X-PUBLISHED-TTL:PT15M\r\n"
    )
    events_ical = b"".join(via_icalendar(e, STOCKHOLM) for e in events)
    assert data == (
        head
        + calendar_lines
        + ics._vtimezone_ical(STOCKHOLM, 2027, 2028)
        + events_ical
        + b"END:VCALENDAR\r\n"
    )
    assert b"BEGIN:VALARM" in data and data.count(b"BEGIN:VTIMEZONE") == 1


def test_feed_properties_read_back_with_both_parsers() -> None:
    data = build_calendar(
        events=[event()],
        method="PUBLISH",
        zone=STOCKHOLM,
        name="Bokningar;\nAnna, Lindqvist",
        refresh_interval=timedelta(minutes=15),
    )
    calendar = Calendar.from_ical(data)
    # icalendar hands back an X- property's TEXT still escaped; vobject unescapes it (below).
    assert str(calendar["X-WR-CALNAME"]) == "Bokningar\\; Anna\\, Lindqvist"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(minutes=15)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT15M"
    parsed = vobject.readOne(data.decode("utf-8"))
    assert parsed.contents["name"][0].value == "Bokningar; Anna, Lindqvist"
    assert parsed.contents["x-wr-calname"][0].value == "Bokningar; Anna, Lindqvist"
    assert parsed.contents["refresh-interval"][0].value == "PT15M"
    assert parsed.contents["refresh-interval"][0].params["VALUE"] == ["DURATION"]


def test_an_empty_feed_is_a_valid_calendar_without_a_vtimezone() -> None:
    data = build_calendar(events=[], method="PUBLISH", zone=STOCKHOLM, name="Tom")
    assert b"VEVENT" not in data and b"VTIMEZONE" not in data
    assert Calendar.from_ical(data).events == []
    assert vobject.readOne(data.decode("utf-8")).contents.get("vevent") is None


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_invitations_still_need_their_one_event(method: str) -> None:
    with pytest.raises(ValueError, match="at least one"):
        build_calendar(events=[], method=method, zone=STOCKHOLM)


def test_the_calendar_properties_are_optional_and_checked() -> None:
    plain = build_calendar(events=[event()], method="PUBLISH", zone=STOCKHOLM)
    assert b"REFRESH-INTERVAL" not in plain and b"X-WR-CALNAME" not in plain
    with pytest.raises(ValueError, match="refresh_interval"):
        build_calendar(
            events=[event()], method="PUBLISH", zone=STOCKHOLM, refresh_interval=timedelta(0)
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": datetime(2027, 3, 26, 10)}, "aware"),
        ({"end": datetime(2027, 3, 26, 10, tzinfo=STOCKHOLM)}, "after start"),
        ({"sequence": -1}, "sequence"),
        ({"status": "DONE"}, "status"),
        ({"uid": " padded"}, "uid"),
        ({"organizer": Person("Ingen", None)}, "organizer"),
        ({"organizer": Person("X", "x@y\r\nBCC:z")}, "e-mail"),
    ],
)
def test_published_events_are_checked_like_every_other(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_calendar(events=[event(**changes)], method="PUBLISH", zone=STOCKHOLM)


def test_the_vtimezone_spans_the_years_of_the_events() -> None:
    events = [
        event(),
        event(
            uid="later@x",
            start=datetime(2028, 10, 29, 10, tzinfo=STOCKHOLM),
            end=datetime(2028, 10, 29, 11, tzinfo=STOCKHOLM),
        ),
    ]
    data = build_calendar(events=events, method="PUBLISH", zone=STOCKHOLM)
    parsed = vobject.readOne(data.decode("utf-8"))
    tz = parsed.vtimezone.gettzinfo()
    # Both sides of both years' changes: the offsets a client computes are the real ones.
    for day, hours in [
        (date(2027, 3, 27), 1),
        (date(2027, 3, 29), 2),
        (date(2028, 10, 28), 2),
        (date(2028, 10, 30), 1),
    ]:
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=tz)
        assert noon.utcoffset() == timedelta(hours=hours), day
    starts = [e.dtstart.value for e in parsed.contents["vevent"]]
    assert [s.astimezone(UTC) for s in starts] == [e.start.astimezone(UTC) for e in events]
