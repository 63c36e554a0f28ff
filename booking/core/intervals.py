"""Half-open ``[start, end)`` integer interval arithmetic."""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

Interval = tuple[int, int]

__all__ = ["Interval", "intersect", "merge", "overlaps", "subtract"]

_start_of = itemgetter(0)


def overlaps(a: Interval, b: Interval) -> bool:
    """Return True when the half-open intervals ``a`` and ``b`` share at least one point."""
    # An empty interval contains no point, so it cannot overlap anything even if it lies inside.
    return a[0] < a[1] and b[0] < b[1] and a[0] < b[1] and b[0] < a[1]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Return the sorted union of ``intervals`` with overlapping and adjacent ones coalesced."""
    # Sorting on the start alone is enough (ties are resolved by taking the larger end) and is
    # about twice as fast as comparing whole tuples; this is on the slot search's hot path.
    result: list[Interval] = []
    cur_start = cur_end = 0
    started = False
    for start, end in sorted(intervals, key=_start_of):
        if start >= end:
            continue
        if started and start <= cur_end:
            if end > cur_end:
                cur_end = end
        else:
            if started:
                result.append((cur_start, cur_end))
            cur_start, cur_end = start, end
            started = True
    if started:
        result.append((cur_start, cur_end))
    return result


def subtract(base: Iterable[Interval], cut: Iterable[Interval]) -> list[Interval]:
    """Return ``base`` minus the union of ``cut``, sorted and merged."""
    cuts = merge(cut)
    result: list[Interval] = []
    n = len(cuts)
    j = 0
    for start, end in merge(base):
        # Both lists are sorted and disjoint, so cuts ending before this base interval can never
        # matter again: one forward sweep is enough.
        while j < n and cuts[j][1] <= start:
            j += 1
        k = j
        pos = start
        while k < n and cuts[k][0] < end:
            c_start, c_end = cuts[k]
            if c_start > pos:
                result.append((pos, c_start))
            if c_end > pos:
                pos = c_end
            if pos >= end:
                break
            k += 1
        if pos < end:
            result.append((pos, end))
    return result


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Return the sorted, merged set of points covered by both ``a`` and ``b``."""
    left = merge(a)
    right = merge(b)
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            result.append((start, end))
        # Advance whichever interval finishes first; the other may still overlap the next one.
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return result
