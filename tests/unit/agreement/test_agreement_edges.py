"""Agreement at the edges: which duplicate wins, empty answers, HyperText spans, out-of-range ratings, annotations
without an annotator, broken configs (pure: the engine on task JSON as Label Studio exports it)."""

from __future__ import annotations

import json

import pytest

from sdk_scripts.agreement.engine import agreement_report, pairwise_matrix, per_task_scores
from sdk_scripts.label_config_library import read_config
from tests.support.paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
CHOICES = """<View><Text name="text" value="$text"/>
  <Choices name="answer" toName="text"><Choice value="a"/><Choice value="b"/></Choices></View>"""


def choice(value: str) -> list[dict]:
    return [{"from_name": "answer", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


def annotation(ident: int, user: int | None, result: list[dict], **times: str) -> dict:
    out = {"id": ident, "result": result, "was_cancelled": False, "ground_truth": False, **times}
    if user is not None:
        out["completed_by"] = user
    return out


# -- an annotator's newest annotation ------------------------------------------------------------

NEWEST = [
    # (first listed, second listed): the one whose answer ("b") must win, for these reasons
    pytest.param({"updated_at": "2026-11-16T09:00:00Z"}, {"updated_at": "2026-11-16T10:00:00+02:00"},
                 id="offsets: 10:00+02:00 is 08:00Z, older than 09:00Z though the string sorts later"),
    pytest.param({"created_at": "2026-11-17T08:00:00Z"}, {"created_at": "2026-11-16T08:00:00Z"},
                 id="no updated_at: created_at decides, not the order listed"),
    pytest.param({"created_at": "2026-11-15T00:00:00Z", "updated_at": "2026-11-18T00:00:00Z"},
                 {"created_at": "2026-11-17T00:00:00Z"}, id="updated_at before created_at"),
    pytest.param({"updated_at": "2026-11-16T09:00:00.100Z"}, {"updated_at": "2026-11-16T09:00:00Z"},
                 id="fractions of a second: .100 is later though 'Z' sorts after '.'"),
    pytest.param({"updated_at": "2026-11-16T09:00:00Z", "tie": 9}, {"updated_at": "2026-11-16T11:00:00+02:00",
                                                                      "tie": 5}, id="same moment: the higher id"),
    pytest.param({"updated_at": "2026-11-16T09:00:00Z"}, {"updated_at": "not a time"},
                 id="a time that does not parse is older than any"),
]


@pytest.mark.parametrize(("winner", "loser"), NEWEST)
def test_the_newest_annotation_of_an_annotator_wins_by_parsed_time(winner, loser) -> None:
    winner, loser = dict(winner), dict(loser)
    win_id, lose_id = winner.pop("tie", 2), loser.pop("tie", 1)
    both = [(lose_id, "a", loser), (win_id, "b", winner)]
    for listed in (both, both[::-1]):  # whichever is listed last
        task = {"id": 1, "annotations": [annotation(ident, 7, choice(value), **times) for ident, value, times in listed]
                + [annotation(100, 8, choice("b"), updated_at="2026-11-16T09:00:00Z")]}
        report = agreement_report(CHOICES, [task])
        assert report["summary"]["duplicates"] == 1
        assert report["tasks"][0]["score"] == 1.0, (listed, report["tasks"])


def test_the_newest_ground_truth_is_the_gold() -> None:
    annotations = [dict(annotation(1, 7, choice("b"), updated_at="2026-11-16T09:00:00Z"), ground_truth=True),
                   dict(annotation(2, 7, choice("a"), updated_at="2026-11-16T10:00:00+02:00"), ground_truth=True),
                   annotation(3, 8, choice("b"))]
    report = agreement_report(CHOICES, [{"id": 1, "annotations": annotations}])
    [row] = [a for a in report["annotators"] if a["annotator"] == 8]
    assert row["gold_tasks"] == 1 and row["gold_accuracy"] == 1.0


# -- empty answers ------------------------------------------------------------------------------

def span(start: int, end: int, label: str = "PERSON") -> dict:
    return {"from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "labels": [label]}}


def box(x: float, label: str = "Car") -> dict:
    return {"from_name": "label", "to_name": "image", "type": "rectanglelabels",
            "value": {"x": x, "y": 10, "width": 20, "height": 20, "rectanglelabels": [label]}}


EMPTY_CASES = [  # (config, region(k) for the k-th distinct region)
    pytest.param("text_ner", lambda k: span(10 * k, 10 * k + 5), id="spans"),
    pytest.param("image_bbox", lambda k: box(30.0 * k), id="boxes"),
]


@pytest.mark.parametrize(("config_name", "region"), EMPTY_CASES)
def test_a_task_left_empty_by_everyone_is_left_out_of_every_figure(config_name, region) -> None:
    """Task 1: both annotators drew nothing. Task 2: the same region. Task 3: regions that do not overlap.
    Every figure is then over tasks 2 and 3 alone: 0.5 (before, task 1 counted as 1.0 in some and not others)."""
    config = read_config(config_name)
    times = {"created_at": "2026-11-16T09:00:00Z"}
    tasks = [{"id": 1, "annotations": [annotation(11, 1, [], **times), annotation(12, 2, [], **times)]},
             {"id": 2, "annotations": [annotation(21, 1, [region(1)], **times),
                                       annotation(22, 2, [region(1)], **times)]},
             {"id": 3, "annotations": [annotation(31, 1, [region(0)], **times),
                                       annotation(32, 2, [region(2)], **times)]}]
    report = agreement_report(config, tasks)
    [control] = report["controls"]
    assert {t["task"]: t["score"] for t in report["tasks"]} == {1: None, 2: 1.0, 3: 0.0}
    assert control["tasks_scored"] == 2 and control["mean_task_score"] == 0.5
    assert control["measures"]["mean_pairwise_f1"] == 0.5
    if config_name == "text_ner":
        assert control["measures"]["mean_pairwise_f1_exact"] == 0.5
    assert [a["agreement"] for a in report["annotators"]] == [0.5, 0.5]
    assert [w["agreement"] for w in report["weeks"]] == [0.5, 0.5]
    assert pairwise_matrix(config, tasks)["matrix"][0][1] == 0.5
    assert per_task_scores(config, tasks) == {1: None, 2: 1.0, 3: 0.0}


def test_gold_accuracy_counts_an_empty_task_only_where_the_gold_drew_something() -> None:
    config = read_config("image_bbox")
    gold = {"ground_truth": True, "id": 90}
    tasks = [{"id": 1, "annotations": [annotation(11, 1, []), annotation(12, 2, []), {**gold, "result": []}]},
             {"id": 2, "annotations": [annotation(21, 1, []), annotation(22, 2, []), {**gold, "result": [box(0)]}]},
             {"id": 3, "annotations": [annotation(31, 1, [box(0)]), annotation(32, 2, []),
                                       {**gold, "result": [box(0)]}]}]
    report = agreement_report(config, tasks)
    by_annotator = {a["annotator"]: (a["gold_tasks"], a["gold_accuracy"]) for a in report["annotators"]}
    assert by_annotator == {1: (2, 0.5), 2: (2, 0.0)}


def test_an_empty_label_set_is_an_answer_in_every_figure() -> None:
    """Multiple choice: "no label applies" agreed by both is agreement, as the coefficients count it."""
    config = """<View><Text name="text" value="$text"/><Choices name="tags" toName="text" choice="multiple">
      <Choice value="x"/><Choice value="y"/></Choices></View>"""

    def tags(*chosen):
        return [{"from_name": "tags", "to_name": "text", "type": "choices", "value": {"choices": list(chosen)}}]

    tasks = [{"id": 1, "annotations": [annotation(11, 1, []), annotation(12, 2, [])]},
             {"id": 2, "annotations": [annotation(21, 1, tags("x")), annotation(22, 2, tags("y"))]}]
    report = agreement_report(config, tasks)
    assert {t["task"]: t["score"] for t in report["tasks"]} == {1: 1.0, 2: 0.0}
    assert [a["agreement"] for a in report["annotators"]] == [0.5, 0.5]
    assert report["controls"][0]["measures"]["percent_agreement"] == 0.5


# -- HyperText ------------------------------------------------------------------------------------

def test_hypertext_spans_as_label_studio_writes_them() -> None:
    """Results written by Label Studio 1.23's UI (tests/browser/test_hypertext_spans.py): XPaths in start/end,
    offsets inside those nodes, and globalOffsets, which spans in different nodes are compared on."""
    fixture = json.loads((FIXTURES / "hypertext_annotations.json").read_text())
    task = {"id": 1, "data": {"html": fixture["html"]}, "annotations": fixture["annotations"]}
    report = agreement_report(fixture["config"], [task])
    [control] = report["controls"]
    assert control["tag"] == "HyperTextLabels" and control["tasks_scored"] == 1
    assert report["problems"] == []
    assert control["measures"]["mean_pairwise_f1"] == pytest.approx(fixture["expected"]["mean_pairwise_f1"])
    assert control["measures"]["mean_pairwise_f1_exact"] == pytest.approx(
        fixture["expected"]["mean_pairwise_f1_exact"])
    assert control["labels"]["PER"]["count"] == fixture["expected"]["PER"]


def test_hypertext_span_offsets_are_checked() -> None:
    fixture = json.loads((FIXTURES / "hypertext_annotations.json").read_text())
    broken = json.loads(json.dumps(fixture["annotations"]))
    regions = broken[0]["result"]
    del regions[0]["value"]["globalOffsets"]
    regions[1]["value"]["globalOffsets"] = {"start": 30, "end": 12}
    report = agreement_report(fixture["config"], [{"id": 1, "annotations": broken}])
    assert [p.split(": ner: ")[1] for p in report["problems"]] == [
        "a HyperText span without globalOffsets (XPaths alone cannot be compared across nodes); left out of the "
        "scores", "a degenerate span (start 30, end 12); left out of the scores"]


# -- ratings out of range, annotations without an annotator, broken configs -------------------------

RATING = """<View><Text name="text" value="$text"/><Rating name="stars" toName="text" maxRating="5"/></View>"""


def stars(value) -> list[dict]:
    return [{"from_name": "stars", "to_name": "text", "type": "rating", "value": {"rating": value}}]


@pytest.mark.parametrize("value", [7, 0, -3, 5.5])
def test_a_rating_outside_the_scale_is_a_problem_not_a_negative_score(value) -> None:
    tasks = [{"id": 1, "annotations": [annotation(11, 1, stars(value)), annotation(12, 2, stars(1))]},
             {"id": 2, "annotations": [annotation(21, 1, stars(4)), annotation(22, 2, stars(5))]}]
    report = agreement_report(RATING, tasks)
    assert {t["task"]: t["score"] for t in report["tasks"]} == {1: None, 2: 0.75}
    assert report["problems"] == [f"task 1, annotation 11 by annotator 1: stars: rating {value:g} is outside 1..5 "
                                  "(the config's); left out of the scores"]
    assert report["controls"][0]["ratings"] == 2


def test_a_number_outside_its_min_max_is_a_problem() -> None:
    config = '<View><Text name="text" value="$text"/><Number name="n" toName="text" min="0" max="10"/></View>'
    number = [{"from_name": "n", "to_name": "text", "type": "number", "value": {"number": 11}}]
    report = agreement_report(config, [{"id": 1, "annotations": [annotation(11, 1, number)]}])
    assert report["problems"] == ["task 1, annotation 11 by annotator 1: n: number 11 is outside 0..10 (the "
                                  "config's); left out of the scores"]


def test_annotations_without_an_annotator_are_problems_not_one_annotator() -> None:
    tasks = [{"id": 1, "annotations": [annotation(11, None, choice("a")), annotation(12, None, choice("b")),
                                       annotation(13, 5, choice("a")),
                                       dict(annotation(14, 5, choice("a")), completed_by={"email": "x@y"})]}]
    report = agreement_report(CHOICES, tasks)
    assert report["problems"] == [f"task 1, annotation {n}: no annotator (completed_by); ignored" for n in (11, 12, 14)]
    assert report["tasks"][0]["annotators"] == 1 and report["summary"]["annotators"] == 1


def test_a_config_that_does_not_parse_is_a_problem_and_the_tasks_are_still_counted() -> None:
    tasks = [{"id": 1, "annotations": [annotation(11, 1, choice("a"))]}]
    report = agreement_report("<View><Choices name=", tasks)
    assert report["summary"]["tasks"] == 1 and report["summary"]["annotations"] == 1 and report["controls"] == []
    [problem] = report["problems"]
    assert problem.startswith("label config: it does not parse (") and problem.endswith("no control could be scored")


def test_a_control_with_a_bad_attribute_is_a_problem_and_the_others_are_scored() -> None:
    config = """<View><Text name="text" value="$text"/><Rating name="stars" toName="text" maxRating="five"/>
      <Choices name="answer" toName="text"><Choice value="a"/><Choice value="b"/></Choices></View>"""
    tasks = [{"id": 1, "annotations": [annotation(11, 1, choice("a") + stars(3)), annotation(12, 2, choice("a"))]}]
    report = agreement_report(config, tasks)
    assert [c["name"] for c in report["controls"]] == ["answer"] and report["tasks"][0]["score"] == 1.0
    assert report["problems"] == ["label config: stars: maxRating='five' is not a whole number >= 1; the control is "
                                  "not scored"]
