"""Busy time from an officer's own calendar: iCalendar data → merged UTC intervals.

Pure on purpose (the standard library, ``icalendar`` and ``recurring-ical-events``): the import
job fetches, this module reads, and tests can feed it calendars directly.

What counts as busy, per occurrence in the window (recurrences expanded, EXDATE and
RECURRENCE-ID overrides applied by ``recurring-ical-events``):

- not `TRANSP:TRANSPARENT` (free time) and not `STATUS:CANCELLED`;
- not one of this service's own bookings (written back to a CalDAV calendar, or accepted from
  an invitation): they are busy time already, and a stale copy must not block a moved time;
- timed events from start to end; a date-time without a zone ("floating") is office-local time;
- all-day events block whole office-local days, from local midnight to local midnight (23 or 25
  hours on a DST day);
- an event without duration blocks nothing (RFC 5545 §3.6.1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar, Component
from recurring_ical_events import EventAdapter

from booking.core.intervals import Interval, merge

__all__ = [
    "MAX_OCCURRENCES",
    "BusyTime",
    "CalendarUnreadable",
    "busy_time",
    "parse_calendars",
]

# A recurrence rule more frequent than hourly cannot describe an officer's meetings, and would
# expand to hundreds of thousands of occurrences over the window.
_REFUSED_FREQUENCIES = frozenset({"SECONDLY", "MINUTELY"})
# Well above a busy officer's year (2,000 weekly series over 400 days is 115,000), low enough
# that a hostile or broken calendar cannot exhaust the worker.
MAX_OCCURRENCES = 250_000


class CalendarUnreadable(ValueError):
    """The data is not an iCalendar calendar this service can read (the message says why).

    Messages never quote the calendar's content: it is the officer's private data.
    """


@dataclass(frozen=True, slots=True)
class BusyTime:
    """Merged busy intervals (UTC epoch seconds, sorted, disjoint) and the events behind them."""

    intervals: list[Interval]
    # Occurrences counted as busy (before merging).
    events: int

    @property
    def digest(self) -> str:
        """A hash of the intervals: equal digests mean nothing to store."""
        text = ";".join(f"{start},{end}" for start, end in self.intervals)
        return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass(slots=True)
class _Instance:
    """One occurrence: its start and end as the calendar gives them, and its component."""

    start: date | datetime
    end: date | datetime
    component: Component

    def __setitem__(self, name: str, value: object) -> None:
        """Ignored: recurring-ical-events sets SEQUENCE on what it takes for a component copy."""


class _InstanceAdapter(EventAdapter):
    """Yields plain (start, end, component) occurrences.

    recurring-ical-events copies the whole component for each occurrence by default; for
    100,000 occurrences that copying took four times as long as the expansion itself.
    """

    def __init__(self, component: Component) -> None:
        super().__init__(component)
        self.source = component

    def as_component(
        self,
        start: date | datetime | None = None,
        stop: date | datetime | None = None,
        keep_recurrence_attributes: bool = True,
    ) -> _Instance:
        """The occurrence as an _Instance (the component itself is shared, never changed)."""
        return _Instance(
            self.start if start is None else start, self.end if stop is None else stop, self.source
        )


def parse_calendars(data: bytes) -> list[Calendar]:
    """Parse one or more VCALENDAR objects; CalendarUnreadable when there is none."""
    try:
        calendars = Calendar.from_ical(data, multiple=True)
    except Exception as exc:  # icalendar raises ValueError, KeyError, IndexError … on bad input
        raise CalendarUnreadable("the answer is not a readable iCalendar file") from exc
    found = [c for c in calendars if isinstance(c, Calendar) and c.name == "VCALENDAR"]
    if not found:
        raise CalendarUnreadable("the answer holds no VCALENDAR")
    return found


def busy_time(
    *,
    calendars: Sequence[Calendar],
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    is_own: Callable[[Component], bool],
) -> BusyTime:
    """The busy time of `calendars` overlapping [start, end), clipped to it.

    Parameters:
        calendars: parsed calendars (their VTIMEZONEs already applied by icalendar).
        start, end: the window, aware datetimes.
        zone: the office's zone, for floating times and all-day events.
        is_own: whether a VEVENT is one of this service's bookings (then it is skipped).

    Raises:
        CalendarUnreadable: a malformed event or recurrence rule, a rule more frequent than
            hourly, or more than MAX_OCCURRENCES occurrences in the window.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the window must be aware datetimes")
    lower, upper = int(start.timestamp()), int(end.timestamp())
    window_start, window_end = start.astimezone(UTC), end.astimezone(UTC)
    intervals: list[Interval] = []
    count = 0
    for calendar in calendars:
        try:
            # icalendar parses property values on first access: a broken one raises here.
            _refuse_frequent_rules(calendar)
            query = recurring_ical_events.of(calendar, components=[_InstanceAdapter])
        except CalendarUnreadable:
            raise
        except Exception as exc:
            raise CalendarUnreadable(f"an event cannot be read ({type(exc).__name__})") from exc
        for series in query.series:
            try:
                occurrences = series.between(window_start, window_end)
                instances: list[_Instance] = [
                    occurrence.as_component(False) for occurrence in occurrences
                ]
            except Exception as exc:
                raise CalendarUnreadable(
                    f"a recurring event cannot be expanded ({type(exc).__name__})"
                ) from exc
            count += len(instances)
            if count > MAX_OCCURRENCES:
                raise CalendarUnreadable(f"more than {MAX_OCCURRENCES} events in the import window")
            try:
                # A series shares a handful of components among its occurrences: each is
                # judged once.
                verdicts: dict[int, bool] = {}
                spans = []
                for instance in instances:
                    verdict = verdicts.get(id(instance.component))
                    if verdict is None:
                        verdict = verdicts[id(instance.component)] = _is_busy(
                            instance.component, is_own
                        )
                    if verdict:
                        spans.append(_span(instance, zone))
            except Exception as exc:
                raise CalendarUnreadable(f"an event cannot be read ({type(exc).__name__})") from exc
            intervals.extend(
                (max(span[0], lower), min(span[1], upper)) for span in spans if span is not None
            )
    kept = [(s, e) for s, e in intervals if s < e]
    return BusyTime(merge(kept), len(kept))


def _is_busy(component: Component, is_own: Callable[[Component], bool]) -> bool:
    """Whether the component's occurrences keep the officer busy (see the module docstring)."""
    if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return False
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return False
    return not is_own(component)


def _span(instance: _Instance, zone: ZoneInfo) -> Interval | None:
    start, end = _epoch(instance.start, zone), _epoch(instance.end, zone)
    if not isinstance(instance.start, datetime) and end <= start:
        # An all-day event whose end is not after its start still means that day.
        end = _epoch(date.fromordinal(instance.start.toordinal() + 1), zone)
    return (start, end) if start < end else None


def _epoch(value: date | datetime, zone: ZoneInfo) -> int:
    """Epoch seconds of a DATE (local midnight), a floating DATE-TIME (local) or an aware one."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=zone)
        return int(value.timestamp())
    return int(datetime(value.year, value.month, value.day, tzinfo=zone).timestamp())


def _refuse_frequent_rules(calendar: Calendar) -> None:
    for component in calendar.walk("VEVENT"):
        rules: Any = component.get("RRULE")
        for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
            frequencies = {str(f).upper() for f in rule.get("FREQ", [])}
            refused = frequencies & _REFUSED_FREQUENCIES
            if refused:
                raise CalendarUnreadable(
                    f"a recurrence more frequent than hourly (FREQ={min(refused)}) is not supported"
                )
