"""Review-loop logic without a server: config composition, selection, final labels, reviewer fields."""

from __future__ import annotations

from label_studio_sdk.label_interface import LabelInterface

from sdk_scripts.label_config_library import read_config, validate_config
from sdk_scripts.review.annotations import fingerprint, interpretations, rated_confidence
from sdk_scripts.review.final_labels import consensus_result, summarize, task_confidence
from sdk_scripts.review.review_config import compose_review_config, reviewer_fields, strip_reviewer_fields
from sdk_scripts.review.selection import in_qa_sample, select_for_review


def choice(name: str, *values: str) -> dict:
    return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": list(values)}}


def annotation(id_: int, user: int, *regions: dict, cancelled: bool = False, truth: bool = False) -> dict:
    return {"id": id_, "completed_by": user, "result": list(regions), "was_cancelled": cancelled,
            "ground_truth": truth, "created_at": f"2026-11-0{id_ % 9 + 1}T00:00:00Z", "updated_at": "u"}


def test_review_config_keeps_every_source_control_and_adds_the_reviewer_fields() -> None:
    for source_name in ("text_emotion", "image_bbox", "text_ner", "audio_transcription"):
        composed = compose_review_config(read_config(source_name))
        validate_config(composed, source=f"review of {source_name}")
        names = {c.name for c in LabelInterface(composed).controls}
        assert {c.name for c in LabelInterface(read_config(source_name)).controls} < names
        assert {"review_decision", "review_reason", "edge_case_log"} < names


def test_reviewer_fields_are_read_and_stripped() -> None:
    result = [
        choice("emotion", "anger"),
        {"from_name": "review_decision", "to_name": "review_info", "type": "choices",
         "value": {"choices": ["corrected"]}},
        {"from_name": "review_reason", "to_name": "review_info", "type": "textarea",
         "value": {"text": ["sarcasm reads as anger"]}},
        {"from_name": "edge_case_log", "to_name": "review_info", "type": "choices",
         "value": {"choices": ["add to edge-case log"]}},
    ]
    assert reviewer_fields(result) == {"decision": "corrected", "reason": "sarcasm reads as anger", "edge_case": True}
    assert strip_reviewer_fields(result) == [choice("emotion", "anger")]


def test_interpretations_skip_cancelled_and_ground_truth() -> None:
    task = {"annotations": [annotation(1, 1, choice("emotion", "joy")), annotation(2, 2, cancelled=True),
                            annotation(3, 3, choice("emotion", "joy"), truth=True)]}
    assert [a["id"] for a in interpretations(task)] == [1]


def test_fingerprint_changes_with_any_edit() -> None:
    a, b = annotation(1, 1, choice("emotion", "joy")), annotation(2, 2, choice("emotion", "anger"))
    assert fingerprint([a, b]) == fingerprint([b, a])
    edited = {**b, "result": [choice("emotion", "joy")]}
    assert fingerprint([a, edited]) != fingerprint([a, b])


def test_selection_picks_low_agreement_flagged_and_a_stable_qa_sample() -> None:
    def task(id_: int, *flags: str) -> dict:
        regions = [choice("flag", *flags)] if flags else []
        return {"id": id_, "annotations": [annotation(10 * id_ + k, k, choice("emotion", "joy"), *regions)
                                           for k in (1, 2)]}

    tasks = [task(i) for i in range(1, 201)] + [task(300, "ambiguous")]
    scores = {t["id"]: 1.0 for t in tasks} | {7: 0.2, 8: None}
    picks = select_for_review(tasks, scores, threshold=0.8, qa_fraction=0.1, seed=42)
    by_id = {p.task_id: p for p in picks}
    assert by_id[7].reasons == ("low agreement (0.20 < 0.80)",)
    assert by_id[300].reasons == ("flagged ambiguous",)
    assert 8 not in by_id  # no measurable agreement, not flagged
    qa = [p.task_id for p in picks if p.reasons == ("QA sample",)]
    assert 8 <= len(qa) <= 35  # about 10% of 200
    again = select_for_review(tasks[:120], scores, threshold=0.8, qa_fraction=0.1, seed=42)
    assert [p.task_id for p in again if p.reasons == ("QA sample",)] == [t for t in qa if t <= 120]
    assert in_qa_sample(5, 1.0, 0) and not in_qa_sample(5, 0.0, 0)


def test_consensus_is_the_majority_else_the_most_confident_version() -> None:
    sure = choice("confidence", "definitely")
    unsure = choice("confidence", "might be")
    versions = [annotation(1, 1, choice("emotion", "joy"), unsure), annotation(2, 2, choice("emotion", "joy")),
                annotation(3, 3, choice("emotion", "anger"), sure)]
    final, rule = consensus_result(versions)
    assert (final, rule) == ([choice("emotion", "joy")], "majority")
    split = [annotation(1, 1, choice("emotion", "joy"), unsure), annotation(3, 3, choice("emotion", "anger"), sure)]
    assert consensus_result(split) == ([choice("emotion", "anger")], "representative")
    confidence, rating = task_confidence(versions, agreement=0.5)
    assert rating == (0.4 + 1.0) / 2 and confidence == 0.5 * rating
    assert rated_confidence(versions[1]) is None
    assert summarize(versions[0]["result"]) == "emotion: joy"
