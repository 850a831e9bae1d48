"""Transcripts (TextArea on Audio): the final is ROVER's word-by-word vote with three or more annotators.

ROVER: J. G. Fiscus, "A post-processing system to yield reduced word error rates: Recognizer Output Voting Error
Reduction (ROVER)", IEEE ASRU 1997, pp. 347-354 (crowd-kit's `ROVER`). The expected texts below are worked by
hand from its rule: align the transcripts, keep at each slot the word most of them have there.
"""

from __future__ import annotations

from sdk_scripts.agreement.controls import read_controls
from sdk_scripts.agreement.engine import build_report
from sdk_scripts.agreement.kinds.transcripts import rover
from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.review.final_labels import project_finals
from tests.support.finals import MIXED_CONFIG, annotation, sure

AUDIO_CONFIG = render_config(read_config("audio_transcription"), {})


def said(text: str) -> dict:
    return {"id": f"t{len(text)}", "from_name": "transcription", "to_name": "audio", "type": "textarea",
            "value": {"text": [text]}}


def final_of(*transcripts: tuple[str, str]) -> tuple[str, str, str, dict]:
    """(final text, method, final_source, the final region) of one task transcribed by (text, confidence) each."""
    versions = [annotation(i, i, said(text), sure(confidence)) for i, (text, confidence) in enumerate(transcripts, 1)]
    found = project_finals(AUDIO_CONFIG, {1: versions})[1]
    (region,) = [r for r in found.result if r["from_name"] == "transcription"]
    return region["value"]["text"][0], found.methods["transcription"], found.source, region


def test_transcription_on_audio_is_a_transcript_and_text_elsewhere_stays_text() -> None:
    assert [(s.name, s.kind) for s in read_controls(AUDIO_CONFIG).specs][:1] == [("transcription", "transcript")]
    assert {s.name: s.kind for s in read_controls(MIXED_CONFIG).specs}["summary"] == "text"


def test_rover_keeps_the_majority_word_at_every_slot_even_when_nobody_wrote_that_text() -> None:
    text, method, source, region = final_of(("the cat sat on a mat", "probably"),
                                            ("a cat sat on the mat", "definitely"),
                                            ("the cat sat upon the mat", "might be"))
    assert (text, method, source) == ("the cat sat on the mat", "rover", "consensus")
    # the region is the most confident annotator's (annotator 2), carrying the voted text
    assert region["id"] == said("a cat sat on the mat")["id"] and region["to_name"] == "audio"


def test_a_word_only_a_minority_heard_is_dropped_and_a_majoritys_exact_text_is_ruled_majority() -> None:
    text, method, source, _ = final_of(("hello there world", "definitely"), ("hello world", "probably"),
                                       ("hello world", "might be"))
    assert (text, method, source) == ("hello world", "rover", "majority")


def test_rover_over_many_tasks_at_once_matches_one_by_one() -> None:
    tasks = {1: ["a b c", "a x c", "a b c d"], 2: ["one two", "one too", "one two"], 3: ["", "yes", ""]}
    assert rover(tasks) == {1: "a b c", 2: "one two", 3: ""}
    assert rover(tasks) == {unit: rover({unit: texts})[unit] for unit, texts in tasks.items()}


def test_two_transcripts_have_no_majority_so_the_medoid_rule_picks_the_more_confident() -> None:
    text, method, source, _ = final_of(("the cat sat", "might be"), ("a cat sat", "definitely"))
    assert (text, method, source) == ("a cat sat", "medoid", "representative")


def test_the_agreement_report_scores_transcripts_as_text() -> None:
    versions = [annotation(i, i, said(text)) for i, text in enumerate(["a b c", "a b c", "a b d"], 1)]
    report = build_report(AUDIO_CONFIG, [{"id": 1, "data": {"audio": "/a.wav"}, "annotations": versions}])
    control = next(c for c in report.controls if c.name == "transcription")
    assert control.kind == "transcript" and set(control.measures) >= {"char_similarity", "word_similarity"}
