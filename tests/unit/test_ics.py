"""iCalendar invitations: every calendar is read back with both icalendar and vobject."""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar, Event, Timezone

from booking.calendar import ics
from booking.calendar.ics import InviteEvent, Person, build_calendar, parse_events

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TZID = "Europe/Stockholm"
UID = "B-2027-0042@bokning.example.se"

# ; , newline and backslash, including a backslash followed by "n" that must NOT become a break.
TRICKY = "Åsa Öberg; Väg 3,\nvån 2 – C:\\mapp\\nya"
# Far beyond 75 octets, with 2-, 3- and 4-byte UTF-8 characters so folds land next to them.
LONG_TEXT = (
    "Referens B-2027-0042. Hantera bokningen: https://bokning.example.se/m/abc?x=1&y=2\n"
    + "Rådgivning om bygglov för ändrad användning av förråd; altan, skärmtak. " * 4
    + "€" * 40
    + "🏠" * 25
    + " slut\\n"
)

ORGANIZER = Person("Bygglovsavdelningen; Rådgivning", "bygglov@kommun.example.se")
APPLICANT = Person(TRICKY, "asa.oberg@example.se")
OFFICER = Person("Handläggare Nils, Bygg", "nils@kommun.example.se")
NO_EMAIL = Person("Utan E-post", None)
BLANK_EMAIL = Person("Tom E-post", "  ")


def invite(**changes: Any) -> InviteEvent:
    """A confirmed in-person booking on Friday 26 March 2027 (before the DST change)."""
    base = InviteEvent(
        uid=UID,
        sequence=0,
        dtstamp=datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM),
        start=datetime(2027, 3, 26, 10, 0, tzinfo=STOCKHOLM),
        end=datetime(2027, 3, 26, 11, 0, tzinfo=STOCKHOLM),
        summary="Bygglovsrådgivning",
        description="Referens B-2027-0042\nHantera: https://bokning.example.se/m/abc",
        location="Stadshuset, Storgatan 1",
        organizer=ORGANIZER,
        attendees=[
            (APPLICANT, "REQ-PARTICIPANT"),
            (NO_EMAIL, "OPT-PARTICIPANT"),
            (OFFICER, "OPT-PARTICIPANT"),
            (BLANK_EMAIL, "OPT-PARTICIPANT"),
        ],
        status="CONFIRMED",
    )
    return replace(base, **changes)


def build(method: str = "REQUEST", *events: InviteEvent) -> bytes:
    """Build with the Stockholm zone (one default invite when no events are given)."""
    return build_calendar(events=list(events) or [invite()], method=method, zone=STOCKHOLM)


def read_both(data: bytes) -> tuple[Calendar, Event, Any]:
    """Parse with icalendar and vobject; return the icalendar calendar, its event, and vobject's."""
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    events = calendar.events
    assert len(events) == 1
    parsed = vobject.readOne(data.decode("utf-8"))
    assert len(parsed.contents["vevent"]) == 1
    return calendar, events[0], parsed


def content_lines(data: bytes) -> list[str]:
    """Unfolded content lines (CRLF + one blank removed), as text."""
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def lines_named(data: bytes, name: str) -> list[str]:
    """Unfolded content lines whose property name is `name`."""
    return [line for line in content_lines(data) if re.match(rf"{name}[;:]", line)]


# --- purity -------------------------------------------------------------------------------


def test_module_imports_only_stdlib_and_icalendar() -> None:
    tree = ast.parse(Path(ics.__file__).read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    assert "icalendar" in roots
    assert roots - {"icalendar"} <= set(sys.stdlib_module_names), roots


# --- lifecycle: create -> reschedule -> cancel ----------------------------------------------


def test_uid_is_stable_and_sequence_grows_through_create_reschedule_cancel() -> None:
    created = invite()
    moved = replace(
        created,
        sequence=1,
        dtstamp=datetime(2027, 3, 20, 8, 0, tzinfo=UTC),
        start=datetime(2027, 3, 30, 10, 0, tzinfo=STOCKHOLM),
        end=datetime(2027, 3, 30, 11, 0, tzinfo=STOCKHOLM),
    )
    cancelled = replace(moved, sequence=2, dtstamp=datetime(2027, 3, 25, 8, 0, tzinfo=UTC))
    messages = [
        ("REQUEST", build("REQUEST", created)),
        ("REQUEST", build("REQUEST", moved)),
        ("CANCEL", build("CANCEL", cancelled)),
    ]
    for expected_sequence, (method, data) in enumerate(messages):
        calendar, event, parsed = read_both(data)
        assert str(calendar["METHOD"]) == method
        assert parsed.method.value == method
        assert str(event["UID"]) == UID
        assert parsed.vevent.uid.value == UID
        assert event.sequence == expected_sequence
        assert int(parsed.vevent.sequence.value) == expected_sequence
    assert [e["sequence"] for m in messages for e in parse_events(m[1])] == [0, 1, 2]
    assert {e["uid"] for m in messages for e in parse_events(m[1])} == {UID}


# --- time zones -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "wall", "offset"),
    [
        # Friday before the change (CET, +01:00) and Tuesday after it (CEST, +02:00).
        (datetime(2027, 3, 26, 10, 0, tzinfo=STOCKHOLM), "20270326T100000", timedelta(hours=1)),
        (datetime(2027, 3, 30, 10, 0, tzinfo=STOCKHOLM), "20270330T100000", timedelta(hours=2)),
        # Given in UTC: still written as Stockholm wall time.
        (datetime(2027, 3, 30, 8, 0, tzinfo=UTC), "20270330T100000", timedelta(hours=2)),
        (datetime(2027, 11, 2, 9, 0, tzinfo=UTC), "20271102T100000", timedelta(hours=1)),
    ],
)
def test_dtstart_has_tzid_and_the_right_wall_time_on_both_sides_of_dst(
    start: datetime, wall: str, offset: timedelta
) -> None:
    data = build("REQUEST", invite(start=start, end=start + timedelta(minutes=45)))
    _, event, parsed = read_both(data)

    assert lines_named(data, "DTSTART")[-1] == f"DTSTART;TZID={TZID}:{wall}"
    raw = vobject.readOne(data.decode("utf-8"), transform=False)
    assert raw.vevent.dtstart.params["TZID"] == [TZID]
    assert raw.vevent.dtend.params["TZID"] == [TZID]
    for value in (event.start, parsed.vevent.dtstart.value):
        assert isinstance(value, datetime)
        assert value == start
        assert value.utcoffset() == offset
        assert value.strftime("%Y%m%dT%H%M%S") == wall
    end_wall = (start + timedelta(minutes=45)).astimezone(STOCKHOLM).strftime("%Y%m%dT%H%M%S")
    assert lines_named(data, "DTEND")[-1] == f"DTEND;TZID={TZID}:{end_wall}"
    assert parsed.vevent.dtend.value == start + timedelta(minutes=45)


def test_exactly_one_vtimezone_for_stockholm() -> None:
    data = build(
        "PUBLISH",
        invite(),
        invite(
            uid="B-2@x.se",
            start=datetime(2028, 6, 1, 9, tzinfo=UTC),
            end=datetime(2028, 6, 1, 10, tzinfo=UTC),
        ),
    )
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    assert [tz.tz_name for tz in calendar.timezones] == [TZID]
    assert calendar.get_missing_tzids() == set()
    assert data.count(b"BEGIN:VTIMEZONE") == 1
    parsed = vobject.readOne(data.decode("utf-8"))
    assert [tz.tzid.value for tz in parsed.contents["vtimezone"]] == [TZID]


def test_vtimezone_onsets_are_the_real_transitions() -> None:
    """RFC 5545 §3.6.5: onset = DTSTART (+ RDATEs) as local time in TZOFFSETFROM."""
    data = build(
        "REQUEST",
        invite(
            start=datetime(2027, 3, 26, 10, tzinfo=STOCKHOLM),
            end=datetime(2028, 11, 2, 11, tzinfo=STOCKHOLM),
        ),
    )
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    (vtimezone,) = calendar.timezones
    assert isinstance(vtimezone, Timezone)
    changes = 0
    for observance in (*vtimezone.standard, *vtimezone.daylight):
        before, after = observance.TZOFFSETFROM, observance.TZOFFSETTO
        if before == after:
            continue
        for onset in [observance.DTSTART, *(rdate for rdate, _ in observance.rdates)]:
            instant = (onset - before).replace(tzinfo=UTC)
            assert instant.astimezone(STOCKHOLM).utcoffset() == after, onset
            assert (instant - timedelta(seconds=1)).astimezone(STOCKHOLM).utcoffset() == before
            changes += 1
    assert changes == 4  # spring and autumn of 2027 and 2028


def test_vobject_reads_the_vtimezone_like_the_tz_database() -> None:
    """vobject builds its tzinfo from our VTIMEZONE: every quarter hour of 2027 must agree."""
    data = build("REQUEST")
    zone_from_vtimezone = vobject.readOne(data.decode("utf-8")).vevent.dtstart.value.tzinfo
    assert not isinstance(zone_from_vtimezone, ZoneInfo)
    instant = datetime(2027, 1, 1, tzinfo=UTC)
    mismatches = []
    while instant < datetime(2028, 1, 1, tzinfo=UTC):
        ours = instant.astimezone(zone_from_vtimezone).utcoffset()
        if ours != instant.astimezone(STOCKHOLM).utcoffset():
            mismatches.append(instant)
        instant += timedelta(minutes=15)
    assert mismatches == []


def test_dtstamp_is_utc_with_z() -> None:
    data = build("REQUEST")  # dtstamp 2027-03-01 09:00 Stockholm = 08:00Z
    assert lines_named(data, "DTSTAMP") == ["DTSTAMP:20270301T080000Z"]
    _, event, parsed = read_both(data)
    assert event.DTSTAMP == datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    assert parsed.vevent.dtstamp.value == datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


# --- serialization --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL", "PUBLISH"])
def test_crlf_lines_of_at_most_75_octets_that_each_decode_as_utf8(method: str) -> None:
    data = build(method, invite(description=LONG_TEXT, summary=TRICKY * 3, location=TRICKY * 2))
    assert data.endswith(b"\r\n")
    physical = data[: -len(b"\r\n")].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line and b"\r" not in line, line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # a fold inside a multibyte character would raise here
    continuations = [line for line in physical if line.startswith(b" ")]
    assert len(continuations) >= 10  # the long values really were folded
    assert any(re.search(rb"[\x80-\xff]", line[:4]) for line in continuations)


# --- escaping -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL", "PUBLISH"])
def test_text_values_round_trip_exactly(method: str) -> None:
    data = build(method, invite(summary=TRICKY, description=TRICKY + LONG_TEXT, location=TRICKY))
    _, event, parsed = read_both(data)
    for name, expected in (
        ("SUMMARY", TRICKY),
        ("DESCRIPTION", TRICKY + LONG_TEXT),
        ("LOCATION", TRICKY),
    ):
        assert str(event[name]) == expected
        assert getattr(parsed.vevent, name.lower()).value == expected
    escaped = r"Åsa Öberg\; Väg 3\,\nvån 2 – C:\\mapp\\nya"
    assert lines_named(data, "SUMMARY") == [f"SUMMARY:{escaped}"]
    assert lines_named(data, "LOCATION") == [f"LOCATION:{escaped}"]


def test_carriage_returns_become_line_feeds() -> None:
    data = build("REQUEST", invite(description="rad 1\r\nrad 2\rrad 3"))
    _, event, parsed = read_both(data)
    assert str(event["DESCRIPTION"]) == "rad 1\nrad 2\nrad 3"
    assert parsed.vevent.description.value == "rad 1\nrad 2\nrad 3"


def test_common_names_round_trip_with_both_parsers() -> None:
    name = "Åsa Öberg; Väg 3, C:\\mapp: 2"
    organizer = Person("Bygglov; Rådgivning, C:\\x", "bygglov@kommun.example.se")
    data = build(
        "REQUEST",
        invite(
            organizer=organizer, attendees=[(Person(name, "asa@example.se"), "REQ-PARTICIPANT")]
        ),
    )
    _, event, parsed = read_both(data)
    assert event["ORGANIZER"].params["CN"] == organizer.name
    assert parsed.vevent.organizer.params["CN"] == [organizer.name]
    assert event["ATTENDEE"].params["CN"] == name
    assert parsed.vevent.attendee.params["CN"] == [name]


def test_line_breaks_and_quotes_in_common_names_are_flattened_identically() -> None:
    """A parameter value cannot hold a raw line break or DQUOTE; RFC 6868 escapes (^n, ^')
    are not decoded by vobject, so both parsers must see the same one-line name instead."""
    data = build(
        "REQUEST",
        invite(
            attendees=[(Person('Åsa "Åsis" Öberg; Väg 3,\nvån 2', "a@x.se"), "REQ-PARTICIPANT")]
        ),
    )
    expected = "Åsa 'Åsis' Öberg; Väg 3, vån 2"
    _, event, parsed = read_both(data)
    assert event["ATTENDEE"].params["CN"] == expected
    assert parsed.vevent.attendee.params["CN"] == [expected]
    assert "^" not in lines_named(data, "ATTENDEE")[0]


# --- attendees, methods, alarms --------------------------------------------------------------


def test_attendees_without_email_are_omitted() -> None:
    _, event, parsed = read_both(build("REQUEST"))
    icalendar_addresses = [str(a) for a in event.attendees]
    vobject_addresses = [a.value for a in parsed.vevent.contents["attendee"]]
    expected = ["mailto:asa.oberg@example.se", "mailto:nils@kommun.example.se"]
    assert icalendar_addresses == expected
    assert vobject_addresses == expected
    assert "Utan E-post" not in build("REQUEST").decode("utf-8")


def test_request_invites_attendees_to_reply_and_has_an_alarm() -> None:
    data = build("REQUEST")
    _, event, parsed = read_both(data)
    for attendee, role in zip(event.attendees, ["REQ-PARTICIPANT", "OPT-PARTICIPANT"], strict=True):
        assert attendee.params["RSVP"] == "TRUE"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["ROLE"] == role
    for attendee in parsed.vevent.contents["attendee"]:
        assert attendee.params["RSVP"] == ["TRUE"]
    assert lines_named(data, "ORGANIZER") == [
        'ORGANIZER;CN="Bygglovsavdelningen; Rådgivning":mailto:bygglov@kommun.example.se'
    ]
    assert parsed.vevent.organizer.value == "mailto:bygglov@kommun.example.se"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["TRANSP"]) == "OPAQUE"
    assert parsed.vevent.transp.value == "OPAQUE"

    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-60)
    assert str(alarm["DESCRIPTION"]) == "Bygglovsrådgivning"
    assert parsed.vevent.valarm.trigger.value == timedelta(minutes=-60)


def test_alarm_minutes_are_honoured_and_none_means_no_alarm() -> None:
    _, event, parsed = read_both(build("REQUEST", invite(alarm_minutes=15)))
    assert event.walk("VALARM")[0].decoded("TRIGGER") == timedelta(minutes=-15)
    assert parsed.vevent.valarm.trigger.value == timedelta(minutes=-15)
    data = build("REQUEST", invite(alarm_minutes=None))
    assert b"VALARM" not in data


def test_cancel_is_cancelled_without_alarm_or_rsvp() -> None:
    data = build("CANCEL", invite(sequence=2, status="CONFIRMED"))
    calendar, event, parsed = read_both(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert lines_named(data, "STATUS") == ["STATUS:CANCELLED"]
    assert parsed.vevent.status.value == "CANCELLED"
    assert b"VALARM" not in data
    assert b"RSVP" not in data
    assert [str(a) for a in event.attendees] == [
        "mailto:asa.oberg@example.se",
        "mailto:nils@kommun.example.se",
    ]
    assert [e["status"] for e in parse_events(data)] == ["CANCELLED"]


def test_publish_feed_has_many_events_and_no_attendees() -> None:
    second = invite(
        uid="B-2027-0043@bokning.example.se",
        location=None,
        status="CANCELLED",
        start=datetime(2027, 4, 2, 13, tzinfo=STOCKHOLM),
        end=datetime(2027, 4, 2, 14, tzinfo=STOCKHOLM),
    )
    data = build("PUBLISH", invite(), second)
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert b"ATTENDEE" not in data and b"RSVP" not in data
    parsed = vobject.readOne(data.decode("utf-8"))
    assert [e.uid.value for e in parsed.contents["vevent"]] == [UID, second.uid]
    first_event, second_event = calendar.events
    assert str(first_event["LOCATION"]) == "Stadshuset, Storgatan 1"
    assert "LOCATION" not in second_event
    assert len(first_event.walk("VALARM")) == 1
    assert second_event.walk("VALARM") == []  # no reminder for a cancelled booking
    keys = ("uid", "sequence", "start", "end", "status", "method")
    assert [{k: e[k] for k in keys} for e in parse_events(data)] == [
        {
            "uid": UID,
            "sequence": 0,
            "start": datetime(2027, 3, 26, 10, tzinfo=STOCKHOLM),
            "end": datetime(2027, 3, 26, 11, tzinfo=STOCKHOLM),
            "status": "CONFIRMED",
            "method": "PUBLISH",
        },
        {
            "uid": second.uid,
            "sequence": 0,
            "start": datetime(2027, 4, 2, 13, tzinfo=STOCKHOLM),
            "end": datetime(2027, 4, 2, 14, tzinfo=STOCKHOLM),
            "status": "CANCELLED",
            "method": "PUBLISH",
        },
    ]


def test_parse_events_returns_aware_times_in_the_zone() -> None:
    (parsed,) = parse_events(build("REQUEST"))
    start = parsed["start"]
    assert isinstance(start, datetime)
    assert start.tzinfo is not None and start.utcoffset() == timedelta(hours=1)
    assert parsed["method"] == "REQUEST"


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "events", "message"),
    [
        ("INVITE", [invite()], "method"),
        ("REQUEST", [], "at least one"),
        ("REQUEST", [invite(), invite(uid="other@x.se")], "exactly one"),
        ("PUBLISH", [invite(), invite()], "distinct"),
        ("REQUEST", [invite(start=datetime(2027, 3, 26, 10))], "aware"),
        ("REQUEST", [invite(dtstamp=datetime(2027, 3, 1, 9))], "aware"),
        ("REQUEST", [invite(end=datetime(2027, 3, 26, 10, tzinfo=STOCKHOLM))], "after start"),
        ("REQUEST", [invite(sequence=-1)], "sequence"),
        ("REQUEST", [invite(status="DONE")], "status"),
        ("REQUEST", [invite(uid="a\r\nb")], "uid"),
        ("REQUEST", [invite(alarm_minutes=-5)], "alarm"),
        ("REQUEST", [invite(organizer=Person("Ingen", None))], "organizer"),
        ("REQUEST", [invite(attendees=[(APPLICANT, "BOSS")])], "role"),
        (
            "REQUEST",
            [invite(attendees=[(Person("X", "x@y\r\nBCC:z"), "REQ-PARTICIPANT")])],
            "e-mail",
        ),
    ],
)
def test_invalid_input_is_rejected(method: str, events: list[InviteEvent], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_calendar(events=events, method=method, zone=STOCKHOLM)
