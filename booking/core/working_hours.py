"""Working time: "within N working hours" counted in opening hours, holidays and DST included."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .calendar_days import OfficeCalendar
from .intervals import Interval, merge
from .slots import local_instant

__all__ = [
    "WorkingWindow",
    "add_working_time",
    "open_intervals",
    "union_weekly_hours",
]

_ONE_DAY = timedelta(days=1)
# A team with hours finds an opening within weeks even across Christmas; a year is a bound for
# hours that are all closed away (e.g. only on holidays), so the search always ends.
DEFAULT_MAX_DAYS = 366

WeeklyHours = Mapping[int, Sequence[tuple[int, int]]]


@dataclass(frozen=True, slots=True)
class WorkingWindow:
    """The first working instant at or after the start, and when the working time has elapsed."""

    opens_at: int
    deadline: int


def union_weekly_hours(weeks: Iterable[WeeklyHours]) -> dict[int, tuple[tuple[int, int], ...]]:
    """Return the union of several weekly hours (local minutes per weekday, Mon=0), merged."""
    collected: dict[int, list[tuple[int, int]]] = {}
    for week in weeks:
        for weekday, spans in week.items():
            collected.setdefault(weekday, []).extend((int(s), int(e)) for s, e in spans)
    return {weekday: tuple(merge(spans)) for weekday, spans in sorted(collected.items()) if spans}


def _day_intervals(
    day: date, weekly_hours: WeeklyHours, calendar: OfficeCalendar, zone: ZoneInfo
) -> list[Interval]:
    hours = weekly_hours.get(day.weekday())
    if not hours:
        return []
    spans = merge((int(s), int(e)) for s, e in hours)
    result: list[Interval] = []
    for start, end in calendar.open_minutes(day, spans):
        lower, upper = local_instant(day, start, zone), local_instant(day, end, zone)
        # Hours starting inside the hour skipped in spring convert past their end: no time.
        if lower < upper:
            result.append((lower, upper))
    return result


def open_intervals(
    *,
    weekly_hours: WeeklyHours,
    calendar: OfficeCalendar,
    zone: ZoneInfo,
    lower: int,
    upper: int,
) -> list[Interval]:
    """Return the sorted epoch intervals of opening inside ``[lower, upper)``.

    :param weekly_hours: local wall-clock minutes per weekday (Mon=0), ends up to 1440.
    :param calendar: holidays, early closing and closures clip or remove a day's hours.
    :param zone: the zone the hours are wall time in.
    :param lower: epoch seconds, inclusive.
    :param upper: epoch seconds, exclusive; ``upper <= lower`` gives [].
    """
    if upper <= lower:
        return []
    day = datetime.fromtimestamp(lower, zone).date()
    last_day = datetime.fromtimestamp(upper, zone).date()
    found: list[Interval] = []
    while day <= last_day:
        for start, end in _day_intervals(day, weekly_hours, calendar, zone):
            start, end = max(start, lower), min(end, upper)
            if start < end:
                found.append((start, end))
        day += _ONE_DAY
    return merge(found)


def add_working_time(
    *,
    start: int,
    seconds: int,
    weekly_hours: WeeklyHours,
    calendar: OfficeCalendar,
    zone: ZoneInfo,
    max_days: int = DEFAULT_MAX_DAYS,
) -> WorkingWindow | None:
    """Return when ``seconds`` of working time have elapsed after ``start``, or None.

    :param start: epoch seconds; time before the first opening does not count.
    :param seconds: working time to add, positive; real elapsed seconds, so an opening that
        spans a DST change counts the hour it really lasts (23 or 25 h for a whole day).
    :param weekly_hours: local wall-clock minutes per weekday (Mon=0), e.g. a team's union.
    :param calendar: closed days give no time and early closing cuts the day short.
    :param zone: the zone the hours are wall time in.
    :param max_days: local days searched from the start's date; None when not enough opening.
    :returns: ``opens_at``, the first working instant at or after ``start``, and ``deadline``.
        A deadline that falls exactly on a closing time is that closing time, never the next
        opening: the promise is kept by the end of the day.
    """
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    if max_days <= 0:
        raise ValueError("max_days must be positive")
    remaining = seconds
    opens_at: int | None = None
    day = datetime.fromtimestamp(start, zone).date()
    for _ in range(max_days):
        for lower, upper in merge(_day_intervals(day, weekly_hours, calendar, zone)):
            if upper <= start:
                continue
            lower = max(lower, start)
            if opens_at is None:
                opens_at = lower
            if upper - lower >= remaining:
                return WorkingWindow(opens_at=opens_at, deadline=lower + remaining)
            remaining -= upper - lower
        day += _ONE_DAY
    return None
