"""Office calendar: Swedish holidays, early-closing eves, closures and clipping of hours."""

from __future__ import annotations

from datetime import date

import pytest

from booking.core.calendar_days import EARLY_CLOSING_DEFAULT_MINUTE, DayRule, OfficeCalendar

FOURTEEN = 14 * 60


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2027, 1, 1), "Nyårsdagen"),
        (date(2027, 1, 6), "Trettondedag jul"),
        (date(2027, 3, 26), "Långfredagen"),
        (date(2027, 3, 28), "Påskdagen"),
        (date(2027, 3, 29), "Annandag påsk"),
        (date(2027, 5, 6), "Kristi himmelsfärdsdag"),
        (date(2027, 6, 25), "Midsommarafton"),
        (date(2027, 12, 24), "Julafton"),
        (date(2027, 12, 31), "Nyårsafton"),
        (date(2026, 4, 3), "Långfredagen"),  # Easter moves: 2026's Good Friday
    ],
)
def test_holidays_are_closed_all_day(day: date, reason: str) -> None:
    assert OfficeCalendar().day_rule(day) == DayRule(is_closed=True, close_from=None, reason=reason)


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2027, 1, 5), "Trettondagsafton"),
        (date(2027, 3, 25), "Skärtorsdagen"),
        (date(2027, 4, 30), "Valborgsmässoafton"),
        (date(2027, 11, 5), "Allahelgonsafton"),
        (date(2026, 4, 2), "Skärtorsdagen"),
        (date(2028, 4, 13), "Skärtorsdagen"),
    ],
)
def test_early_closing_eves_close_at_14(day: date, reason: str) -> None:
    rule = OfficeCalendar().day_rule(day)
    assert rule.is_closed is False
    assert rule.close_from == FOURTEEN == EARLY_CLOSING_DEFAULT_MINUTE
    assert rule.reason == reason


@pytest.mark.parametrize(
    "day",
    [
        date(2027, 3, 24),  # ordinary Wednesday
        date(2027, 3, 21),  # ordinary Sunday: weekends are the weekly hours' business
        date(2027, 3, 20),  # ordinary Saturday
        date(2027, 3, 27),  # påskafton: optional category, not an early-closing key
        date(2027, 5, 7),  # klämdag
        date(2027, 6, 24),  # bank half day, not used
        date(2028, 3, 23),  # not skärtorsdagen in 2028 although it is in 2027's position
    ],
)
def test_ordinary_days_are_open(day: date) -> None:
    assert OfficeCalendar().day_rule(day) == DayRule(is_closed=False, close_from=None, reason=None)


def test_early_closing_minute_is_configurable() -> None:
    calendar = OfficeCalendar(early_closing_minute=12 * 60)
    assert calendar.day_rule(date(2027, 3, 25)) == DayRule(False, 12 * 60, "Skärtorsdagen")
    assert calendar.day_rule(date(2027, 4, 30)).close_from == 12 * 60


@pytest.mark.parametrize(
    ("keys", "day", "expected_close_from"),
    [
        (frozenset({"valborgsmassoafton"}), date(2027, 4, 30), FOURTEEN),
        (frozenset({"valborgsmassoafton"}), date(2027, 3, 25), None),
        (frozenset({"skartorsdagen"}), date(2027, 3, 25), FOURTEEN),
        (frozenset({"skartorsdagen"}), date(2027, 1, 5), None),
        (frozenset({"trettondagsafton"}), date(2027, 1, 5), FOURTEEN),
        (frozenset({"allhelgonaafton"}), date(2027, 11, 5), FOURTEEN),
        (frozenset(), date(2027, 11, 5), None),
    ],
)
def test_early_closing_days_are_configurable(
    keys: frozenset[str], day: date, expected_close_from: int | None
) -> None:
    rule = OfficeCalendar(early_closing_days=keys).day_rule(day)
    assert rule.is_closed is False
    assert rule.close_from == expected_close_from


def test_unknown_early_closing_key_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown early closing days"):
        OfficeCalendar(early_closing_days=frozenset({"midsommarafton"}))


def test_whole_day_closure() -> None:
    calendar = OfficeCalendar(closures={date(2027, 3, 24): (None, "Personaldag")})
    assert calendar.day_rule(date(2027, 3, 24)) == DayRule(True, None, "Personaldag")
    assert calendar.day_rule(date(2027, 3, 23)).is_closed is False


def test_whole_day_closure_on_a_holiday_keeps_both_reasons() -> None:
    calendar = OfficeCalendar(closures={date(2027, 12, 24): (None, "Stängt")})
    assert calendar.day_rule(date(2027, 12, 24)) == DayRule(True, None, "Julafton; Stängt")


@pytest.mark.parametrize(
    ("day", "closure_minute", "expected_close_from", "expected_reason"),
    [
        (date(2027, 3, 24), 10 * 60, 10 * 60, "Utbildning"),
        (date(2027, 3, 25), 15 * 60, FOURTEEN, "Skärtorsdagen"),
        (date(2027, 3, 25), 13 * 60, 13 * 60, "Utbildning"),
        (date(2027, 3, 25), FOURTEEN, FOURTEEN, "Skärtorsdagen; Utbildning"),
    ],
)
def test_partial_closure_uses_the_earliest_close(
    day: date, closure_minute: int, expected_close_from: int, expected_reason: str
) -> None:
    calendar = OfficeCalendar(closures={day: (closure_minute, "Utbildning")})
    assert calendar.day_rule(day) == DayRule(False, expected_close_from, expected_reason)


def test_closure_from_midnight_is_a_whole_day_closure() -> None:
    calendar = OfficeCalendar(closures={date(2027, 3, 24): (0, "Flytt")})
    assert calendar.day_rule(date(2027, 3, 24)) == DayRule(True, None, "Flytt")


@pytest.mark.parametrize("minute", [-1, 24 * 60 + 1])
def test_closure_minute_out_of_range_is_rejected(minute: int) -> None:
    with pytest.raises(ValueError, match="between 0 and 1440"):
        OfficeCalendar(closures={date(2027, 3, 24): (minute, "x")})


def test_closures_are_copied() -> None:
    closures: dict[date, tuple[int | None, str]] = {}
    calendar = OfficeCalendar(closures=closures)
    closures[date(2027, 3, 24)] = (None, "late addition")
    assert calendar.day_rule(date(2027, 3, 24)).is_closed is False


HOURS = [(8 * 60, 12 * 60), (13 * 60, 16 * 60)]


@pytest.mark.parametrize(
    ("closures", "day", "expected"),
    [
        ({}, date(2027, 3, 24), HOURS),
        ({}, date(2027, 3, 21), HOURS),  # a Sunday is not closed by the calendar
        ({}, date(2027, 3, 25), [(480, 720), (780, 840)]),
        ({}, date(2027, 3, 26), []),
        ({date(2027, 3, 24): (700, "x")}, date(2027, 3, 24), [(480, 700)]),
        ({date(2027, 3, 24): (720, "x")}, date(2027, 3, 24), [(480, 720)]),
        ({date(2027, 3, 24): (None, "x")}, date(2027, 3, 24), []),
    ],
)
def test_open_minutes_clips_hours(
    closures: dict[date, tuple[int | None, str]],
    day: date,
    expected: list[tuple[int, int]],
) -> None:
    assert OfficeCalendar(closures=closures).open_minutes(day, HOURS) == expected
