"""Free-slot computation: tables for ordinary weeks, DST, holidays, buffers, bounds; properties."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.core.calendar_days import DayRule, OfficeCalendar
from booking.core.intervals import overlaps
from booking.core.slots import (
    MeetingRule,
    OfficerSchedule,
    Slot,
    booking_window,
    compute_slots,
    local_instant,
)

Z = ZoneInfo("Europe/Stockholm")
OFFICE_HOURS: dict[int, list[tuple[int, int]]] = {
    weekday: [(8 * 60, 12 * 60), (13 * 60, 16 * 60)] for weekday in range(5)
}
STANDARD = MeetingRule(duration=45, buffer_before=0, buffer_after=15, step=15)
MORNING = [
    "08:00", "08:15", "08:30", "08:45", "09:00", "09:15", "09:30",
    "09:45", "10:00", "10:15", "10:30", "10:45", "11:00",
]  # fmt: skip
AFTERNOON = ["13:00", "13:15", "13:30", "13:45", "14:00", "14:15", "14:30", "14:45", "15:00"]
NEVER = -(2**62)
FOREVER = 2**62


class AlwaysOpenCalendar(OfficeCalendar):
    """Test double: no holidays, so DST behaviour can be tested on Easter Sunday 2027."""

    def day_rule(self, day: date) -> DayRule:
        return DayRule(is_closed=False, close_from=None, reason=None)


def at(day: date, hhmm: str) -> int:
    """Epoch of a local wall time, computed independently of the code under test."""
    hour, minute = map(int, hhmm.split(":"))
    return int(datetime.combine(day, time(hour, minute), tzinfo=Z).timestamp())


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp())


def wall(t: int) -> str:
    return datetime.fromtimestamp(t, Z).strftime("%H:%M")


def run(
    officers: Sequence[OfficerSchedule],
    first_day: date,
    last_day: date | None = None,
    *,
    meeting: MeetingRule = STANDARD,
    calendar: OfficeCalendar | None = None,
    earliest: int = NEVER,
    latest: int = FOREVER,
) -> list[Slot]:
    return compute_slots(
        officers=officers,
        meeting=meeting,
        first_day=first_day,
        last_day=first_day if last_day is None else last_day,
        zone=Z,
        calendar=OfficeCalendar() if calendar is None else calendar,
        earliest=earliest,
        latest=latest,
    )


def officer(
    officer_id: int = 1,
    hours: Mapping[int, Sequence[tuple[int, int]]] = OFFICE_HOURS,
    busy: Sequence[tuple[int, int]] = (),
) -> OfficerSchedule:
    return OfficerSchedule(officer_id=officer_id, weekly_hours=hours, busy=busy)


def starts_by_day(slots: list[Slot]) -> dict[date, list[str]]:
    result: dict[date, list[str]] = {}
    for slot in slots:
        local = datetime.fromtimestamp(slot.start, Z)
        result.setdefault(local.date(), []).append(local.strftime("%H:%M"))
    return result


# --- an ordinary week -------------------------------------------------------------------------

ORDINARY_MONDAY = date(2027, 2, 15)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 2, 15), MORNING + AFTERNOON),
        (date(2027, 2, 16), MORNING + AFTERNOON),
        (date(2027, 2, 17), MORNING + AFTERNOON),
        (date(2027, 2, 18), MORNING + AFTERNOON),
        (date(2027, 2, 19), MORNING + AFTERNOON),
        (date(2027, 2, 20), []),
        (date(2027, 2, 21), []),
    ],
)
def test_ordinary_week(day: date, expected: list[str]) -> None:
    slots = run([officer(7)], date(2027, 2, 15), date(2027, 2, 21))
    assert starts_by_day(slots).get(day, []) == expected
    assert all(s.end - s.start == 45 * 60 and s.officer_ids == (7,) for s in slots)
    assert len(slots) == 5 * 22


# --- DST ----------------------------------------------------------------------------------------

MARCH_COUNTS = {
    date(2027, 3, 22): 22,
    date(2027, 3, 23): 22,
    date(2027, 3, 24): 22,
    date(2027, 3, 25): 14,  # skärtorsdagen closes 14:00
    date(2027, 3, 26): 0,  # långfredagen
    date(2027, 3, 27): 0,
    date(2027, 3, 28): 0,  # DST starts (and påskdagen)
    date(2027, 3, 29): 0,  # annandag påsk
    date(2027, 3, 30): 22,
    date(2027, 3, 31): 22,
    date(2027, 4, 1): 22,
    date(2027, 4, 2): 22,
}
OCTOBER_COUNTS = {
    date(2027, 10, 25): 22,
    date(2027, 10, 26): 22,
    date(2027, 10, 27): 22,
    date(2027, 10, 28): 22,
    date(2027, 10, 29): 22,
    date(2027, 10, 30): 0,
    date(2027, 10, 31): 0,  # DST ends
    date(2027, 11, 1): 22,
    date(2027, 11, 2): 22,
    date(2027, 11, 3): 22,
    date(2027, 11, 4): 22,
    date(2027, 11, 5): 14,  # allhelgonaafton closes 14:00
}


@pytest.mark.parametrize("counts", [MARCH_COUNTS, OCTOBER_COUNTS], ids=["march", "october"])
def test_dst_weeks_keep_the_same_slots_per_weekday(counts: dict[date, int]) -> None:
    days = sorted(counts)
    by_day = starts_by_day(run([officer()], days[0], days[-1]))
    assert {day: len(by_day.get(day, [])) for day in days} == counts
    for day, count in counts.items():
        if count == 22:
            assert by_day[day] == MORNING + AFTERNOON


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        (date(2027, 3, 24), utc(2027, 3, 24, 8, 0)),  # +01:00
        (date(2027, 3, 30), utc(2027, 3, 30, 7, 0)),  # +02:00
        (date(2027, 10, 27), utc(2027, 10, 27, 7, 0)),  # +02:00
        (date(2027, 11, 2), utc(2027, 11, 2, 8, 0)),  # +01:00
    ],
)
def test_nine_o_clock_local_has_the_right_utc_offset(day: date, expected_utc: int) -> None:
    starts = {slot.start for slot in run([officer()], day)}
    assert expected_utc in starts
    assert min(starts) == expected_utc - 3600  # the day still opens at 08:00 local
    assert wall(expected_utc) == "09:00"


NIGHT_OWL = {6: [(0, 6 * 60)]}  # Sunday 00:00-06:00 local
HALF_HOURS = MeetingRule(duration=30, buffer_before=0, buffer_after=0, step=30)


def test_sunday_night_hours_across_dst_end_neither_lose_nor_double_instants() -> None:
    slots = run([officer(hours=NIGHT_OWL)], date(2027, 10, 31), meeting=HALF_HOURS)
    # 00:00 CEST is 22:00Z the day before; 06:00 CET is 05:00Z: seven real hours.
    assert [s.start for s in slots] == list(
        range(utc(2027, 10, 30, 22), utc(2027, 10, 31, 5), 1800)
    )
    walls = [wall(s.start) for s in slots]
    assert walls.count("02:00") == 2 and walls.count("02:30") == 2
    assert len(slots) == 14


def test_sunday_night_hours_across_dst_start_neither_lose_nor_double_instants() -> None:
    day = date(2027, 3, 28)
    # Påskdagen coincides with the change in 2027, so the real calendar closes the office.
    assert run([officer(hours=NIGHT_OWL)], day, meeting=HALF_HOURS) == []
    slots = run([officer(hours=NIGHT_OWL)], day, meeting=HALF_HOURS, calendar=AlwaysOpenCalendar())
    # 00:00 CET is 23:00Z the day before; 06:00 CEST is 04:00Z: five real hours.
    assert [s.start for s in slots] == list(range(utc(2027, 3, 27, 23), utc(2027, 3, 28, 4), 1800))
    assert [wall(s.start) for s in slots] == [
        "00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30", "05:00", "05:30",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("day", "minute", "expected"),
    [
        (date(2027, 3, 28), 0, utc(2027, 3, 27, 23)),
        (date(2027, 3, 28), 24 * 60, utc(2027, 3, 28, 22)),  # a 23-hour day
        (date(2027, 10, 31), 24 * 60, utc(2027, 10, 31, 23)),  # a 25-hour day
        (date(2027, 3, 28), 150, utc(2027, 3, 28, 1, 30)),  # 02:30 does not exist: = 03:30 CEST
        (date(2027, 10, 31), 150, utc(2027, 10, 31, 0, 30)),  # ambiguous: fold=0, CEST
        (date(2027, 2, 15), 9 * 60, utc(2027, 2, 15, 8)),
    ],
)
def test_local_instant(day: date, minute: int, expected: int) -> None:
    assert local_instant(day, minute, Z) == expected


# --- holidays, early closing, closures ------------------------------------------------------


def test_holidays_are_closed_and_their_neighbours_are_not() -> None:
    by_day = starts_by_day(run([officer()], date(2027, 12, 23), date(2027, 12, 31)))
    assert by_day == {
        date(2027, 12, 23): MORNING + AFTERNOON,
        date(2027, 12, 27): MORNING + AFTERNOON,
        date(2027, 12, 28): MORNING + AFTERNOON,
        date(2027, 12, 29): MORNING + AFTERNOON,
        date(2027, 12, 30): MORNING + AFTERNOON,
    }


@pytest.mark.parametrize(
    ("meeting", "expected_afternoon"),
    [
        (STANDARD, ["13:00"]),  # 13:00 + 45 + 15 buffer = 14:00
        (MeetingRule(45, 0, 0, 15), ["13:00", "13:15"]),
        (MeetingRule(30, 0, 30, 15), ["13:00"]),
        (MeetingRule(60, 15, 0, 15), []),  # 13:15 start ends 14:15
    ],
)
def test_maundy_thursday_stops_at_14(meeting: MeetingRule, expected_afternoon: list[str]) -> None:
    starts = [wall(s.start) for s in run([officer()], date(2027, 3, 25), meeting=meeting)]
    afternoon = [s for s in starts if s >= "13:00"]
    assert afternoon == expected_afternoon
    assert starts[0] == ("08:15" if meeting.buffer_before else "08:00")


@pytest.mark.parametrize(
    ("closure", "expected"),
    [
        ((None, "Personaldag"), []),
        ((12 * 60, "Utbildning"), MORNING),
        ((10 * 60 + 30, "Utbildning"), MORNING[: MORNING.index("09:30") + 1]),
        ((15 * 60, "Möte"), [*MORNING, "13:00", "13:15", "13:30", "13:45", "14:00"]),
    ],
)
def test_closures(closure: tuple[int | None, str], expected: list[str]) -> None:
    calendar = OfficeCalendar(closures={ORDINARY_MONDAY: closure})
    by_day = starts_by_day(
        run([officer()], ORDINARY_MONDAY, ORDINARY_MONDAY + timedelta(days=1), calendar=calendar)
    )
    assert by_day.get(ORDINARY_MONDAY, []) == expected
    assert by_day[ORDINARY_MONDAY + timedelta(days=1)] == MORNING + AFTERNOON


# --- buffers ---------------------------------------------------------------------------------

EIGHT_TO_TEN = {0: [(8 * 60, 10 * 60)]}


def busy_local(start: str, end: str, day: date = ORDINARY_MONDAY) -> tuple[int, int]:
    return (at(day, start), at(day, end))


@pytest.mark.parametrize(
    ("meeting", "busy", "expected"),
    [
        (MeetingRule(30, 15, 15, 15), [], ["08:15", "08:30", "08:45", "09:00", "09:15"]),
        # An existing booking (with its own buffers) blocks every candidate whose padded window
        # [t-15, t+45) touches it, on both sides.
        (MeetingRule(30, 15, 15, 15), [busy_local("08:45", "09:00")], ["09:15"]),
        (
            MeetingRule(30, 15, 15, 15),
            [busy_local("09:50", "10:00")],
            ["08:15", "08:30", "08:45", "09:00"],
        ),
        # Half-open: a window may start exactly where a busy interval ends.
        (
            MeetingRule(30, 15, 15, 15),
            [busy_local("08:00", "08:15")],
            ["08:30", "08:45", "09:00", "09:15"],
        ),
        (MeetingRule(30, 30, 0, 15), [], ["08:30", "08:45", "09:00", "09:15", "09:30"]),
        (MeetingRule(30, 0, 30, 15), [], ["08:00", "08:15", "08:30", "08:45", "09:00"]),
        (MeetingRule(30, 0, 0, 15), [busy_local("08:40", "09:10")], ["08:00", "09:15", "09:30"]),
    ],
)
def test_buffers(meeting: MeetingRule, busy: list[tuple[int, int]], expected: list[str]) -> None:
    slots = run([officer(hours=EIGHT_TO_TEN, busy=busy)], ORDINARY_MONDAY, meeting=meeting)
    assert [wall(s.start) for s in slots] == expected


# --- grid ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "meeting", "busy", "expected"),
    [
        ([(480, 720)], MeetingRule(60, 0, 0, 30), [],
         ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00"]),
        ([(480, 720)], MeetingRule(45, 0, 0, 60), [], ["08:00", "09:00", "10:00", "11:00"]),
        ([(510, 720)], MeetingRule(45, 0, 0, 60), [], ["08:30", "09:30", "10:30"]),
        # The grid stays anchored at the start of the hours, not at the end of a busy interval.
        ([(480, 720)], MeetingRule(45, 0, 0, 60), [busy_local("08:00", "08:30")],
         ["09:00", "10:00", "11:00"]),
        ([(480, 720)], MeetingRule(30, 0, 0, 45), [],
         ["08:00", "08:45", "09:30", "10:15", "11:00"]),
        # Overlapping hours intervals must not list the officer twice or duplicate starts.
        ([(480, 600), (540, 600)], MeetingRule(60, 0, 0, 60), [], ["08:00", "09:00"]),
    ],
)  # fmt: skip
def test_step_differs_from_duration(
    hours: list[tuple[int, int]],
    meeting: MeetingRule,
    busy: list[tuple[int, int]],
    expected: list[str],
) -> None:
    slots = run([officer(hours={0: hours}, busy=busy)], ORDINARY_MONDAY, meeting=meeting)
    assert [wall(s.start) for s in slots] == expected
    assert all(s.officer_ids == (1,) for s in slots)


# --- earliest / latest -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earliest", "latest", "first", "last", "count"),
    [
        ("08:10", "23:59", "08:15", "15:00", 21),
        ("08:15", "23:59", "08:15", "15:00", 21),  # earliest is inclusive
        ("08:16", "23:59", "08:30", "15:00", 20),
        ("00:00", "13:00", "08:00", "13:00", 14),  # latest is inclusive
        ("00:00", "12:59", "08:00", "11:00", 13),
        ("11:00", "11:00", "11:00", "11:00", 1),
    ],
)
def test_earliest_and_latest_bound_starts(
    earliest: str, latest: str, first: str, last: str, count: int
) -> None:
    slots = run(
        [officer()],
        ORDINARY_MONDAY,
        earliest=at(ORDINARY_MONDAY, earliest),
        latest=at(ORDINARY_MONDAY, latest),
    )
    starts = [wall(s.start) for s in slots]
    assert (starts[0], starts[-1], len(starts)) == (first, last, count)


def test_booking_window_notice_and_horizon() -> None:
    now = datetime(2027, 2, 15, 8, 10, tzinfo=Z)
    earliest, latest = booking_window(now=now, notice_minutes=60, horizon_days=1, zone=Z)
    assert earliest == at(ORDINARY_MONDAY, "09:10")
    assert latest == at(date(2027, 2, 17), "00:00") - 1
    by_day = starts_by_day(
        run([officer()], ORDINARY_MONDAY, date(2027, 2, 19), earliest=earliest, latest=latest)
    )
    assert sorted(by_day) == [date(2027, 2, 15), date(2027, 2, 16)]
    assert by_day[ORDINARY_MONDAY][0] == "09:15"
    assert by_day[date(2027, 2, 16)] == MORNING + AFTERNOON


def test_booking_window_uses_the_local_date_and_dst_aware_midnight() -> None:
    # 23:30Z on the 14th is already 00:30 on the 15th in Stockholm.
    now = datetime(2027, 2, 14, 23, 30, tzinfo=UTC)
    _, latest = booking_window(now=now, notice_minutes=0, horizon_days=0, zone=Z)
    assert latest == utc(2027, 2, 15, 23) - 1
    # Midnight after 28 March 2027 is already CEST (+02:00).
    now = datetime(2027, 3, 27, 12, 0, tzinfo=Z)
    _, latest = booking_window(now=now, notice_minutes=0, horizon_days=1, zone=Z)
    assert latest == utc(2027, 3, 28, 22) - 1


def test_booking_window_rounds_a_fractional_now_up() -> None:
    now = datetime(2027, 2, 15, 8, 10, 0, 500_000, tzinfo=Z)
    earliest, _ = booking_window(now=now, notice_minutes=0, horizon_days=0, zone=Z)
    assert earliest == at(ORDINARY_MONDAY, "08:10") + 1


def test_booking_window_rejects_naive_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        booking_window(now=datetime(2027, 2, 15, 8, 0), notice_minutes=0, horizon_days=1, zone=Z)


# --- absences and several officers ----------------------------------------------------------


def test_absences_remove_only_that_officers_time() -> None:
    whole_day = busy_local("00:00", "23:59")
    slots = run([officer(1), officer(2, busy=[whole_day])], ORDINARY_MONDAY)
    assert len(slots) == 22 and all(s.officer_ids == (1,) for s in slots)

    morning_off = busy_local("10:00", "12:00")
    slots = run([officer(1), officer(2, busy=[morning_off])], ORDINARY_MONDAY)
    both = [wall(s.start) for s in slots if s.officer_ids == (1, 2)]
    only_one = [wall(s.start) for s in slots if s.officer_ids == (1,)]
    assert both == MORNING[: MORNING.index("09:00") + 1] + AFTERNOON
    assert only_one == MORNING[MORNING.index("09:15") :]


def test_busy_intervals_may_be_unsorted_overlapping_and_from_other_days() -> None:
    busy = [
        busy_local("10:00", "11:00"),
        busy_local("08:00", "09:00"),
        busy_local("08:30", "10:30"),
        busy_local("08:00", "16:00", ORDINARY_MONDAY - timedelta(days=7)),
    ]
    slots = run([officer(busy=busy)], ORDINARY_MONDAY, meeting=MeetingRule(60, 0, 0, 60))
    assert [wall(s.start) for s in slots] == ["11:00", "13:00", "14:00", "15:00"]


def test_several_officers_union_and_counts() -> None:
    early = officer(2, hours={0: [(8 * 60, 10 * 60)]})
    late = officer(1, hours={0: [(9 * 60, 11 * 60)]})
    slots = run([early, late], ORDINARY_MONDAY, meeting=MeetingRule(60, 0, 0, 60))
    assert [(wall(s.start), s.officer_ids) for s in slots] == [
        ("08:00", (2,)),
        ("09:00", (1, 2)),
        ("10:00", (1,)),
    ]


def test_three_officers_counts_per_start() -> None:
    busy = [busy_local("08:00", "12:00")]
    slots = run([officer(30), officer(10, busy=busy), officer(20)], ORDINARY_MONDAY)
    counts = {wall(s.start): s.officer_ids for s in slots}
    assert counts == {
        **{start: (20, 30) for start in MORNING},
        **{start: (10, 20, 30) for start in AFTERNOON},
    }


def test_degenerate_inputs() -> None:
    assert run([], ORDINARY_MONDAY) == []
    assert run([officer()], ORDINARY_MONDAY, ORDINARY_MONDAY - timedelta(days=1)) == []
    assert run([officer(hours={})], ORDINARY_MONDAY) == []


@pytest.mark.parametrize(
    "meeting",
    [MeetingRule(0, 0, 0, 15), MeetingRule(30, 0, 0, 0), MeetingRule(30, -5, 0, 15)],
)
def test_invalid_meeting_rule_is_rejected(meeting: MeetingRule) -> None:
    with pytest.raises(ValueError, match="meeting"):
        run([officer()], ORDINARY_MONDAY, meeting=meeting)


# --- properties ------------------------------------------------------------------------------

SETTINGS = settings(database=None, max_examples=200, deadline=None)
FIRST_DAYS = [
    date(2027, 2, 15),
    date(2027, 3, 23),  # over Easter and the DST start
    date(2027, 3, 27),
    date(2027, 10, 26),  # over the DST end
    date(2027, 10, 30),
    date(2027, 12, 22),
]


@st.composite
def hours_intervals(draw: st.DrawFn) -> tuple[int, int]:
    # Night hours are drawn explicitly so that the DST changes at 02:00/03:00 are exercised.
    if draw(st.booleans()):
        return draw(st.sampled_from([(0, 6 * 60), (60, 4 * 60), (2 * 60 + 10, 3 * 60 + 50)]))
    start = draw(st.integers(0, 24 * 60 - 5))
    end = draw(st.integers(start + 5, min(start + 12 * 60, 24 * 60)))
    return (start, end)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    first_day = draw(st.sampled_from(FIRST_DAYS))
    n_days = draw(st.integers(1, 6))
    last_day = first_day + timedelta(days=n_days - 1)
    period_start = local_instant(first_day, 0, Z)
    period_len = n_days * 86400
    ids = draw(st.lists(st.integers(1, 99), min_size=1, max_size=3, unique=True))
    officers = []
    for officer_id in ids:
        per_weekday = draw(
            st.lists(st.lists(hours_intervals(), max_size=3), min_size=7, max_size=7)
        )
        weekly = {weekday: hours for weekday, hours in enumerate(per_weekday) if hours}
        # Busy intervals start anywhere (to the second) from an hour before the period.
        busy = [
            (period_start + offset, period_start + offset + length)
            for offset, length in draw(
                st.lists(
                    st.tuples(st.integers(-3600, period_len), st.integers(1, 6 * 3600)),
                    max_size=10,
                )
            )
        ]
        officers.append(OfficerSchedule(officer_id, weekly, busy))
    meeting = MeetingRule(
        duration=draw(st.integers(5, 90)),
        buffer_before=draw(st.integers(0, 20)),
        buffer_after=draw(st.integers(0, 20)),
        step=draw(st.integers(5, 60)),
    )
    # Bounds are drawn to the second and usually cut into the period from both sides.
    earliest = period_start + draw(st.integers(-86400, period_len // 2))
    latest = period_start + draw(st.integers(period_len // 2, period_len + 86400))
    calendar: OfficeCalendar = draw(
        st.sampled_from(
            [
                OfficeCalendar(),
                AlwaysOpenCalendar(),
                OfficeCalendar(closures={first_day: (11 * 60 + 7, "x")}),
            ]
        )
    )
    return {
        "officers": officers,
        "meeting": meeting,
        "first_day": first_day,
        "last_day": last_day,
        "zone": Z,
        "calendar": calendar,
        "earliest": earliest,
        "latest": latest,
    }


def epoch_hours(scenario: dict[str, object], schedule: OfficerSchedule) -> list[tuple[int, int]]:
    """The officer's hours as epoch intervals, via datetime arithmetic rather than local_instant."""
    calendar = scenario["calendar"]
    first_day = scenario["first_day"]
    last_day = scenario["last_day"]
    assert isinstance(calendar, OfficeCalendar)
    assert isinstance(first_day, date) and isinstance(last_day, date)
    result = []
    day = first_day
    while day <= last_day:
        midnight = datetime.combine(day, time(0), tzinfo=Z)
        for start, end in calendar.open_minutes(day, schedule.weekly_hours.get(day.weekday(), [])):
            result.append(
                (
                    int((midnight + timedelta(minutes=start)).timestamp()),
                    int((midnight + timedelta(minutes=end)).timestamp()),
                )
            )
        day += timedelta(days=1)
    return result


def brute_force(scenario: dict[str, object]) -> list[tuple[int, int, tuple[int, ...]]]:
    """Every grid candidate of every hours interval, checked one by one against every rule."""
    meeting = scenario["meeting"]
    officers = scenario["officers"]
    earliest = scenario["earliest"]
    latest = scenario["latest"]
    assert isinstance(meeting, MeetingRule) and isinstance(officers, list)
    assert isinstance(earliest, int) and isinstance(latest, int)
    before = meeting.buffer_before * 60
    tail = (meeting.duration + meeting.buffer_after) * 60
    free: dict[int, set[int]] = {}
    for schedule in officers:
        for h_start, h_end in epoch_hours(scenario, schedule):
            t = h_start + before
            while t + tail <= h_end:
                window = (t - before, t + tail)
                if earliest <= t <= latest and not any(overlaps(window, b) for b in schedule.busy):
                    free.setdefault(t, set()).add(schedule.officer_id)
                t += meeting.step * 60
    return [(t, t + meeting.duration * 60, tuple(sorted(ids))) for t, ids in sorted(free.items())]


@SETTINGS
@given(scenarios())
def test_slots_match_brute_force_model(scenario: dict[str, object]) -> None:
    slots = compute_slots(**scenario)  # type: ignore[arg-type]
    assert [(s.start, s.end, s.officer_ids) for s in slots] == brute_force(scenario)


@SETTINGS
@given(scenarios())
def test_slot_invariants(scenario: dict[str, object]) -> None:
    slots = compute_slots(**scenario)  # type: ignore[arg-type]
    meeting = scenario["meeting"]
    assert isinstance(meeting, MeetingRule)
    schedules = {o.officer_id: o for o in scenario["officers"]}  # type: ignore[attr-defined]
    starts = [s.start for s in slots]
    assert starts == sorted(set(starts)), "sorted with distinct starts"
    for slot in slots:
        assert scenario["earliest"] <= slot.start <= scenario["latest"]  # type: ignore[operator]
        assert slot.end == slot.start + meeting.duration * 60
        assert slot.officer_ids and list(slot.officer_ids) == sorted(set(slot.officer_ids))
        window = (
            slot.start - meeting.buffer_before * 60,
            slot.end + meeting.buffer_after * 60,
        )
        for officer_id in slot.officer_ids:
            schedule = schedules[officer_id]
            assert not any(overlaps(window, busy) for busy in schedule.busy)
            assert any(
                h_start <= window[0] and window[1] <= h_end
                for h_start, h_end in epoch_hours(scenario, schedule)
            )
        # The start is a real local wall time that maps back to the same instant. In the repeated
        # hour of an autumn night the second occurrence (fold=1) is one hour after fold=0.
        local = datetime.fromtimestamp(slot.start, Z)
        assert local.second == 0
        back = local_instant(local.date(), local.hour * 60 + local.minute, Z)
        assert back == slot.start - (3600 if local.fold else 0)
        assert int(local.replace(tzinfo=None).replace(tzinfo=Z, fold=local.fold).timestamp()) == (
            slot.start
        )
