"""Records as converter input, their weights, what a training format holds, and splits that are never empty."""

from __future__ import annotations

import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.formats.items import ensure_non_empty, ls_task, trainable, weight
from tests.support.formats import choice, record


def test_the_weight_is_the_records_weight_else_its_confidence() -> None:
    assert weight(record(1, {}, [], weight=0.3, confidence=0.9)) == 0.3
    assert weight(record(1, {}, [], confidence=0.9)) == 0.9
    assert weight({**record(1, {}, [], confidence=0.9), "weight": None}) == 0.9


def test_the_converter_gets_one_annotation_holding_the_final_without_quality_fields() -> None:
    final = [choice("sentiment", "positive"), choice("confidence", "probably"), choice("review_decision", "corrected")]
    task = ls_task(record(4, {"text": "t"}, final, source="adjudicated"), {"text": "t", "weight": 1.0})
    assert task["id"] == 4 and task["data"] == {"text": "t", "weight": 1.0}
    [annotation] = task["annotations"]
    assert annotation["result"] == [final[0]] and annotation["was_cancelled"] is False
    assert annotation["completed_by"] == {"email": "labelops:adjudicated"}


def test_quarantined_records_never_enter_and_those_without_a_final_are_listed() -> None:
    records = [record(1, {}, []), record(2, {}, None, state="quarantined"), record(3, {}, None, state="pending")]
    kept, left_out = trainable(records)
    assert [r["task"] for r in kept] == [1] and [(i.task, i.reason) for i in left_out] == [
        (3, "no final label yet (pending, no consensus)")]


def _ids(splits: dict[str, list[dict]]) -> dict[str, list[int]]:
    return {name: [r["task"] for r in rows] for name, rows in splits.items()}


def test_empty_needed_splits_borrow_from_the_largest() -> None:
    rows = [record(i, {}, []) for i in range(1, 5)]
    assert _ids(ensure_non_empty({"train": rows, "val": []}, ("train", "val"), "x")) == {"train": [1, 2, 3],
                                                                                          "val": [4]}
    assert _ids(ensure_non_empty({"train": [], "val": [], "test": rows[:2]}, ("train", "val"), "x")) == {
        "train": [2], "val": [1], "test": []}
    assert _ids(ensure_non_empty({"train": rows[:1], "val": rows[1:2]}, ("train", "val"), "x")) == {
        "train": [1], "val": [2]}
    with pytest.raises(LabelopsError, match=r"^YOLO needs at least 2 items \(train, val: one each\); 1 could be"):
        ensure_non_empty({"train": rows[:1], "val": []}, ("train", "val"), "YOLO")
