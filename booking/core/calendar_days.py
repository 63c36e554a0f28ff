"""Which days the office is open: Swedish holidays, early-closing eves and local closures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import MappingProxyType

from holidays.countries.sweden import Sweden

__all__ = [
    "EARLY_CLOSING_DEFAULT_DAYS",
    "EARLY_CLOSING_DEFAULT_MINUTE",
    "DayRule",
    "OfficeCalendar",
]

EARLY_CLOSING_DEFAULT_MINUTE = 14 * 60

# The `optional` category of holidays.Sweden marks these eves "(from 2pm)". They are matched by
# their English name because the Swedish names and the "(från kl. 14.00)" suffix are display text,
# while the dates themselves (Easter-dependent for skärtorsdagen) must come from the library.
_EARLY_CLOSING_ENGLISH_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "Twelfth Night": "trettondagsafton",
        "Maundy Thursday": "skartorsdagen",
        "Walpurgis Night": "valborgsmassoafton",
        "All Saints' Eve": "allhelgonaafton",
    }
)
EARLY_CLOSING_DEFAULT_DAYS: frozenset[str] = frozenset(_EARLY_CLOSING_ENGLISH_NAMES.values())

_NO_CLOSURES: Mapping[date, tuple[int | None, str]] = MappingProxyType({})
_MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class DayRule:
    """Opening rule of one local date: closed all day, closed from a minute, or open."""

    is_closed: bool
    close_from: int | None
    reason: str | None


_OPEN = DayRule(is_closed=False, close_from=None, reason=None)


@dataclass(frozen=True, slots=True)
class _YearTable:
    closed: Mapping[date, str]
    early: Mapping[date, tuple[str, str]]


def _base_name(name: str) -> str:
    # "Maundy Thursday (from 2pm)" -> "Maundy Thursday"
    return name.split("(", 1)[0].strip()


@lru_cache(maxsize=64)
def _year_table(year: int) -> _YearTable:
    # Building holidays objects is slow and the data never changes for a year, so it is shared
    # between all calendars (a calendar may well be created per request).
    closed_sv = Sweden(
        years=year, categories=("public", "de_facto"), include_sundays=False, language="sv"
    )
    optional_en = Sweden(
        years=year, categories=("optional",), include_sundays=False, language="en_US"
    )
    optional_sv = Sweden(years=year, categories=("optional",), include_sundays=False, language="sv")
    closed = {day: "; ".join(closed_sv.get_list(day)) for day in closed_sv}
    early: dict[date, tuple[str, str]] = {}
    for day in optional_en:
        en_names = optional_en.get_list(day)
        sv_names = optional_sv.get_list(day)
        for index, en_name in enumerate(en_names):
            key = _EARLY_CLOSING_ENGLISH_NAMES.get(_base_name(en_name))
            if key is None:
                continue
            # Both objects list names in the same order; fall back to all Swedish names if not.
            # The "(från kl. 14.00)" suffix is dropped: the closing minute is configurable.
            if len(sv_names) == len(en_names):
                reason = _base_name(sv_names[index])
            else:
                reason = "; ".join(_base_name(name) for name in sv_names)
            early[day] = (key, reason)
    return _YearTable(closed=MappingProxyType(closed), early=MappingProxyType(early))


class OfficeCalendar:
    """Office opening calendar: Swedish public and de facto holidays, early closing, closures."""

    __slots__ = ("_closures", "_early_closing_days", "_early_closing_minute", "_rules")

    def __init__(
        self,
        *,
        closures: Mapping[date, tuple[int | None, str]] = _NO_CLOSURES,
        early_closing_minute: int = EARLY_CLOSING_DEFAULT_MINUTE,
        early_closing_days: frozenset[str] | None = None,
    ) -> None:
        """Create a calendar; ``closures`` maps a date to (close-from minute or None, reason)."""
        if not 0 <= early_closing_minute <= _MINUTES_PER_DAY:
            raise ValueError("early_closing_minute must be between 0 and 1440")
        days = EARLY_CLOSING_DEFAULT_DAYS if early_closing_days is None else early_closing_days
        unknown = days - EARLY_CLOSING_DEFAULT_DAYS
        if unknown:
            raise ValueError(f"unknown early closing days: {sorted(unknown)}")
        for close_from, _reason in closures.values():
            if close_from is not None and not 0 <= close_from <= _MINUTES_PER_DAY:
                raise ValueError("closure minute must be between 0 and 1440")
        self._closures: dict[date, tuple[int | None, str]] = dict(closures)
        self._early_closing_minute = early_closing_minute
        self._early_closing_days = frozenset(days)
        self._rules: dict[date, DayRule] = {}

    def day_rule(self, day: date) -> DayRule:
        """Return whether ``day`` is closed, closes early (and from when), and why."""
        rule = self._rules.get(day)
        if rule is None:
            rule = self._compute_rule(day)
            self._rules[day] = rule
        return rule

    def _compute_rule(self, day: date) -> DayRule:
        table = _year_table(day.year)
        closure = self._closures.get(day)
        closed_reasons: list[str] = []
        holiday = table.closed.get(day)
        if holiday is not None:
            closed_reasons.append(holiday)
        if closure is not None and closure[0] is None:
            closed_reasons.append(closure[1])
        if closed_reasons:
            return DayRule(is_closed=True, close_from=None, reason="; ".join(closed_reasons))

        partial: list[tuple[int, str]] = []
        early = table.early.get(day)
        if early is not None and early[0] in self._early_closing_days:
            partial.append((self._early_closing_minute, early[1]))
        if closure is not None and closure[0] is not None:
            partial.append((closure[0], closure[1]))
        if not partial:
            return _OPEN
        close_from = min(minute for minute, _ in partial)
        reason = "; ".join(text for minute, text in partial if minute == close_from)
        if close_from <= 0:
            # Closed from midnight is a whole-day closure; saying so keeps callers from
            # having to special-case an empty opening.
            return DayRule(is_closed=True, close_from=None, reason=reason)
        return DayRule(is_closed=False, close_from=close_from, reason=reason)

    def open_minutes(self, day: date, hours: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """Return the local-minute ``hours`` of ``day`` clipped by its rule (empty when closed)."""
        rule = self.day_rule(day)
        if rule.is_closed:
            return []
        limit = rule.close_from
        if limit is None:
            return [(start, end) for start, end in hours if start < end]
        result: list[tuple[int, int]] = []
        for start, end in hours:
            if end > limit:
                end = limit
            if start < end:
                result.append((start, end))
        return result
