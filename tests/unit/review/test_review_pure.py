"""Review-loop logic without a server: config composition, selection, final labels, reviewer fields."""

from __future__ import annotations

from label_studio_sdk.label_interface import LabelInterface

from sdk_scripts.label_config_library import read_config, validate_config
from sdk_scripts.labelstudio.dm_views import hidden_columns
from sdk_scripts.review.annotations import fingerprint, interpretations, rated_confidence
from sdk_scripts.review.collect import missing_annotators
from sdk_scripts.review.final_labels import consensus_result, summarize, task_confidence
from sdk_scripts.review.review_config import compose_review_config, reviewer_fields, strip_reviewer_fields
from sdk_scripts.review.selection import in_qa_sample, select_for_review
from sdk_scripts.review.versions import (
    consensus_prefill,
    review_predictions,
    transcript_controls,
    unanimous_result,
    version_names,
    versions_table,
)


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


def test_each_version_is_named_after_its_annotator_and_tabulated() -> None:
    users = {1: {"id": 1, "email": "amira@example.org", "first_name": "Amira", "last_name": "Haddad"},
             2: {"id": 2, "email": "bo@example.org", "first_name": "", "last_name": ""},
             3: {"id": 3, "email": "bo@elsewhere.org"}}
    comment = {"from_name": "comment", "to_name": "text", "type": "textarea", "value": {"text": ["irony?"]}}
    versions = [annotation(1, 1, choice("emotion", "joy"), choice("confidence", "might be"),
                           choice("flag", "ambiguous"), comment),
                annotation(2, 2, choice("emotion", "anger")), annotation(3, 3, choice("emotion", "anger"))]
    # a name when the user has one, else the email's local part; the emails where two local parts meet
    assert version_names(versions, users) == ["Amira Haddad", "bo@example.org", "bo@elsewhere.org"]
    assert version_names(versions[1:2] * 2, users) == ["bo", "bo #2"]
    assert version_names([annotation(4, 4)], {4: {"email": "consensus@example.org"}}) == ["consensus@example.org"]
    rows = versions_table(versions, users)
    assert rows[0] == {"annotator": "Amira Haddad (amira@example.org)", "answer": "emotion: joy",
                       "self-rated confidence": "might be", "flags": "ambiguous", "comment": "irony?"}
    assert rows[1] == {"annotator": "bo@example.org", "answer": "emotion: anger", "self-rated confidence": "-",
                       "flags": "-", "comment": "-"}
    predictions = review_predictions(versions, users, agreement=0.25)
    assert [p["model_version"] for p in predictions] == ["Amira Haddad", "bo@example.org", "bo@elsewhere.org",
                                                         "consensus"]
    assert predictions[0]["result"] == versions[0]["result"]
    assert predictions[-1] == {"model_version": "consensus", "score": 0.25, "result": []}  # they disagree


def _transcribed(id_: int, text: str, quality: int) -> dict:
    return annotation(id_, id_, {"from_name": "transcription", "to_name": "audio", "type": "textarea",
                                 "value": {"text": [text]}},
                      {"from_name": "quality", "to_name": "audio", "type": "rating", "value": {"rating": quality}},
                      {"from_name": "confidence", "to_name": "audio", "type": "choices",
                       "value": {"choices": ["definitely"]}})


def test_a_transcript_review_starts_from_the_annotators_word_by_word_vote() -> None:
    """ROVER (Fiscus 1997): each word position keeps the word most transcripts have there, so three transcripts
    that each differ by one word vote for a text none of them typed whole."""
    config = read_config("audio_transcription")
    three = [_transcribed(1, "the cat sat on a mat", 4), _transcribed(2, "a cat sat on the mat", 4),
             _transcribed(3, "the dog sat on the mat", 3)]
    assert consensus_prefill(three, config) == [
        {"from_name": "transcription", "to_name": "audio", "type": "textarea",
         "value": {"text": ["the cat sat on the mat"]}}]  # the ratings differ: no quality pre-filled
    same_rating = three[:2] + [_transcribed(3, "the dog sat on the mat", 4)]
    assert [r["value"] for r in consensus_prefill(same_rating, config)] == [{"text": ["the cat sat on the mat"]},
                                                                             {"rating": 4}]
    assert consensus_prefill(three[:2], config) == []  # two transcripts: no majority, nobody's answer shown
    assert consensus_prefill(three) == []  # without the config no control is known to be a transcript
    emotion = [annotation(i, i, choice("emotion", label)) for i, label in enumerate(["joy", "anger", "fear"], 1)]
    assert consensus_prefill(emotion, read_config("text_emotion")) == []  # other configs: blank on a disagreement
    assert transcript_controls(config) == {"transcription"}  # not the comment TextArea, which is on Audio too
    assert transcript_controls(read_config("text_emotion")) == set() == transcript_controls(None)
    consensus = review_predictions(three, {}, agreement=0.4, label_config=config)[-1]
    assert consensus["model_version"] == "consensus" and consensus["result"][0]["value"]["text"] == [
        "the cat sat on the mat"]


def test_the_consensus_is_the_answer_only_when_every_annotator_gave_it() -> None:
    sure, unsure = choice("confidence", "definitely"), choice("confidence", "might be")
    same = [annotation(1, 1, choice("emotion", "joy", "anger"), sure),
            annotation(2, 2, choice("emotion", "anger", "joy"), unsure, choice("flag", "ambiguous"))]
    assert unanimous_result(same) == [choice("emotion", "joy", "anger")]  # quality fields are not the answer
    assert unanimous_result(same + [annotation(3, 3, choice("emotion", "joy"))]) == []
    assert unanimous_result([annotation(1, 1, sure), annotation(2, 2, sure)]) == []  # no label at all
    assert unanimous_result([]) == []


def test_ground_truth_waits_for_the_tasks_annotators() -> None:
    task = {"overlap": 3, "annotations": [annotation(1, 1, choice("emotion", "joy")),
                                          annotation(2, 1, choice("emotion", "joy")),
                                          annotation(3, 2, cancelled=True),
                                          annotation(4, 9, choice("emotion", "joy"), truth=True)]}
    assert missing_annotators(task) == 2  # one annotator so far: the skipped and the ground truth do not count
    assert missing_annotators({**task, "overlap": 1}) == 0
    assert missing_annotators({"annotations": []}) == 1


def test_data_manager_tab_hides_labelops_fields_on_top_of_label_studio_defaults() -> None:
    columns = [{"id": "text", "parent": "data", "target": "tasks", "visibility_defaults": {"explore": True,
                                                                                            "labeling": True}},
               {"id": "predictions_score", "target": "tasks", "visibility_defaults": {"explore": False,
                                                                                      "labeling": False}},
               {"id": "inner_id", "target": "tasks", "visibility_defaults": {"explore": False, "labeling": False}},
               {"id": "data", "target": "tasks", "children": ["text"]}]
    hidden = hidden_columns(columns, {"explore": ["data.labelops_key"], "labeling": ["data.labelops_key"]},
                            {"explore": ["predictions_score"]})
    assert hidden == {"explore": ["tasks:inner_id", "tasks:data.labelops_key"],
                      "labeling": ["tasks:predictions_score", "tasks:inner_id", "tasks:data.labelops_key"]}
