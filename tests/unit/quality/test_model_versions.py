"""Model vs human, pure parts: per model version agreement with the finals, acceptance, lead time, hand-counted."""

from __future__ import annotations

import numpy as np
import pytest

from sdk_scripts.quality.lead_time import compare_lead_times, lead_time_figures, lead_times
from sdk_scripts.quality.model_render import render_model_versions
from sdk_scripts.quality.model_versions import final_results, model_version_report
from sdk_scripts.quality.results import same_labels
from tests.support.quality import CONFIDENCE, CONFIG, annotation, model_project, prediction, sentiment


def test_same_labels_ignores_region_ids_order_and_quality_fields() -> None:
    two = sentiment("joy", "a") + [{"from_name": "topic", "to_name": "text", "type": "choices",
                                    "value": {"choices": ["x"]}}]
    assert same_labels(two + CONFIDENCE, list(reversed(sentiment("joy", "zz") + two[1:])))
    assert not same_labels(sentiment("joy"), sentiment("sad")) and not same_labels(two, two[:1])


def test_finals_are_the_ground_truth_else_the_consensus() -> None:
    finals = final_results(CONFIG, model_project())
    assert {t: r[0]["value"]["choices"] for t, r in finals.items()} == {
        1: ["positive"], 2: ["neutral"], 3: ["negative"], 4: ["negative"]}
    # an excluded annotator's labels are left out of the consensus
    assert 1 not in final_results(CONFIG, model_project()[:1], excluded={1, 2})


def test_each_version_by_hand() -> None:
    report = model_version_report(CONFIG, model_project(), seed=3)
    v1, v2 = report.versions
    assert (v1.model_version, v1.predictions, v1.compared, v1.agreement) == ("v1", 3, 3, pytest.approx(1 / 3))
    assert (v2.model_version, v2.predictions, v2.compared, v2.agreement) == ("v2", 3, 2, 0.5)
    assert (v1.acceptance.made_from, v1.acceptance.accepted) == (2, 1)  # task 1 kept, task 2 changed
    assert (v2.acceptance.made_from, v2.acceptance.accepted, v2.acceptance.rate) == (2, 2, 1.0)
    assert (v1.lead_time.annotations, v1.lead_time.mean, v2.lead_time.mean) == (2, 15.0, 6.0)
    assert (report.without_prediction.annotations, report.without_prediction.mean) == (2, 35.0)
    assert v1.against_no_prediction.speedup == pytest.approx(35 / 15)
    assert v1.against_no_prediction.difference == -20.0
    assert report.notes == ["1 annotations were made from predictions since deleted: left out"]
    (control,) = v1.controls
    assert control.name == "sentiment" and control.measures["percent_agreement"] == pytest.approx(1 / 3)
    assert set(control.labels) == {"positive", "neutral", "negative"}
    assert model_version_report(CONFIG, model_project(), seed=3).to_json() == report.to_json()  # seeded
    text = render_model_versions(report)
    assert "v1       3            3         0.333      1/2       0.500" in text
    assert "without a prediction: lead time 35.0 [30.0, 40.0] (n=2)" in text


def test_only_the_controls_a_version_predicts_are_compared() -> None:
    config = CONFIG.replace('<Choices name="confidence"', '<Choices name="topic" toName="text"><Choice value="a"/>'
                            '<Choice value="b"/></Choices><Choices name="confidence"')
    topic = [{"from_name": "topic", "to_name": "text", "type": "choices", "value": {"choices": ["a"]}}]
    tasks = [{"id": 1, "predictions": [prediction(100, "v1", "positive")],
              "annotations": [{**annotation(1, 1, "positive"), "result": sentiment("positive") + topic}]}]
    (version,) = model_version_report(config, tasks).versions
    assert [c.name for c in version.controls] == ["sentiment"] and version.agreement == 1.0


def test_without_predictions_there_is_nothing_to_compare() -> None:
    report = model_version_report(CONFIG, [{"id": 1, "annotations": [annotation(1, 1, "positive")]}])
    assert report.versions == [] and render_model_versions(report) == \
        "no predictions in the project: nothing to compare"


def test_lead_time_figures_and_their_intervals() -> None:
    assert list(lead_times([{"lead_time": 3}, {"lead_time": None}, {"lead_time": -1}, {"lead_time": float("nan")},
                            {"lead_time": True}, {}, {"lead_time": 2.5}])) == [3.0, 2.5]
    found = lead_time_figures(np.array([10.0, 20.0, 30.0]), 0.9, seed=1)
    assert (found.annotations, found.mean, found.median) == (3, 20.0, 20.0)
    assert 10.0 <= found.interval.low < 20.0 < found.interval.high <= 30.0
    assert lead_time_figures(np.array([4.0])).interval is None and lead_time_figures(np.array([])).mean is None
    faster = compare_lead_times(np.array([5.0, 5.0, 5.0]), np.array([10.0, 10.0]), seed=2)
    assert (faster.difference, faster.speedup) == (-5.0, 2.0)
    assert (faster.difference_interval.low, faster.difference_interval.high) == (-5.0, -5.0)
    assert compare_lead_times(np.array([5.0]), np.array([])).speedup is None
    single = compare_lead_times(np.array([5.0]), np.array([10.0, 20.0]))
    assert (single.speedup, single.speedup_interval) == (3.0, None)
