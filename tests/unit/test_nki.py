"""NKI and the figures' arithmetic on hand-computed examples."""

from __future__ import annotations

from datetime import date

import pytest

from booking.core.nki import (
    Figure,
    median,
    median_figure,
    nki,
    period_label,
    period_start,
    periods,
    rate,
    rescale,
    response_index,
)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(1, 0.0), (10, 100.0), (4, 100 / 3), (7, 200 / 3), (5, 400 / 9)],
)
def test_rescale_maps_one_to_ten_onto_zero_to_hundred(answer: int, expected: float) -> None:
    assert rescale(answer) == pytest.approx(expected)


@pytest.mark.parametrize("answer", [0, 11, -1])
def test_rescale_refuses_answers_off_the_scale(answer: int) -> None:
    with pytest.raises(ValueError):
        rescale(answer)


def test_one_response_is_the_mean_of_its_three_rescaled_answers() -> None:
    # (10, 7, 4) → (100, 66.67, 33.33) → 200 / 3.
    assert response_index((10, 7, 4)) == pytest.approx(200 / 3)
    assert response_index((1, 1, 1)) == 0
    with pytest.raises(ValueError):
        response_index((5, 5))


def test_nki_by_hand() -> None:
    # (10,10,10) → 100; (1,1,1) → 0; (10,7,4) → 66.67; (8,8,5) → (77.78+77.78+44.44)/3 = 66.67.
    # Mean of 100, 0, 66.667, 66.667 = 233.33 / 4 = 58.33 → 58.3.
    figure = nki([(10, 10, 10), (1, 1, 1), (10, 7, 4), (8, 8, 5)], min_answers=5)
    assert figure == Figure(value=58.3, n=4, flagged=True)


def test_nki_not_flagged_from_min_answers_on() -> None:
    # Five answers of (6, 6, 6): 5 / 9 × 100 = 55.56 → 55.6.
    assert nki([(6, 6, 6)] * 5, min_answers=5) == Figure(value=55.6, n=5, flagged=False)


def test_nki_of_nothing_is_none_and_flagged() -> None:
    assert nki([], min_answers=5) == Figure(value=None, n=0, flagged=True)
    assert nki([], min_answers=0) == Figure(value=None, n=0, flagged=False)


def test_median() -> None:
    assert median([]) is None
    assert median([3.0]) == 3.0
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_median_figure_rests_on_the_count() -> None:
    assert median_figure([24.0, 48.0, 72.5], min_answers=5) == Figure(48.0, 3, True)
    assert median_figure([]) == Figure(None, 0, False)


def test_rate_keeps_its_denominator() -> None:
    assert rate(1, 3) == Figure(value=0.3333, n=3, flagged=False)
    assert rate(0, 0) == Figure(value=None, n=0, flagged=False)
    assert rate(2, 4, min_answers=5) == Figure(value=0.5, n=4, flagged=True)
    with pytest.raises(ValueError):
        rate(3, 2)


def test_periods_by_month_and_week() -> None:
    assert period_start(date(2027, 3, 17), "month") == date(2027, 3, 1)
    # 2027-03-17 is a Wednesday.
    assert period_start(date(2027, 3, 17), "week") == date(2027, 3, 15)
    assert periods(date(2026, 11, 20), date(2027, 2, 1), "month") == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
    assert periods(date(2027, 3, 3), date(2027, 3, 15), "week") == [
        date(2027, 3, 1),
        date(2027, 3, 8),
        date(2027, 3, 15),
    ]
    assert period_label(date(2027, 3, 1), "month") == "2027-03"
    # 2027-01-01 is a Friday in ISO week 53 of 2026.
    assert period_label(period_start(date(2027, 1, 1), "week"), "week") == "2026-W53"
    with pytest.raises(ValueError):
        period_start(date(2027, 1, 1), "day")
