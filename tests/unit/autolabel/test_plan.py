"""What an autolabel run marks, passes over, samples and (on reset) withdraws."""

from __future__ import annotations

from sdk_scripts.autolabel.marks import AutoMark, with_mark
from sdk_scripts.autolabel.plan import (
    ANNOTATED,
    BELOW,
    MARKED,
    NO_PREDICTION,
    NO_SCORE,
    NOT_CLASSIFICATION,
    Settings,
    plan_autolabel,
    plan_reset,
)
from tests.support.autolabel import VERSION, review, sentiment, task

SETTINGS = Settings(VERSION, 0.9, 0.95, 0.5, 0, "now")


def with_marker(t: dict, *, audit: bool, round_: int = 1) -> dict:
    mark = AutoMark(VERSION, None, 0.95, 0.9, 0.95, audit, round_, sentiment("positive"), "t")
    return {**t, "meta": with_mark(t["meta"], mark)}


def test_only_unlabelled_tasks_with_a_confident_classification_are_marked() -> None:
    boxes = task(6, predicted=("positive", 0.99))
    boxes["predictions"][0]["result"] = [{"from_name": "box", "to_name": "img", "type": "rectanglelabels",
                                          "value": {"rectanglelabels": ["car"]}}]
    tasks = [task(1, predicted=("positive", 0.95)), task(2, predicted=("negative", 0.9)),
             task(3, predicted=("positive", 0.89)), task(4, predicted=("positive", 0.99), labels=("positive",)),
             task(5, predicted=("positive", None)), boxes, task(7),
             with_marker(task(8, predicted=("positive", 0.99)), audit=False)]
    plan = plan_autolabel(tasks, SETTINGS)
    assert sorted(plan.marks) == [1, 2] and plan.round == 1
    assert dict(plan.passed_over) == {BELOW: 1, ANNOTATED: 1, NO_SCORE: 1, NOT_CLASSIFICATION: 1, NO_PREDICTION: 1,
                                      MARKED: 1}
    mark = plan.marks[2]
    assert (mark.model_version, mark.prediction, mark.score, mark.threshold, mark.target, mark.round) == (
        VERSION, 1002, 0.9, 0.9, 0.95, 1)
    assert mark.result == sentiment("negative") and len(plan.audited) == 2  # ceil(0.5 x 3): task 8 was not sampled


def test_a_rerun_on_the_marked_tasks_marks_and_samples_nothing_new() -> None:
    tasks = [task(i, predicted=("positive", 0.95)) for i in range(1, 11)]
    first = plan_autolabel(tasks, SETTINGS)
    after = [with_marker(t, audit=first.marks[t["id"]].audit) for t in tasks]
    again = plan_autolabel(after, SETTINGS)
    assert again.marks == {} and again.passed_over[MARKED] == 10
    more = plan_autolabel(after + [task(11, predicted=("positive", 0.95))], SETTINGS)
    assert list(more.marks) == [11] and more.audited == [11]  # ceil(0.5 x 11) = 6: one more


def test_a_reset_keeps_decided_audits_withdraws_the_rest_and_opens_the_next_round() -> None:
    tasks = [with_marker(task(1, predicted=("positive", 0.95)), audit=True),
             with_marker(task(2, predicted=("positive", 0.95)), audit=True),
             with_marker(task(3, predicted=("positive", 0.95)), audit=False),
             task(4, predicted=("positive", 0.97))]
    reviews = {1: review(1, "negative", "corrected")}
    reset = plan_reset(tasks, reviews)
    assert reset.round == 1 and list(reset.close) == [1] and sorted(reset.withdraw) == [2, 3]
    assert reset.close[1].closed
    plan = plan_autolabel(tasks, SETTINGS, reset=reset)
    assert plan.round == 2 and sorted(plan.marks) == [2, 3, 4]  # the decided audit is never labelled again
    assert plan.passed_over[MARKED] == 1


def test_auto_labelled_tasks_label_studio_put_back_in_the_stream_are_taken_out_again() -> None:
    back = with_marker(task(1, predicted=("positive", 0.95)), audit=False)  # is_labeled false: overlap changed
    out = {**with_marker(task(2, predicted=("positive", 0.95)), audit=False), "is_labeled": True}
    annotated = with_marker(task(3, predicted=("positive", 0.95), labels=("negative",)), audit=False)
    annotated["is_labeled"] = False
    assert plan_autolabel([back, out, annotated], SETTINGS).restore == [1]
    assert plan_autolabel([back], SETTINGS, reset=plan_reset([back], {})).restore == []  # withdrawn instead
