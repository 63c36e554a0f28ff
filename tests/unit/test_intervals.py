"""Interval arithmetic checked against a brute-force set-of-points model."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.core.intervals import Interval, intersect, merge, overlaps, subtract

# No example database: it would be written outside tests/unit.
SETTINGS = settings(database=None, max_examples=300, deadline=None)

# Small coordinates make overlaps, adjacency and duplicates common; reversed pairs are allowed
# on purpose because they must behave as empty intervals.
interval = st.tuples(st.integers(0, 40), st.integers(0, 40))
interval_lists = st.lists(interval, max_size=8)


def points(intervals: list[Interval]) -> set[int]:
    """Brute-force model: the set of integer points covered by half-open intervals."""
    covered: set[int] = set()
    for start, end in intervals:
        covered.update(range(start, end))
    return covered


def assert_normalised(result: list[Interval]) -> None:
    """Sorted, non-empty, and neither overlapping nor adjacent (so the form is canonical)."""
    for start, end in result:
        assert start < end
    for (_, prev_end), (next_start, _) in pairwise(result):
        assert prev_end < next_start


@SETTINGS
@given(interval_lists)
def test_merge_matches_point_model(intervals: list[Interval]) -> None:
    result = merge(intervals)
    assert points(result) == points(intervals)
    assert_normalised(result)


@SETTINGS
@given(interval_lists, interval_lists)
def test_subtract_matches_point_model(base: list[Interval], cut: list[Interval]) -> None:
    result = subtract(base, cut)
    assert points(result) == points(base) - points(cut)
    assert_normalised(result)


@SETTINGS
@given(interval_lists, interval_lists)
def test_intersect_matches_point_model(a: list[Interval], b: list[Interval]) -> None:
    result = intersect(a, b)
    assert points(result) == points(a) & points(b)
    assert_normalised(result)
    assert result == intersect(b, a)


@SETTINGS
@given(interval, interval)
def test_overlaps_matches_point_model(a: Interval, b: Interval) -> None:
    assert overlaps(a, b) == bool(points([a]) & points([b]))


@pytest.mark.parametrize(
    ("intervals", "expected"),
    [
        ([], []),
        ([(5, 5)], []),
        ([(7, 3)], []),
        ([(0, 5), (5, 10)], [(0, 10)]),
        ([(5, 10), (0, 5)], [(0, 10)]),
        ([(0, 5), (6, 10)], [(0, 5), (6, 10)]),
        ([(0, 10), (2, 3), (9, 12)], [(0, 12)]),
        ([(3, 4), (0, 10)], [(0, 10)]),
    ],
)
def test_merge_examples(intervals: list[Interval], expected: list[Interval]) -> None:
    assert merge(intervals) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 5), (5, 10), False),  # half-open: touching is not overlapping
        ((0, 6), (5, 10), True),
        ((2, 3), (0, 10), True),
        ((4, 4), (0, 10), False),  # an empty interval overlaps nothing
    ],
)
def test_overlaps_examples(a: Interval, b: Interval, expected: bool) -> None:
    assert overlaps(a, b) is expected
    assert overlaps(b, a) is expected


def test_subtract_and_intersect_examples() -> None:
    assert subtract([(0, 10)], [(2, 3), (5, 7)]) == [(0, 2), (3, 5), (7, 10)]
    assert subtract([(0, 10)], [(0, 10)]) == []
    assert subtract([(0, 4), (6, 10)], [(3, 7)]) == [(0, 3), (7, 10)]
    assert intersect([(0, 4), (6, 10)], [(3, 7)]) == [(3, 4), (6, 7)]
    assert intersect([(0, 5)], [(5, 10)]) == []
