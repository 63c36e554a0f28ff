"""Busy time from iCalendar data (booking/calendar/busy.py): what real publishers send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.calendar import busy as busy_module
from booking.calendar.busy import CalendarUnreadable, busy_time, parse_calendars

STOCKHOLM = ZoneInfo("Europe/Stockholm")
START = datetime(2027, 3, 1, tzinfo=UTC)
END = START + timedelta(days=60)

# What Outlook's "publish calendar" sends: a Windows zone name with its own VTIMEZONE.
OUTLOOK = b"""BEGIN:VCALENDAR\r
METHOD:PUBLISH\r
PRODID:Microsoft Exchange Server 2010\r
VERSION:2.0\r
BEGIN:VTIMEZONE\r
TZID:W. Europe Standard Time\r
BEGIN:STANDARD\r
DTSTART:16010101T030000\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:16010101T020000\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:040000008200E00074C5B7101A82E00800000000\r
DTSTART;TZID=W. Europe Standard Time:20270324T100000\r
DTEND;TZID=W. Europe Standard Time:20270324T110000\r
RRULE:FREQ=WEEKLY;UNTIL=20270408T000000Z;INTERVAL=1;BYDAY=WE;WKST=MO\r
SUMMARY:Upptagen\r
TRANSP:OPAQUE\r
END:VEVENT\r
END:VCALENDAR\r
"""
# What Google's secret address sends: UTC times and the calendar's zone in X-WR-TIMEZONE,
# so a weekly 10:00 meeting stays at 10:00 local after the change to summer time.
GOOGLE = b"""BEGIN:VCALENDAR\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
VERSION:2.0\r
X-WR-TIMEZONE:Europe/Stockholm\r
BEGIN:VEVENT\r
DTSTART:20270324T090000Z\r
DTEND:20270324T100000Z\r
RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=3\r
UID:7kukuqrfedlm2f9t3vrmm4qgi8@google.com\r
END:VEVENT\r
END:VCALENDAR\r
"""
WEDNESDAYS = [
    ("2027-03-24T09:00", "2027-03-24T10:00"),
    ("2027-03-31T08:00", "2027-03-31T09:00"),
    ("2027-04-07T08:00", "2027-04-07T09:00"),
]


def intervals(data: bytes) -> list[tuple[str, str]]:
    """The busy intervals of `data` in the window, as UTC "YYYY-MM-DDTHH:MM" pairs."""
    found = busy_time(
        calendars=parse_calendars(data),
        start=START,
        end=END,
        zone=STOCKHOLM,
        is_own=lambda component: False,
    )
    return [
        (
            datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%M"),
            datetime.fromtimestamp(end, UTC).strftime("%Y-%m-%dT%H:%M"),
        )
        for start, end in found.intervals
    ]


@pytest.mark.parametrize("data", [OUTLOOK, GOOGLE], ids=["outlook", "google"])
def test_real_publishers_keep_the_local_time_across_the_change(data: bytes) -> None:
    assert intervals(data) == WEDNESDAYS


def test_a_floating_time_in_the_spring_gap_is_read_as_the_clock_before_it() -> None:
    # 02:30 does not exist on 28 March 2027 in Stockholm: taken as 02:30 CET = 01:30 UTC.
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:gap\r\n"
        b"DTSTAMP:20270101T000000Z\r\nDTSTART:20270328T023000\r\nDTEND:20270328T040000\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert intervals(data) == [("2027-03-28T01:30", "2027-03-28T02:00")]


@pytest.mark.parametrize("data", [b"", b"<html></html>", b"BEGIN:VCARD\r\nEND:VCARD\r\n"])
def test_what_is_not_a_calendar_is_refused(data: bytes) -> None:
    with pytest.raises(CalendarUnreadable):
        parse_calendars(data)


def test_too_many_occurrences_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(busy_module, "MAX_OCCURRENCES", 2)
    with pytest.raises(CalendarUnreadable, match="more than 2 events"):
        intervals(GOOGLE)


def test_the_digest_follows_the_intervals() -> None:
    found = busy_time(
        calendars=parse_calendars(GOOGLE),
        start=START,
        end=END,
        zone=STOCKHOLM,
        is_own=lambda component: False,
    )
    again = busy_time(
        calendars=parse_calendars(OUTLOOK),
        start=START,
        end=END,
        zone=STOCKHOLM,
        is_own=lambda component: False,
    )
    assert found.digest == again.digest
    assert found.digest != busy_module.BusyTime(found.intervals[:1], 1).digest
