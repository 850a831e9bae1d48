"""Consensus finals per control kind, over a project's tasks, and the export records built on them (no server)."""

from __future__ import annotations

import numpy as np
import pytest

from sdk_scripts.agreement.engine import build_report
from sdk_scripts.review.export import export_records
from sdk_scripts.review.final_labels import consensus_result, project_finals
from sdk_scripts.review.project_state import ProjectState
from sdk_scripts.review.reviews import Review
from tests.support.finals import (
    CHOICE_CONFIG,
    IMAGE_CONFIG,
    MIXED_CONFIG,
    NER_CONFIG,
    POLYGON_CONFIG,
    TEXT,
    annotation,
    box,
    choice,
    number,
    pixels,
    polygon,
    rating,
    span,
    sure,
    textarea,
)

CAR, PERSON, BIKE = (100, 100, 200, 150), (400, 200, 80, 160), (250, 320, 60, 60)
JITTER = [(3, -2, 4, -3), (-2, 4, -3, 2), (-4, -3, 2, 4)]  # pixels, per annotator


def jittered(where: tuple, k: int) -> tuple:
    return tuple(c + d for c, d in zip(where, JITTER[k], strict=True))


def image_versions() -> list[dict]:
    """Three annotators box a car and a person (each a few pixels off); the third calls the car a truck and
    draws a stray box; the first two also draw a bike."""
    confidence = ["definitely", "probably", "might be"]
    out = []
    for k in range(3):
        regions = [box(*jittered(CAR, k), "truck" if k == 2 else "car"), box(*jittered(PERSON, k), "person")]
        regions += [box(*jittered(BIKE, k), "person")] if k < 2 else [box(5, 5, 30, 30, "car")]
        out.append(annotation(10 + k, k + 1, *regions, sure(confidence[k])))
    return out


def finals_of(config: str, versions: list[dict], **options) -> tuple[list[dict], str]:
    found = project_finals(config, {1: versions}, **options)[1]
    return found.result, found.source


def test_three_jittered_annotators_give_one_fused_box_per_object_with_the_majority_label() -> None:
    versions = image_versions()
    result, source = finals_of(IMAGE_CONFIG, versions)
    assert source == "consensus"
    assert len(result) == 3  # the car, the person, the bike two of three drew; not the stray box
    car, bike, person = sorted(result, key=lambda r: r["value"]["x"])  # x: 100, 250, 400
    assert car["value"]["rectanglelabels"] == ["car"] and person["value"]["rectanglelabels"] == ["person"]
    for region, where, drawn in ((car, CAR, 3), (person, PERSON, 3), (bike, BIKE, 2)):
        mean = np.mean([jittered(where, k) for k in range(drawn)], axis=0)
        assert np.abs(np.array(pixels(region)) - mean).max() <= 2.0, (region, mean)
        # a valid Label Studio region: the annotators' control, object, type and image size
        assert {k: region[k] for k in ("from_name", "to_name", "type", "original_width", "original_height")} == {
            "from_name": "label", "to_name": "image", "type": "rectanglelabels", "original_width": 640,
            "original_height": 480}
        assert region["value"]["rotation"] == 0 and region["id"]
    # weighted by self-rated confidence (definitely 1.0, probably 0.7, might be 0.4), not the plain mean
    weights = np.array([1.0, 0.7, 0.4])
    expected = weights @ np.array([jittered(CAR, k) for k in range(3)]) / weights.sum()
    assert pixels(car) == pytest.approx(tuple(expected))
    # the stray box (one annotator of three) is not in the final; with quorum 3 neither is the bike (two drew it)
    assert all(pixels(r)[0] > 50 for r in result)
    strict, _ = finals_of(IMAGE_CONFIG, versions, quorum=3)
    assert sorted(r["value"]["rectanglelabels"][0] for r in strict) == ["car", "person"]
    loose, _ = finals_of(IMAGE_CONFIG, versions, quorum=1)
    assert len(loose) == 4  # every cluster, the stray box included


def test_a_label_tie_goes_to_the_most_confident_annotator() -> None:
    versions = [annotation(1, 1, box(*CAR, "car"), sure("might be")), annotation(2, 2, box(*CAR, "truck"), sure())]
    result, source = finals_of(IMAGE_CONFIG, versions)
    assert [r["value"]["rectanglelabels"] for r in result] == [["truck"]] and source == "representative"


def test_identical_boxes_are_a_majority_and_nothing_drawn_is_an_empty_final() -> None:
    same = [annotation(k, k, box(*CAR, "car")) for k in (1, 2, 3)]
    result, source = finals_of(IMAGE_CONFIG, same)
    assert source == "majority" and pixels(result[0]) == pytest.approx(CAR)
    assert finals_of(IMAGE_CONFIG, [annotation(k, k) for k in (1, 2)]) == ([], "majority")


def test_polygons_keep_their_shape_on_the_fused_bounding_box() -> None:
    triangle = [(100, 100), (200, 100), (150, 180)]
    versions = [annotation(k, k, polygon([(x + d, y + d) for x, y in triangle], "roof")) for k, d in
                ((1, 0), (2, 2), (3, 4))]
    (fused,), _ = finals_of(POLYGON_CONFIG, versions)
    points = np.array(fused["value"]["points"])
    assert fused["value"]["closed"] is True and fused["value"]["polygonlabels"] == ["roof"]
    assert points.min(axis=0) == pytest.approx([102, 102]) and len(points) == 3
    assert points.max(axis=0) - points.min(axis=0) == pytest.approx([100, 80])


def test_spans_are_clustered_by_overlap_with_a_quorum_the_majority_label_and_median_boundaries() -> None:
    alice, paris, bob = (0, 5), (17, 22), (10, 13)
    versions = [
        annotation(1, 1, span(*alice, "PER"), span(*paris, "LOC"), span(*bob, "PER")),
        annotation(2, 2, span(0, 6, "PER"), span(16, 22, "LOC"), span(10, 13, "PER")),
        annotation(3, 3, span(*alice, "PER"), span(17, 23, "ORG"), span(23, 32, "LOC")),  # a stray span
    ]
    result, source = finals_of(NER_CONFIG, versions)
    assert source == "consensus"
    found = sorted((r["value"]["start"], r["value"]["end"], r["value"]["labels"][0], r["value"]["text"])
                   for r in result)
    assert found == [(0, 5, "PER", "Alice"), (10, 13, "PER", "Bob"), (17, 22, "LOC", "Paris")]
    assert all(r["from_name"] == "ner" and r["to_name"] == "text" and r["type"] == "labels" for r in result)
    strict, _ = finals_of(NER_CONFIG, versions, quorum=3)
    assert sorted(r["value"]["text"] for r in strict) == ["Alice", "Paris"]  # two marked Bob
    assert TEXT[17:22] == "Paris"


def dawid_skene_by_hand(rows: list[tuple[int, int, int]], q: int, iterations: int = 50) -> dict[int, np.ndarray]:
    """Dawid & Skene (1979) EM written out: majority-vote posteriors, then confusion matrices and priors from
    the posteriors (M), posteriors from them (E). rows: (task, annotator, label)."""
    tasks = sorted({t for t, _, _ in rows})
    workers = sorted({w for _, w, _ in rows})
    post = {t: np.bincount([c for tt, _, c in rows if tt == t], minlength=q) / 1.0 for t in tasks}
    post = {t: p / p.sum() for t, p in post.items()}
    for _ in range(iterations):
        prior = np.mean([post[t] for t in tasks], axis=0)
        errors = {w: np.full((q, q), 1e-9) for w in workers}  # [true, given]
        for t, w, c in rows:
            errors[w][:, c] += post[t]
        errors = {w: e / e.sum(axis=1, keepdims=True) for w, e in errors.items()}
        for t in tasks:
            p = prior.copy()
            for tt, w, c in rows:
                if tt == t:
                    p = p * errors[w][:, c]
            post[t] = p / p.sum()
    return post


def test_dawid_skene_trusts_the_annotators_who_track_the_truth_where_the_majority_does_not() -> None:
    """Annotators 1-3 answer each item's true label; 4 and 5 always answer "a". On the last item, annotator 1 says
    "b" and only the two who always say "a" disagree: the majority is "a", while Dawid-Skene learns that "a" from 4
    and 5 says nothing about the truth and follows annotator 1 ("b"), as the EM written out here does."""
    truth = ["a", "b"] * 6
    versions = {t: [annotation(10 * t + w, w, choice("emotion", label if w <= 3 else "a")) for w in range(1, 6)]
                for t, label in enumerate(truth)}
    versions[99] = [annotation(991, 1, choice("emotion", "b")), annotation(994, 4, choice("emotion", "a")),
                    annotation(995, 5, choice("emotion", "a"))]
    ds = project_finals(CHOICE_CONFIG, versions)
    vote = project_finals(CHOICE_CONFIG, versions, method="majority")
    assert ds[99].result == [choice("emotion", "b")] and ds[99].methods == {"emotion": "dawid-skene"}
    assert vote[99].result == [choice("emotion", "a")] and vote[99].methods == {"emotion": "majority"}
    assert ds[99].source == "consensus" and vote[99].source == "majority"
    code = {"a": 0, "b": 1}
    rows = [(t, a["completed_by"], code[a["result"][0]["value"]["choices"][0]]) for t, vs in versions.items()
            for a in vs]
    by_hand = dawid_skene_by_hand(rows, 2)
    assert {t: ["a", "b"][int(np.argmax(p))] for t, p in by_hand.items()} == {
        t: f.result[0]["value"]["choices"][0] for t, f in ds.items()}
    # the same Dawid-Skene the agreement report's consensus runs
    tasks = [{"id": t, "data": {"text": "x"}, "annotations": vs} for t, vs in versions.items()]
    report = build_report(CHOICE_CONFIG, tasks)
    assert {row.task: row.consensus["emotion"].dawid_skene for row in report.tasks} == {
        t: f.result[0]["value"]["choices"][0] for t, f in ds.items()}


def test_a_single_choice_tie_goes_to_the_most_confident_annotator() -> None:
    split = [annotation(1, 1, choice("emotion", "a"), sure("might be")),
             annotation(2, 2, choice("emotion", "b"), sure("probably"))]
    for method in ("dawid-skene", "majority"):
        assert consensus_result(split, method=method, label_config=CHOICE_CONFIG) == (
            [choice("emotion", "b")], "representative")


def mixed(id_: int, user: int, topics: tuple, stars: int, price: float, summary: str, confidence: str) -> dict:
    return annotation(id_, user, choice("topics", *topics), rating(stars), number(price), textarea(summary),
                      sure(confidence))


def test_multiple_choice_per_label_ratings_median_and_the_textarea_medoid() -> None:
    versions = [mixed(1, 1, ("a", "b"), 2, 1.5, "the quick brown fox", "probably"),
                mixed(2, 2, ("a",), 4, 2.5, "the quick brown fox.", "definitely"),
                mixed(3, 3, ("a", "c"), 5, 10.0, "the quick brown fix", "definitely")]
    found = project_finals(MIXED_CONFIG, {1: versions}, method="majority")[1]
    values = {r["from_name"]: r["value"] for r in found.result}
    assert values["topics"]["choices"] == ["a"]  # b and c: one annotator of three each
    assert values["stars"]["rating"] == 4 and values["price"]["number"] == 2.5
    assert values["summary"]["text"] == ["the quick brown fox"]  # one edit from each of the others
    assert found.methods == {"topics": "majority per label", "stars": "median", "price": "median",
                             "summary": "medoid"}
    loose = project_finals(MIXED_CONFIG, {1: versions}, method="majority", quorum=1)[1]
    assert next(r for r in loose.result if r["from_name"] == "topics")["value"]["choices"] == ["a", "b", "c"]
    # per label Dawid-Skene: b and c absent; a, which all chose, by the vote (Dawid-Skene needs two values)
    ds = project_finals(MIXED_CONFIG, {1: versions})[1]
    assert next(r for r in ds.result if r["from_name"] == "topics")["value"]["choices"] == ["a"]


def test_an_even_rating_median_takes_the_most_confident_annotators_point() -> None:
    versions = [mixed(1, 1, ("a",), 3, 1, "x", "might be"), mixed(2, 2, ("a",), 4, 3, "x", "definitely")]
    found = project_finals(MIXED_CONFIG, {1: versions})[1]
    values = {r["from_name"]: r["value"] for r in found.result}
    assert values["stars"]["rating"] == 4 and values["price"]["number"] == 2 and found.source == "representative"


def test_without_a_config_the_kinds_are_read_off_the_results() -> None:
    versions = image_versions()
    assert consensus_result(versions) == finals_of(IMAGE_CONFIG, versions)
    joy = [annotation(k, k, choice("emotion", "joy")) for k in (1, 2)] + [annotation(3, 3, choice("emotion", "sad"))]
    assert consensus_result(joy) == ([choice("emotion", "joy")], "majority")


def state_of(config: str, tasks: list[dict], states: dict, reviews: dict | None = None) -> ProjectState:
    return ProjectState({"id": 1, "title": "p", "label_config": config}, tasks, {}, None, [], reviews or {}, states,
                        {})


def test_ground_truth_wins_a_quarantined_task_has_no_final_and_weights_follow_confidence() -> None:
    truth = [box(*PERSON, "person")]
    review = Review(2, 20, 200, 9, "corrected", "", False, truth, [], None, None)
    tasks = [{"id": t, "data": {"image": f"/{t}.jpg"}, "annotations": image_versions()} for t in (1, 2, 3)]
    state = state_of(IMAGE_CONFIG, tasks, {1: "agreed", 2: "adjudicated", 3: "quarantined"}, {2: review})
    state.scores = {1: 0.5, 2: 0.5, 3: 0.5}
    records = {r["task"]: r for r in export_records(state)}
    assert records[1]["final_source"] == "consensus" and len(records[1]["final"]) == 3
    assert records[1]["weight"] == records[1]["confidence"] == round(0.5 * (1.0 + 0.7 + 0.4) / 3, 4)
    assert records[2]["final"] == truth and records[2]["final_source"] == "adjudicated"
    assert records[2]["weight"] == 1.0
    assert records[3]["final"] is None and records[3]["final_source"] is None and records[3]["weight"] == 0.0
    strict = {r["task"]: r for r in export_records(state, quorum=3, method="majority")}
    assert len(strict[1]["final"]) == 2 and strict[2]["final"] == truth
