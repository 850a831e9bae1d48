"""Agreement measures against published reference values, and properties that must always hold.

Every reference value is cited where it is used. The figures are computed through the whole engine
(Label Studio task JSON in, report out) wherever the reference data can be written as tasks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.metrics.distance import masi_distance as nltk_masi

from sdk_scripts.agreement.engine import agreement_report, per_task_scores
from sdk_scripts.agreement.geometry import box_f1, span_f1
from sdk_scripts.agreement.measures import fleiss_kappa, masi_distance, percent_agreement
from sdk_scripts.agreement.measures import krippendorff_alpha as alpha_of_counts
from tests.support.agreement import (
    KRIPPENDORFF_2011,
    RATING_CONFIG,
    choice_config,
    choice_result,
    rating_result,
    tasks_from_matrix,
)

MULTI_CONFIG = """<View><Text name="text" value="$text"/>
<Choices name="tags" toName="text" choice="multiple">{choices}</Choices></View>"""
BOX_CONFIG = """<View><Image name="image" value="$image"/>
<RectangleLabels name="label" toName="image"><Label value="car"/><Label value="person"/></RectangleLabels></View>"""


def test_krippendorff_2011_nominal_through_the_engine() -> None:
    tasks = tasks_from_matrix(KRIPPENDORFF_2011, choice_result)
    report = agreement_report(choice_config(["1", "2", "3", "4", "5"]), tasks)
    (control,) = report["controls"]
    assert control["measures"]["alpha_nominal"] == pytest.approx(0.743, abs=5e-4)
    # Unit 12 has a single value: it is not pairable and gets no task score.
    assert report["tasks"][11]["score"] is None and report["summary"]["tasks_scored"] == 11


def test_krippendorff_2011_ordinal_and_interval_through_the_engine() -> None:
    report = agreement_report(RATING_CONFIG, tasks_from_matrix(KRIPPENDORFF_2011, rating_result))
    (control,) = report["controls"]
    assert control["measures"]["alpha_ordinal"] == pytest.approx(0.815, abs=5e-4)
    assert control["measures"]["alpha_interval"] == pytest.approx(0.849, abs=5e-4)


# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological
# Bulletin 76(5), 378-382; the worked example (10 subjects, 14 raters, 5 categories) as reproduced
# in the Wikipedia article "Fleiss' kappa": P-bar = 0.378, P_e = 0.213, kappa = 0.210.
FLEISS_EXAMPLE = np.array([
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
])


def test_fleiss_worked_example() -> None:
    assert fleiss_kappa(FLEISS_EXAMPLE) == pytest.approx(0.210, abs=5e-4)
    assert percent_agreement(FLEISS_EXAMPLE) == pytest.approx(0.378, abs=5e-4)


def test_fleiss_worked_example_through_the_engine() -> None:
    rows = [[None] * 10 for _ in range(14)]
    for subject, counts in enumerate(FLEISS_EXAMPLE):
        raters = iter(range(14))
        for category, count in enumerate(counts):
            for _ in range(count):
                rows[next(raters)][subject] = category + 1
    report = agreement_report(choice_config(["1", "2", "3", "4", "5"]), tasks_from_matrix(rows, choice_result))
    assert report["controls"][0]["measures"]["fleiss_kappa"] == pytest.approx(0.210, abs=5e-4)


def test_fleiss_is_undefined_when_rater_counts_differ() -> None:
    assert fleiss_kappa(np.array([[2, 0], [1, 2]])) is None


# Cohen's kappa, worked example of the Wikipedia article "Cohen's kappa": 50 proposals, readers A
# and B; both yes 20, A yes / B no 5, A no / B yes 10, both no 15; p_o = 0.7, p_e = 0.5, kappa = 0.4.
def test_cohen_kappa_worked_example_through_the_engine() -> None:
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    rows = [[a for a, _ in pairs], [b for _, b in pairs]]
    report = agreement_report(choice_config(["yes", "no"]), tasks_from_matrix(rows, choice_result))
    (control,) = report["controls"]
    (pair,) = control["pairs"]
    assert (pair["a"], pair["b"], pair["tasks"]) == (1, 2, 50)
    assert pair["cohen_kappa"] == pytest.approx(0.4)
    assert control["measures"]["percent_agreement"] == pytest.approx(0.7)


# MASI: Passonneau, R. (2006). Measuring agreement on set-valued items (MASI) for semantic and
# pragmatic annotation. LREC. Checked against NLTK's implementation of the same definition.
@given(st.frozensets(st.sampled_from("abcde")), st.frozensets(st.sampled_from("abcde")))
def test_masi_matches_nltk(a: frozenset, b: frozenset) -> None:
    if a or b:
        assert masi_distance(a, b) == pytest.approx(nltk_masi(set(a), set(b)))


def test_multi_label_alpha_per_label_and_masi() -> None:
    labels = ["joy", "anger", "sadness"]

    def tags(values):
        return [{"from_name": "tags", "to_name": "text", "type": "choices", "value": {"choices": list(values)}}]

    rows = [[("joy",), ("anger",), ("joy", "sadness"), ("sadness",)],
            [("joy",), ("anger",), ("joy", "sadness"), ("sadness",)]]
    report = agreement_report(MULTI_CONFIG.format(choices="".join(f'<Choice value="{v}"/>' for v in labels)),
                              tasks_from_matrix(rows, tags))
    control = report["controls"][0]
    assert control["measures"]["alpha_masi"] == pytest.approx(1.0)
    assert {label: figures["alpha"] for label, figures in control["labels"].items()} == {
        "joy": pytest.approx(1.0), "anger": pytest.approx(1.0), "sadness": pytest.approx(1.0)}
    rows[1][2] = ("joy",)  # a subset: partly agreeing
    scores = per_task_scores(MULTI_CONFIG.format(choices="".join(f'<Choice value="{v}"/>' for v in labels)),
                             tasks_from_matrix(rows, tags))
    assert scores == {1: 1.0, 2: 1.0, 3: pytest.approx(0.5), 4: 1.0}


# -- properties -------------------------------------------------------------------------------

ratings_matrix = st.integers(2, 5).flatmap(
    lambda coders: st.lists(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=coders, max_size=coders),
                            min_size=2, max_size=12))


@settings(max_examples=60, deadline=None)
@given(ratings_matrix, st.randoms())
def test_alpha_is_invariant_to_annotator_order(units: list[list], rnd) -> None:
    rows = [list(r) for r in zip(*units, strict=True)]
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    config = choice_config(["a", "b", "c"])
    first = agreement_report(config, tasks_from_matrix(rows, choice_result))["controls"][0]["measures"]
    second = agreement_report(config, tasks_from_matrix(shuffled, choice_result))["controls"][0]["measures"]
    for key in ("alpha_nominal", "percent_agreement"):
        if first[key] is None:
            assert second[key] is None
        else:
            assert second[key] == pytest.approx(first[key])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c"]), min_size=2, max_size=10), st.integers(2, 5))
def test_perfect_agreement_scores_one(values: list[str], coders: int) -> None:
    rows = [values[:] for _ in range(coders)]
    config = choice_config(["a", "b", "c"])
    report = agreement_report(config, tasks_from_matrix(rows, choice_result))
    measures = report["controls"][0]["measures"]
    assert measures["percent_agreement"] == 1.0
    assert all(t["score"] == 1.0 for t in report["tasks"])
    if len(set(values)) > 1:
        assert measures["alpha_nominal"] == pytest.approx(1.0)
    else:
        assert measures["alpha_nominal"] is None  # one value in use: expected disagreement is zero


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("abc")), min_size=1, max_size=20),
       st.sampled_from([0, 1]))
def test_a_duplicate_annotator_never_lowers_two_rater_percent_agreement(pairs, which) -> None:
    # With two raters, copying either one can only add agreeing pairs. (With three or more raters
    # copying a lone dissenter can lower pairwise agreement: 3 agree + 1 dissents = 0.5, then 0.4.)
    rows = [[a for a, _ in pairs], [b for _, b in pairs]]
    config = choice_config(["a", "b", "c"])
    before = agreement_report(config, tasks_from_matrix(rows, choice_result))["controls"][0]["measures"]
    after = agreement_report(config, tasks_from_matrix(rows + [rows[which]], choice_result))["controls"][0]["measures"]
    assert after["percent_agreement"] >= before["percent_agreement"] - 1e-12


box = st.tuples(st.sampled_from(["car", "person"]), st.floats(0, 90), st.floats(0, 90), st.floats(1, 30),
                st.floats(1, 30))


@settings(max_examples=100, deadline=None)
@given(st.lists(box, max_size=6), st.lists(box, max_size=6), st.floats(0.1, 0.9))
def test_box_matching_is_symmetric(a, b, threshold) -> None:
    assert box_f1(tuple(a), tuple(b), threshold) == pytest.approx(box_f1(tuple(b), tuple(a), threshold))
    assert box_f1(tuple(a), tuple(a), threshold) == 1.0


def test_box_matching_uses_iou_threshold_and_labels() -> None:
    car = ("car", 10, 10, 20, 20)
    shifted = ("car", 15, 10, 20, 20)  # IoU = 15*20 / (2*400 - 300) = 0.6
    assert box_f1((car,), (shifted,), 0.5) == 1.0
    assert box_f1((car,), (shifted,), 0.7) == 0.0
    assert box_f1((car,), (("person", 15, 10, 20, 20),), 0.5) == 0.0
    assert box_f1((car, ("person", 50, 50, 10, 10)), (shifted,), 0.5) == pytest.approx(2 / 3)


def test_span_matching_exact_and_overlap() -> None:
    a = (("PER", 0, 5), ("LOC", 10, 16))
    b = (("PER", 0, 4), ("LOC", 10, 16))
    assert span_f1(a, b, exact=True) == 0.5
    assert span_f1(a, b) == 1.0
    assert span_f1((), ()) == 1.0


def test_box_alpha_over_matched_units() -> None:
    def boxes(values):
        return [{"from_name": "label", "to_name": "image", "type": "rectanglelabels",
                 "value": {"x": x, "y": y, "width": 10, "height": 10, "rectanglelabels": [label]}}
                for label, x, y in values]

    rows = [[[("car", 0, 0), ("person", 50, 50)], [("car", 20, 20)]],
            [[("car", 1, 0), ("person", 50, 51)], [("car", 20, 21)]],
            [[("car", 0, 1), ("car", 50, 50)], []]]
    report = agreement_report(BOX_CONFIG, tasks_from_matrix(rows, boxes))
    control = report["controls"][0]
    assert control["labels"]["car"]["count"] == 6
    first, second = report["tasks"][0]["controls"]["label"], report["tasks"][1]["controls"]["label"]
    assert first == pytest.approx((1.0 + 0.5 + 0.5) / 3)  # the third annotator calls the person a car
    assert second == pytest.approx((1.0 + 0.0 + 0.0) / 3)  # the third annotator drew nothing
    assert 0 < control["measures"]["alpha_matched_units"] < 1


def test_missing_data_and_bad_results_are_reported_not_fatal() -> None:
    config = choice_config(["a", "b"])
    tasks = tasks_from_matrix([["a", "b", None], ["a", None, None]], choice_result)
    tasks[1]["annotations"].append({"id": 77, "completed_by": 9, "was_cancelled": True, "result": []})
    tasks[0]["annotations"].append({"id": 78, "completed_by": 3, "result": choice_result("zebra"),
                                    "created_at": "2026-11-16T09:00:00Z"})
    report = agreement_report(config, tasks)
    assert report["summary"]["cancelled"] == 1
    assert any("label 'zebra' is not in the config" in p for p in report["problems"])
    assert report["tasks"][0]["score"] == 1.0 and report["tasks"][1]["score"] is None
    assert report["tasks"][2]["annotators"] == 0
    empty = agreement_report(config, [])
    assert empty["summary"]["tasks"] == 0 and empty["controls"][0]["measures"]["alpha_nominal"] is None


def test_alpha_of_counts_is_none_when_undefined() -> None:
    assert alpha_of_counts(np.array([[2, 0], [3, 0]])) is None
    assert alpha_of_counts(np.array([[1, 0], [0, 1]])) is None
    assert not math.isnan(alpha_of_counts(np.array([[2, 0], [0, 2]])))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(0, 4), min_size=4, max_size=4), min_size=2, max_size=30))
def test_closed_form_nominal_alpha_equals_the_krippendorff_package(rows: list[list[int]]) -> None:
    import krippendorff

    counts = np.array(rows)
    pairable = counts[counts.sum(axis=1) >= 2]
    used = pairable.sum(axis=0) > 0 if len(pairable) else np.zeros(4, bool)
    ours = alpha_of_counts(counts, "nominal")
    if len(pairable) == 0 or used.sum() < 2:
        assert ours is None
    else:
        reference = krippendorff.alpha(value_counts=pairable[:, used], level_of_measurement="nominal")
        assert ours == pytest.approx(float(reference))
