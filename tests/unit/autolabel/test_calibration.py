"""Calibrating the threshold to a target precision on labelled tasks."""

from __future__ import annotations

import pytest

from sdk_scripts.autolabel.calibration import calibrate, labelled_pairs
from sdk_scripts.errors import LabelopsError
from tests.support.autolabel import VERSION, sentiment, task


def test_the_smallest_threshold_that_reaches_the_target_wins() -> None:
    # 10 right at 0.95-0.99, one wrong at 0.9, 9 right at 0.8-0.88, 5 wrong below 0.7
    pairs = [(0.99 - i * 0.004, True) for i in range(10)] + [(0.9, False)] \
        + [(0.88 - i * 0.01, True) for i in range(9)] + [(0.6 - i * 0.01, False) for i in range(5)]
    found = calibrate(pairs, 0.95)
    # at 0.80: 19 of 20 right (0.95); one step lower adds a wrong one
    assert found.threshold == pytest.approx(0.80) and found.labelled == 25
    assert (found.precision.successes, found.precision.total) == (19, 20)
    assert "19 of 20" in found.describe() and "of 25 labelled" in found.describe()
    # a stricter target needs the top ten only (the wrong one at 0.9 sits below them)
    strict = calibrate(pairs, 0.99)
    assert strict.threshold == pytest.approx(0.954) and strict.precision.total == 10


def test_not_monotone_a_lower_threshold_that_qualifies_beats_a_higher_one_that_does_not() -> None:
    # the top pair is wrong: precision at 0.99 is 0, yet at 0.5 it is 20 of 21
    pairs = [(0.99, False)] + [(0.9 - i * 0.01, True) for i in range(20)]
    found = calibrate(pairs, 0.95)
    assert found.threshold == pytest.approx(0.71) and found.precision.successes == 20


def test_tied_scores_are_taken_together() -> None:
    pairs = [(0.9, True)] * 19 + [(0.8, True), (0.8, False)] + [(0.5, False)] * 4
    found = calibrate(pairs, 0.95)
    assert found.threshold == 0.8 and found.precision.total == 21  # 0.8 takes both of its pairs


def test_too_few_labelled_tasks_or_an_unreachable_target_is_one_clear_error() -> None:
    with pytest.raises(LabelopsError, match=r"needs at least 20 labelled tasks .* there are 3\. Label more tasks"):
        calibrate([(0.9, True)] * 3, 0.95, model_version="'lf-x'")
    assert calibrate([(0.9, True)] * 3, 0.95, min_labelled=3).threshold == 0.9
    unreachable = r"no threshold reaches precision 0.95 .* the highest is 0.67 at score >= 0.8"
    with pytest.raises(LabelopsError, match=unreachable):
        calibrate([(0.9, False), (0.85, True), (0.8, True)] + [(0.1, False)] * 20, 0.95)


def test_labelled_pairs_come_from_human_finals_with_a_scored_classification_prediction() -> None:
    tasks = {t["id"]: t for t in [task(1, predicted=("positive", 0.9)), task(2, predicted=("negative", 0.8)),
                                  task(3, predicted=("positive", None)), task(4), task(5, predicted=("neutral", 0.7))]}
    records = [{"task": 1, "final": sentiment("positive"), "final_source": "majority"},
               {"task": 2, "final": sentiment("positive"), "final_source": "adjudicated"},
               {"task": 3, "final": sentiment("positive"), "final_source": "consensus"},  # no score
               {"task": 4, "final": sentiment("positive"), "final_source": "consensus"},  # no prediction
               {"task": 5, "final": sentiment("neutral"), "final_source": "auto"}]  # an auto-label is no reference
    assert labelled_pairs(records, tasks, VERSION) == [(0.9, True), (0.8, False)]
    assert labelled_pairs(records, tasks, "other") == []
