"""Fusing matched regions, the finals' options, and Dawid-Skene's posteriors beside the report's consensus."""

from __future__ import annotations

import numpy as np
import pytest

from sdk_scripts.agreement.coded import columns
from sdk_scripts.agreement.consensus import dawid_skene, posteriors
from sdk_scripts.agreement.extract import Ratings
from sdk_scripts.agreement.finals import FinalOptions
from sdk_scripts.agreement.fusion import Member, fuse_box, fuse_span, span_text, vote_label
from sdk_scripts.agreement.kinds.choices import SingleChoice
from sdk_scripts.agreement.spec import ControlSpec


def rect(x: float, y: float, w: float, h: float, rotation: float, label: str = "car") -> dict:
    return {"id": f"{x}", "from_name": "label", "to_name": "image", "type": "rectanglelabels",
            "original_width": 100, "original_height": 100,
            "value": {"x": x, "y": y, "width": w, "height": h, "rotation": rotation, "rectanglelabels": [label]}}


def member(region: dict, coords: tuple, weight: float = 1.0, order: int = 0, label: str = "car") -> Member:
    return Member(region, label, coords, weight, order)


def test_rotations_are_averaged_on_the_circle_and_boxes_by_weight() -> None:
    members = [member(rect(10, 10, 20, 20, 359), (10, 10, 20, 20), 1.0, 0),
               member(rect(12, 12, 20, 20, 1), (12, 12, 20, 20), 1.0, 1)]
    value = fuse_box(members, "rectanglelabels").region["value"]
    assert value["rotation"] == pytest.approx(0.0, abs=1e-6)
    assert (value["x"], value["y"], value["width"], value["height"]) == pytest.approx((11, 11, 20, 20))
    weighted = fuse_box([members[0], Member(members[1].region, "car", (12, 12, 20, 20), 0.4, 1)],
                        "rectanglelabels").region["value"]
    assert weighted["x"] == pytest.approx((10 + 0.4 * 12) / 1.4)


def test_a_label_vote_tie_goes_to_the_most_confident_then_the_earliest() -> None:
    a, b = rect(0, 0, 1, 1, 0), rect(0, 0, 1, 1, 0, "truck")
    assert vote_label([member(a, (), 0.4, 0), member(b, (), 0.7, 1, "truck")]) == ("truck", True)
    assert vote_label([member(a, (), 0.7, 0), member(b, (), 0.7, 1, "truck")]) == ("car", True)
    assert vote_label([member(a, (), 0.4, 0), member(a, (), 0.4, 1), member(b, (), 1.0, 2, "truck")]) == (
        "car", False)


def hypertext(start: int, end: int, node: str) -> dict:
    text = "0123456789abcdefghij"
    return {"id": node, "from_name": "ner", "to_name": "html", "type": "hypertextlabels",
            "value": {"start": f"/p[{node}]", "end": f"/p[{node}]", "startOffset": start, "endOffset": end,
                      "globalOffsets": {"start": start, "end": end}, "text": text[start:end],
                      "hypertextlabels": ["PER"]}}


def test_hypertext_spans_take_the_xpaths_of_the_winning_boundaries() -> None:
    members = [member(hypertext(2, 8, "1"), (2, 8), 1.0, 0, "PER"), member(hypertext(3, 9, "2"), (3, 9), 1.0, 1, "PER"),
               member(hypertext(3, 6, "3"), (3, 6), 0.4, 2, "PER")]
    value = fuse_span(members, "hypertextlabels").region["value"]
    assert value["globalOffsets"] == {"start": 3, "end": 8} and value["text"] == "34567"
    assert (value["start"], value["startOffset"], value["end"], value["endOffset"]) == ("/p[2]", 3, "/p[1]", 8)


def test_span_text_is_rebuilt_only_where_the_members_cover_it() -> None:
    members = [member({"value": {"text": "abc"}}, (0, 3)), member({"value": {"text": "cde"}}, (2, 5))]
    assert span_text(members, 1, 5) == "bcde"
    assert span_text(members, 1, 6) is None
    assert span_text([member({"value": {"text": "too long"}}, (0, 3))], 0, 3) is None


def test_the_quorum_is_at_most_the_tasks_annotators_and_a_majority_by_default() -> None:
    annotators = np.array([1, 2, 3, 4, 5])
    assert FinalOptions().needed(annotators).tolist() == [1, 2, 2, 3, 3]
    assert FinalOptions(quorum=3).needed(annotators).tolist() == [1, 2, 3, 3, 3]
    with pytest.raises(ValueError, match="unknown consensus method"):
        FinalOptions(method="mode")
    with pytest.raises(ValueError, match="at least 1"):
        FinalOptions(quorum=0)


def test_posteriors_are_the_report_consensus_dawid_skene_in_code_order() -> None:
    spec = ControlSpec("emotion", "Choices", "single", ("a", "b", "c"), "choices")
    table = Ratings(spec)
    answers = {1: "abc", 2: "aab", 3: "bbc", 4: "ccc", 5: "abb"}
    for task, given in answers.items():
        for rater, label in enumerate(given):
            table.task.append(task)
            table.annotator.append(rater)
            table.week.append("")
            table.value.append(label)
    kind = SingleChoice(spec)
    coded = columns(table, kind)
    kind.encode(coded)
    chosen, posterior = dawid_skene(coded)
    matrix = posteriors(coded.unit, coded.rater, coded.code, coded.n_units, 3, len(coded.rater_ids))
    assert matrix.shape == (5, 3) and np.allclose(matrix.sum(axis=1), 1)
    assert np.allclose(matrix[np.arange(5), chosen], posterior)
    assert posteriors(coded.unit, np.zeros_like(coded.rater), coded.code, coded.n_units, 3, 1) is None
