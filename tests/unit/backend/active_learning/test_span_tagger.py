"""The span tagger: its training examples from annotations, a real fit on the shipped MiniLM, its file on disk,
and the trained version served through the backend's routes (in-process, no server)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from flask.testing import FlaskClient

from ml_backend import weights
from ml_backend.active_learning.span_tagger import SpanExample, fit_tagger, load_tagger, save_tagger, span_examples
from ml_backend.active_learning.versions import ProjectVersions, model_version_name
from ml_backend.controls.registry import build_models
from ml_backend.server import create_app
from ml_backend.settings import BackendSettings
from ml_backend.span_bio import bio_tags
from ml_backend.word_features import FEATURE_VERSION, TextWords, word_features
from sdk_scripts.label_config_library import read_config, render_config
from tests.support.ner_sentences import ls_result, sentences

NER_CONFIG = render_config(read_config("text_ner"), {})
LABELS = ["PERSON", "ORG", "LOC", "EMAIL"]


def region(start: int, end: int, label: str, control: str = "label") -> dict:
    return {"from_name": control, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "labels": [label]}}


def annotation(*regions: dict, flag: str | None = None, **extra) -> dict:
    result = list(regions)
    if flag:
        result.append({"from_name": "flag", "to_name": "text", "type": "choices", "value": {"choices": [flag]}})
    return {"result": result, **extra}


def test_examples_take_ground_truth_else_every_annotation_and_skip_flagged_and_foreign_spans() -> None:
    text = "Maria Lopez joined Acme Corp."
    person, org = region(0, 11, "PERSON"), region(19, 28, "ORG")
    tasks = [
        {"id": 1, "data": {"text": text}, "annotations": [annotation(person, org), annotation(person)]},
        {"id": 2, "data": {"text": text}, "annotations": [annotation(person), annotation(org, flag="ambiguous")]},
        {"id": 3, "data": {"text": text}, "annotations": [annotation(person, flag="ambiguous"),
                                                          annotation(org, ground_truth=True)]},
        {"id": 4, "data": {"text": text}, "annotations": [annotation(person, was_cancelled=True), annotation()]},
        {"id": 5, "data": {"text": text}, "annotations": [annotation(region(0, 11, "VEHICLE"), region(0, 5, "X", "o"),
                                                                     region(19, 99, "ORG"), region(5, 5, "ORG"))]},
        {"id": 6, "data": {"text": "  "}, "annotations": [annotation(person)]},
        {"id": 7, "data": {"text": text}, "annotations": []},
    ]
    examples = span_examples(tasks, "label", "text", LABELS)
    assert [(e.task, e.spans) for e in examples] == [
        (1, ((0, 11, "PERSON"), (19, 28, "ORG"))), (1, ((0, 11, "PERSON"),)),  # each annotator an example
        (3, ((19, 28, "ORG"),)),  # the reviewer's ground truth decides, flag or not
        (4, ()),  # an annotation without spans: no entity in the text; the cancelled one does not count
        (5, ()),  # unknown label, another control, beyond the text, empty: all left out
    ]
    cut = span_examples(tasks[:1], "label", "text", LABELS, max_chars=15)
    assert cut[0].text == text[:15] and cut[0].spans == ((0, 11, "PERSON"),)


def test_a_tagger_needs_an_entity_and_round_trips_through_its_file(tmp_path: Path) -> None:
    words = TextWords([(0, 3), (4, 8)], np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2))
    with pytest.raises(ValueError, match="at least one entity"):
        fit_tagger([SpanExample(1, "abc defg", ())], [words], "minilm")
    tagger = fit_tagger([SpanExample(1, "abc defg", ((0, 3, "ORG"),))] * 3, [words] * 3, "minilm")
    assert tagger.classes == ("B-ORG", "O") and tagger.validation == {"held_out_tasks": 0}  # < 10 tasks
    save_tagger(tmp_path / "t.npz", tagger)
    loaded = load_tagger(tmp_path / "t.npz")
    assert (loaded.classes, loaded.examples, loaded.text_model, loaded.feature_version) == (
        ("B-ORG", "O"), 3, "minilm", FEATURE_VERSION)
    np.testing.assert_allclose(loaded.probabilities(words.features), tagger.probabilities(words.features))
    assert [(s.start, s.end, s.label) for s in loaded.tag(words)[0]] == [(0, 3, "ORG")]


def test_word_features_keep_offsets_that_slice_the_text_and_read_long_texts_whole() -> None:
    encoder = weights.cached("text", weights.DEFAULT_TEXT_MODEL, weights.load_text_encoder)
    long_text = " ".join(f"Word{i} Lopez." for i in range(400))  # ~1600 tokens: several windows of 256
    short, long = word_features(encoder, ["Maria Lopez joined Acme Corp.", long_text])
    assert ["Maria Lopez joined Acme Corp."[s:e] for s, e in short.words] == [
        "Maria", "Lopez", "joined", "Acme", "Corp", "."]
    assert short.features.shape == (6, 3 * 384 + 13) and short.embedding.shape == (384,)
    assert len(long.words) == 1200 and long_text[slice(*long.words[-2])] == "Lopez"
    assert bio_tags(short.words, [(0, 11, "PERSON")])[:3] == ["B-PERSON", "I-PERSON", "O"]


@pytest.fixture(scope="module")
def trained_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[BackendSettings, str, dict]:
    """Project 7 with one trained version: the tagger fitted on 60 generated sentences (training names only)."""
    settings = BackendSettings(model_dir=str(tmp_path_factory.mktemp("tagger") / "models"), media_cache_bytes=0)
    tasks = [{"id": i, "data": {"text": s.text}, "annotations": [{"id": i, "completed_by": 1, "result": ls_result(s)}]}
             for i, s in enumerate(sentences(60, seed=1))]
    store = ProjectVersions(settings.versions_root(), "7")
    number, staging = store.reserve()
    (model,), _ = build_models(NER_CONFIG, settings)
    summary = model.train(tasks, staging)
    store.finish(number, staging, {"model_version": model_version_name("labelops", "7", number)})
    store.point(number)
    return settings, model_version_name("labelops", "7", number), summary


def test_training_summary_holds_held_out_entity_scores(trained_project) -> None:
    _, _, summary = trained_project
    assert summary["kind"] == "span-tagger" and summary["examples"] == summary["tasks"] == 60
    assert summary["validation_held_out_tasks"] == 12 and {"B-PERSON", "I-PERSON", "B-ORG", "B-LOC", "O"} <= set(
        summary["classes"])
    assert 0.6 <= summary["validation_entity_f1"] <= 1.0
    assert set(summary["validation_per_label"]) <= {"PERSON", "ORG", "LOC", "EMAIL", "PHONE"}
    assert summary["label_counts"]["PERSON"] > summary["label_counts"]["EMAIL"] > 0


@pytest.fixture(scope="module")
def client(trained_project) -> FlaskClient:
    return create_app(trained_project[0]).test_client()


def test_trained_version_serves_tagger_spans_merged_with_pattern_spans(client: FlaskClient, trained_project) -> None:
    _, version, _ = trained_project
    held_out = sentences(20, seed=2, held_out=True)  # names the tagger never saw
    tasks = [{"id": i, "data": {"text": s.text}} for i, s in enumerate(held_out)]
    body = client.post("/predict", json={"tasks": tasks, "label_config": NER_CONFIG, "project": "7"}).get_json()
    assert body["model_version"] == version
    found = gold = 0
    for item, result in zip(held_out, body["results"], strict=True):
        spans = {(r["value"]["start"], r["value"]["end"], r["value"]["labels"][0]) for r in result["result"]}
        for r in result["result"]:
            value = r["value"]
            assert item.text[value["start"]:value["end"]] == value["text"] and 0 < r["score"] <= 1
            assert r["type"] == "labels" and (r["from_name"], r["to_name"]) == ("label", "text")
        found += len(spans & set(item.spans))
        gold += len(item.spans)
        assert 0 <= result["score"] <= min([r["score"] for r in result["result"]], default=1.0)
    assert found / gold >= 0.6, (found, gold)
    # e-mails and phones come from the pattern recognizers as they did before training (same offsets, same score)
    pattern_labelled = [i for i, item in enumerate(held_out) if {"EMAIL", "PHONE"} & {x[2] for x in item.spans}]
    assert pattern_labelled
    before = client.post("/predict", json={"tasks": [tasks[i] for i in pattern_labelled], "label_config": NER_CONFIG,
                                           "project": "8"}).get_json()
    assert before["model_version"] == "labelops-patterns"
    for i, untrained in zip(pattern_labelled, before["results"], strict=True):
        def pattern_spans(regions: list[dict]) -> list[tuple]:
            return [(r["value"]["start"], r["value"]["end"], r["value"]["labels"][0], r["score"]) for r in regions
                    if r["value"]["labels"][0] in ("EMAIL", "PHONE")]
        assert pattern_spans(body["results"][i]["result"]) == pattern_spans(untrained["result"]) != []
    setup = client.post("/setup", json={"project": "7", "schema": NER_CONFIG}).get_json()
    assert setup["model_version"] == version and [c["control"] for c in setup["controls"]] == ["label"]
