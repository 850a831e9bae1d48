"""The Wilson score interval against published values."""

from __future__ import annotations

import pytest

from sdk_scripts.autolabel.interval import wilson


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Newcombe, R. G. (1998), "Two-sided confidence intervals for the single proportion: comparison of seven
    # methods", Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no continuity correction)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombe_1998_table_1(k: int, n: int, low: float, high: float) -> None:
    found = wilson(k, n)
    assert (round(found.low, 4), round(found.high, 4)) == (low, high)
    assert found.estimate == k / n


def test_the_ends_are_exact_and_nothing_decided_has_no_interval() -> None:
    all_right = wilson(20, 20)
    assert all_right.high == 1.0 and round(all_right.low, 3) == 0.839  # why the stop rule is not the lower bound
    assert wilson(0, 5).low == 0.0
    empty = wilson(0, 0)
    assert empty.estimate is None and empty.low is None and "not measured" in empty.describe()
    assert wilson(46, 50).describe() == "0.92 (95% CI 0.81-0.97, Wilson; 46 of 50)"
    assert wilson(9, 10, confidence=0.99).high > wilson(9, 10).high


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        wilson(3, 2)
    with pytest.raises(ValueError):
        wilson(1, 2, confidence=1.0)
