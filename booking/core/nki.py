"""NKI (Nöjd Kund Index) and the other figures' arithmetic, on plain numbers."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

SCALE_LOW = 1
SCALE_HIGH = 10


@dataclass(frozen=True)
class Figure:
    """A figure with the number it rests on; flagged when that number is too small to trust."""

    value: float | None
    n: int
    flagged: bool


def rescale(answer: int) -> float:
    """Return a 1–10 answer on the 0–100 scale: (answer − 1) / 9 × 100."""
    if not SCALE_LOW <= answer <= SCALE_HIGH:
        raise ValueError(f"answer {answer} is outside {SCALE_LOW}–{SCALE_HIGH}")
    return (answer - SCALE_LOW) / (SCALE_HIGH - SCALE_LOW) * 100


def response_index(answers: Sequence[int]) -> float:
    """Return one response's index: the mean of its three answers, each rescaled to 0–100."""
    if len(answers) != 3:
        raise ValueError("an NKI response has exactly three answers")
    return sum(rescale(a) for a in answers) / 3


def nki(responses: Iterable[Sequence[int]], *, min_answers: int) -> Figure:
    """Return the NKI of some responses (mean of their indexes, one decimal) with its count.

    Args:
        responses: each response's three answers (overall, expectations, ideal), 1–10.
        min_answers: below this many responses the figure is flagged (shown, not trusted).
    """
    indexes = [response_index(r) for r in responses]
    value = round(sum(indexes) / len(indexes), 1) if indexes else None
    return Figure(value=value, n=len(indexes), flagged=len(indexes) < min_answers)


def median(values: Iterable[float]) -> float | None:
    """Return the median (mean of the middle two for an even count), or None for no values."""
    given = list(values)
    return statistics.median(given) if given else None


def rate(count: int, denominator: int, *, min_answers: int = 0) -> Figure:
    """Return count / denominator (four decimals) resting on the denominator; None when zero."""
    if count < 0 or denominator < 0 or count > denominator:
        raise ValueError("a rate needs 0 ≤ count ≤ denominator")
    value = round(count / denominator, 4) if denominator else None
    return Figure(value=value, n=denominator, flagged=denominator < min_answers)


def median_figure(values: Sequence[float], *, min_answers: int = 0, digits: int = 1) -> Figure:
    """Return the median of some values as a Figure resting on their count."""
    found = median(values)
    value = round(found, digits) if found is not None else None
    return Figure(value=value, n=len(values), flagged=len(values) < min_answers)


def period_start(day: date, group_by: str) -> date:
    """Return the first day of the month or ISO week (Monday) that `day` lies in."""
    if group_by == "month":
        return day.replace(day=1)
    if group_by == "week":
        return day - timedelta(days=day.weekday())
    raise ValueError(f"unknown grouping {group_by!r}")


def period_label(start: date, group_by: str) -> str:
    """Return a period's label: "2026-03" for a month, "2026-W09" for an ISO week."""
    if group_by == "month":
        return f"{start.year:04d}-{start.month:02d}"
    year, week, _ = start.isocalendar()
    return f"{year:04d}-W{week:02d}"


def periods(first_day: date, last_day: date, group_by: str) -> list[date]:
    """Return the start of every period touching [first_day, last_day], in order."""
    starts: list[date] = []
    current = period_start(first_day, group_by)
    while current <= last_day:
        starts.append(current)
        if group_by == "week":
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts
