"""Free meeting slots for one or more officers, computed on integer epoch seconds."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .calendar_days import OfficeCalendar
from .intervals import Interval, merge

__all__ = [
    "MeetingRule",
    "OfficerSchedule",
    "Slot",
    "booking_window",
    "compute_slots",
    "local_instant",
]

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class MeetingRule:
    """Meeting length, buffers before/after and grid step, all in minutes."""

    duration: int
    buffer_before: int
    buffer_after: int
    step: int


@dataclass(frozen=True, slots=True)
class OfficerSchedule:
    """An officer's weekly local hours (Mon=0) and busy epoch intervals (buffers included)."""

    officer_id: int
    weekly_hours: Mapping[int, Sequence[tuple[int, int]]]
    busy: Sequence[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable start: ``[start, end)`` in epoch seconds and the sorted ids of free officers."""

    start: int
    end: int
    officer_ids: tuple[int, ...]


@lru_cache(maxsize=1 << 16)
def local_instant(day: date, minute: int, zone: ZoneInfo) -> int:
    """Return the epoch second of local wall time ``minute`` after midnight of ``day`` (fold=0)."""
    # Minutes beyond the day (an hours interval ending at 1440) roll over to the next date, so
    # ends of day keep meaning "local midnight" even when the day is 23 or 25 hours long.
    days, minute = divmod(minute, 1440)
    if days:
        day = day + timedelta(days=days)
    hour, minute = divmod(minute, 60)
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    return int(wall.timestamp())


def booking_window(
    *, now: datetime, notice_minutes: int, horizon_days: int, zone: ZoneInfo
) -> tuple[int, int]:
    """Return (earliest, latest) allowed slot starts, epoch seconds, for a booking at ``now``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    # Rounding up keeps a fractional "now" from admitting a start a moment short of the notice.
    earliest = math.ceil(now.timestamp()) + notice_minutes * 60
    last_day = now.astimezone(zone).date() + timedelta(days=horizon_days)
    latest = local_instant(last_day + _ONE_DAY, 0, zone) - 1
    return earliest, latest


def compute_slots(
    *,
    officers: Sequence[OfficerSchedule],
    meeting: MeetingRule,
    first_day: date,
    last_day: date,
    zone: ZoneInfo,
    calendar: OfficeCalendar,
    earliest: int,
    latest: int,
) -> list[Slot]:
    """Return the free slots of all ``officers``, one per distinct start, sorted by start.

    :param officers: schedules to consider; a start is offered with every officer free at it.
    :param meeting: duration, buffers (minutes) and candidate grid step (minutes).
    :param first_day: first local date considered (inclusive).
    :param last_day: last local date considered (inclusive); earlier than ``first_day`` gives [].
    :param zone: time zone in which dates and weekly hours are local wall time.
    :param calendar: office calendar; closed days give nothing and early closing cuts the hours.
    :param earliest: smallest allowed start, epoch seconds (inclusive), e.g. now + notice.
    :param latest: largest allowed start, epoch seconds (inclusive), e.g. end of the horizon.
    :returns: slots with ``end = start + duration`` and free officer ids in ascending order.

    An officer is free at ``t`` when ``[t - buffer_before, t + duration + buffer_after)`` lies
    inside one of that day's (clipped) hours intervals and overlaps none of the officer's busy
    intervals. Candidates lie on a grid anchored at the hours interval start plus
    ``buffer_before``, every ``step`` minutes. Hours are converted to absolute epoch time at both
    ends, so DST days neither lose nor double instants.
    """
    if meeting.duration <= 0 or meeting.step <= 0:
        raise ValueError("meeting duration and step must be positive")
    if meeting.buffer_before < 0 or meeting.buffer_after < 0:
        raise ValueError("meeting buffers must not be negative")
    if first_day > last_day or earliest > latest or not officers:
        return []

    before = meeting.buffer_before * 60
    duration = meeting.duration * 60
    # Distance from a start to the end of its padded window.
    tail = duration + meeting.buffer_after * 60
    step = meeting.step * 60

    days: list[date] = []
    day = first_day
    while day <= last_day:
        days.append(day)
        day += _ONE_DAY

    # Officers commonly share weekly hours, so clipping and epoch conversion is done once per
    # (date, hours) pair and reused.
    epoch_hours_memo: dict[tuple[date, tuple[tuple[int, int], ...]], list[Interval]] = {}
    found: dict[int, list[int]] = {}
    found_get = found.get

    for officer in sorted(officers, key=_officer_key):
        officer_id = officer.officer_id
        weekly = {
            weekday: tuple((int(s), int(e)) for s, e in hours)
            for weekday, hours in officer.weekly_hours.items()
        }
        if not weekly:
            continue
        busy = merge(officer.busy)
        # Busy intervals are merged, so their ends are sorted too: bisecting the ends finds the
        # first busy interval that can reach into an hours interval.
        busy_ends = [end for _, end in busy]
        n_busy = len(busy)

        for day in days:
            hours = weekly.get(day.weekday())
            if not hours:
                continue
            memo_key = (day, hours)
            epoch_hours = epoch_hours_memo.get(memo_key)
            if epoch_hours is None:
                epoch_hours = [
                    (local_instant(day, hs, zone), local_instant(day, he, zone))
                    for hs, he in calendar.open_minutes(day, hours)
                ]
                epoch_hours_memo[memo_key] = epoch_hours

            for h_start, h_end in epoch_hours:
                grid0 = h_start + before
                # Window bounds clipped to the booking window: a start must lie in [lo, hi].
                lo = grid0 if grid0 > earliest else earliest
                hi = h_end - tail
                if hi > latest:
                    hi = latest
                if lo > hi:
                    continue

                i = bisect_right(busy_ends, h_start)
                free_start = h_start
                while True:
                    if i < n_busy and busy[i][0] < h_end:
                        free_end = busy[i][0]
                        next_free = busy[i][1]
                    else:
                        free_end = h_end
                        next_free = h_end
                    first = free_start + before
                    if first < lo:
                        first = lo
                    last = free_end - tail
                    if last > hi:
                        last = hi
                    if first <= last:
                        # Snap up onto the grid anchored at grid0.
                        offset = (first - grid0) % step
                        if offset:
                            first += step - offset
                        for t in range(first, last + 1, step):
                            ids = found_get(t)
                            if ids is None:
                                found[t] = [officer_id]
                            elif ids[-1] != officer_id:
                                ids.append(officer_id)
                    if next_free >= h_end:
                        break
                    free_start = next_free
                    i += 1

    return [Slot(t, t + duration, tuple(ids)) for t, ids in sorted(found.items())]


def _officer_key(officer: OfficerSchedule) -> int:
    return officer.officer_id
