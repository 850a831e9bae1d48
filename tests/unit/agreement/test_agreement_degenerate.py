"""Agreement on regions that cannot be measured: reported under `problems`, left out of the scores (pure)."""

from __future__ import annotations

import pytest

from sdk_scripts.agreement.engine import agreement_report, per_task_scores
from sdk_scripts.label_config_library import read_config


def box(x, y, w, h, label="Car") -> dict:
    return {"from_name": "label", "to_name": "image", "type": "rectanglelabels",
            "value": {"x": x, "y": y, "width": w, "height": h, "rectanglelabels": [label]}}


def span(start, end, label="PERSON") -> dict:
    return {"from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "labels": [label]}}


def task(task_id: int, *results: list[dict]) -> dict:
    return {"id": task_id, "data": {}, "annotations": [
        {"id": task_id * 10 + n, "completed_by": n, "result": result} for n, result in enumerate(results, start=1)]}


DEGENERATE_BOXES = [
    ((10, 10, -20, 10), "degenerate region (width -20, height 10)"),
    ((10, 10, 0, 0), "degenerate region (width 0, height 0)"),
    ((10, 10, float("nan"), 5), "geometry that is not finite numbers"),
    ((10, 10, float("inf"), 5), "geometry that is not finite numbers"),
    ((10, "10", 5, 5), "geometry that is not finite numbers"),
]


@pytest.mark.parametrize(("geometry", "reason"), DEGENERATE_BOXES)
def test_identical_degenerate_boxes_are_problems_not_disagreement(geometry, reason) -> None:
    config = read_config("image_bbox")
    tasks = [task(1, [box(*geometry)], [box(*geometry)]),
             task(2, [box(10, 10, 20, 20), box(*geometry)], [box(11, 10, 20, 20)])]
    report = agreement_report(config, tasks)
    scores = {t["task"]: t["score"] for t in report["tasks"]}
    assert scores[1] is None  # nothing measurable: no score, so no review for disagreement
    assert scores[2] == 1.0  # the measurable boxes agree; the broken one is left out
    for annotator in (1, 2):
        assert any(p.startswith(f"task 1, annotation {10 + annotator} by annotator {annotator}: label: ")
                   and reason in p and p.endswith("left out of the scores") for p in report["problems"]), report
    assert per_task_scores(config, tasks) == {1: None, 2: 1.0}


def test_polygons_need_three_finite_points() -> None:
    def polygon(points):
        return {"from_name": "label", "to_name": "image", "type": "polygonlabels",
                "value": {"points": points, "polygonlabels": ["Cat"]}}

    config = """<View><Image name="image" value="$image"/>
      <PolygonLabels name="label" toName="image"><Label value="Cat"/></PolygonLabels></View>"""
    tasks = [task(1, [polygon([[1, 1], [5, 5]])], [polygon([[1, 1], [5, 5]])]),
             task(2, [polygon([[1, 1], [1, 9], [1, 5]])], [polygon([[1, 1], ["a", 2], [3, 3]])])]
    report = agreement_report(config, tasks)
    assert [t["score"] for t in report["tasks"]] == [None, None]
    assert sum("a polygon needs at least 3 points" in p for p in report["problems"]) == 2
    assert any("degenerate region (width 0, height 8)" in p for p in report["problems"])
    assert any("a polygon point is not a pair of finite numbers" in p for p in report["problems"])


@pytest.mark.parametrize(("start", "end"), [(8, 3), (5, 5), (-2, 4)])
def test_degenerate_spans_are_problems(start, end) -> None:
    config = read_config("text_ner")
    tasks = [task(1, [span(start, end)], [span(start, end)]),
             task(2, [span(0, 3), span(start, end)], [span(0, 3)])]
    report = agreement_report(config, tasks)
    scores = {t["task"]: t["score"] for t in report["tasks"]}
    assert scores == {1: None, 2: 1.0}
    assert any(f"degenerate span (start {start}, end {end})" in p and "by annotator 1" in p
               for p in report["problems"])


def test_rating_must_be_a_finite_number() -> None:
    config = """<View><Text name="text" value="$text"/><Rating name="stars" toName="text" maxRating="5"/></View>"""

    def rating(value):
        return [{"from_name": "stars", "to_name": "text", "type": "rating", "value": {"rating": value}}]

    tasks = [task(1, rating(float("nan")), rating(3)), task(2, rating(4), rating(4))]
    report = agreement_report(config, tasks)
    assert {t["task"]: t["score"] for t in report["tasks"]} == {1: None, 2: 1.0}
    assert any("no finite rating value" in p for p in report["problems"])
