"""Adaptive overlap without a server: who gets one more annotator, who waits, who goes to review, what it cost."""

from __future__ import annotations

import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.review.overlap import (
    AT_MAX,
    INCOMPLETE,
    META_FIELD,
    RAISE,
    RESOLVED,
    WAITING,
    check_max_annotators,
    plan_overlap,
    raise_fields,
    summarize,
)
from sdk_scripts.review.selection import select_for_review


def choice(name: str, *values: str) -> dict:
    return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": list(values)}}


def task(id_: int, labels: list[str], overlap: int = 3, *, base: int | None = None, flag: int | None = None,
         truth: bool = False) -> dict:
    """A task whose i-th annotator (user i + 1) chose labels[i]; `base`: labelops raised it from that overlap."""
    annotations = [{"id": id_ * 10 + i, "completed_by": i + 1, "was_cancelled": False, "ground_truth": False,
                    "created_at": f"2026-11-01T00:00:0{i}Z",
                    "result": [choice("emotion", label)] + ([choice("flag", "ambiguous")] if flag == i else [])}
                   for i, label in enumerate(labels)]
    if truth:
        annotations.append({"id": id_ * 10 + 9, "completed_by": 99, "ground_truth": True, "result": []})
    meta = {META_FIELD: {"base": base, "raised_to": overlap}} if base is not None else {"other": 1}
    return {"id": id_, "overlap": overlap, "annotations": annotations, "meta": meta}


def actions(plan) -> dict[int, str]:
    return {d.task_id: d.action for d in plan.decisions}


def test_a_complete_disagreeing_task_gets_one_more_annotator_up_to_the_maximum() -> None:
    tasks = [task(1, ["joy", "joy", "anger"]), task(2, ["joy", "joy", "joy"]),
             task(3, ["joy", "joy", "anger", "anger"], overlap=4, base=3)]
    scores = {1: 0.33, 2: 1.0, 3: 0.33}
    plan = plan_overlap(tasks, scores, threshold=0.5, max_annotators=4)
    assert actions(plan) == {1: RAISE, 3: AT_MAX}
    assert [(d.task_id, d.new_overlap) for d in plan.to_raise] == [(1, 4)]
    assert plan.held == {1}
    # the raised task stays out of review; the one still below at the maximum goes
    picks = select_for_review(tasks, scores, threshold=0.5, qa_fraction=0.0, held=plan.held)
    assert [p.task_id for p in picks] == [3]


def test_rerun_raises_nothing_twice_and_counts_the_wait() -> None:
    raised = task(1, ["joy", "joy", "anger"], overlap=4, base=3)  # what the first push left behind
    plan = plan_overlap([raised], {1: 0.33}, threshold=0.5, max_annotators=5)
    assert actions(plan) == {1: WAITING} and plan.to_raise == [] and plan.held == {1}
    # even without --max-annotators the task waits for the annotator an earlier push asked for
    assert actions(plan_overlap([raised], {1: 0.33}, threshold=0.5, max_annotators=None)) == {1: WAITING}


def test_flagged_decided_and_agreeing_tasks_are_never_raised() -> None:
    tasks = [task(1, ["joy", "joy", "anger"], flag=0), task(2, ["joy", "anger", "anger"], truth=True),
             task(3, ["joy", "anger", "anger"]), task(4, ["joy", "joy", "joy"])]
    scores = {1: 0.33, 2: 0.33, 3: 0.33, 4: 1.0}
    plan = plan_overlap(tasks, scores, threshold=0.5, max_annotators=4, decided={2, 3})
    assert actions(plan) == {}


def test_an_incomplete_task_waits_for_its_annotators_before_anything() -> None:
    partial = task(1, ["joy", "anger"])  # 2 of 3 annotators so far
    assert actions(plan_overlap([partial], {1: 0.0}, threshold=0.5, max_annotators=4)) == {1: INCOMPLETE}
    assert actions(plan_overlap([partial], {1: 0.0}, threshold=0.5, max_annotators=None)) == {}  # as before


def test_the_extra_annotator_agreeing_saves_a_review_and_the_report_counts_the_cost() -> None:
    saved = task(1, ["joy", "joy", "anger", "joy"], overlap=4, base=3)
    reviewed = task(2, ["joy", "joy", "anger", "anger"], overlap=4, base=3)
    new = task(3, ["joy", "anger", "anger"])
    waiting = task(4, ["joy", "anger", "anger"], overlap=4, base=3)
    tasks = [saved, reviewed, new, waiting]
    plan = plan_overlap(tasks, {1: 0.5, 2: 0.33, 3: 0.33, 4: 0.33}, threshold=0.5, max_annotators=4)
    assert actions(plan) == {1: RESOLVED, 2: AT_MAX, 3: RAISE, 4: WAITING}
    summary = summarize(plan, tasks)
    assert (summary.raised, summary.waiting, summary.reviews_saved, summary.reviewed_anyway) == ([3], [4], [1], [2])
    assert (summary.extra_requested, summary.extra_received) == (4, 2)
    assert summary.as_json()["extra_annotations_requested_now"] == 1


def test_raise_fields_ask_label_studio_to_serve_the_task_again_and_keep_other_meta() -> None:
    fields = raise_fields(task(1, ["joy", "joy", "anger"]), 4)
    assert fields == {"overlap": 4, "is_labeled": False, "meta": {"other": 1, META_FIELD: {"base": 3, "raised_to": 4}}}
    again = raise_fields(task(1, ["joy", "joy", "anger", "anger"], overlap=4, base=3), 5)
    assert again["meta"][META_FIELD] == {"base": 3, "raised_to": 5}  # the first base is kept


def test_a_maximum_below_the_current_overlap_is_one_error() -> None:
    project = {"id": 7, "maximum_annotations": 3}
    with pytest.raises(LabelopsError, match="--max-annotators 2 is below the current overlap: project 7 asks 3"):
        check_max_annotators(2, project, [])
    with pytest.raises(LabelopsError, match=r"below the current overlap of task\(s\) 5 "):
        check_max_annotators(4, project, [task(5, [], overlap=5, base=3), task(6, [])])
    check_max_annotators(3, project, [task(6, [])])  # equal is fine: nothing is raised
