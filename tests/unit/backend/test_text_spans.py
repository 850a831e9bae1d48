"""Labels on Text before a training run: pattern spans (label mapping, span results), and what a tag serves when no
label maps or the pii extra is missing; /setup and /predict in-process."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ml_backend.controls.base import NotServable
from ml_backend.controls.capabilities import capability_markdown, capability_table
from ml_backend.controls.registry import REGISTRY, build_models
from ml_backend.controls.text_spans import EntitySpans, spans_for
from ml_backend.server import create_app
from ml_backend.settings import BackendSettings
from ml_backend.span_labels import ALIASES, entity_map, entity_of, normalise
from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.pii.detect import PATTERN_TYPES

NER_CONFIG = render_config(read_config("text_ner"), {})
NOTHING_MAPS = ('<View><Labels name="ents" toName="t"><Label value="ORG"/><Label value="LOC"/></Labels>'
                '<Text name="t" value="$t"/></View>')
TEXT = "Mail jane.doe@example.com or call +44 20 7946 0958. Born on 23 April 1986. IBAN GB82 WEST 1234 5698 7654 32."


def test_every_recognizer_type_has_aliases_and_nothing_else() -> None:
    assert set(ALIASES) == set(PATTERN_TYPES)


@pytest.mark.parametrize(("label", "entity"), [("E-mail", "EMAIL"), ("email address", "EMAIL"), ("Phone", "PHONE"),
                                               ("SSN", "ID_NUMBER"), ("dob", "DATE_OF_BIRTH"), ("iban", "IBAN"),
                                               ("PERSON", None), ("ORG", None)])
def test_labels_map_by_name_or_alias(label: str, entity: str | None) -> None:
    assert entity_of(label) == entity


def test_entity_map_first_label_wins_and_predicted_values_replace_the_name() -> None:
    assert normalise(" e-mail  address ") == "E_MAIL_ADDRESS"
    assert entity_map(["Mail", "EMAIL", "Org"], {}) == {"EMAIL": "Mail"}
    assert entity_map(["Contact", "EMAIL"], {"Contact": ["PHONE", "TEL"]}) == {"PHONE": "Contact", "EMAIL": "EMAIL"}
    assert entity_map(["ORG", "LOC"], {}) == {}


def test_spans_keep_offsets_text_label_and_score_of_mapped_types_only() -> None:
    findings = [("EMAIL", 5, 25, 1.0), ("IP_ADDRESS", 30, 37, 0.6), ("PHONE", 34, 50, 0.4)]
    regions = spans_for(findings, {"EMAIL": "Mail", "PHONE": "PHONE"}, TEXT, "label", "text")
    assert [r["value"] for r in regions] == [
        {"start": 5, "end": 25, "text": "jane.doe@example.com", "labels": ["Mail"]},
        {"start": 34, "end": 50, "text": "+44 20 7946 0958", "labels": ["PHONE"]}]
    assert all(r["type"] == "labels" and r["from_name"] == "label" and r["to_name"] == "text" for r in regions)
    assert [r["score"] for r in regions] == [1.0, 0.4] and len({r["id"] for r in regions}) == 2


def test_every_control_states_what_it_can_do() -> None:
    table = capability_table()
    assert [row["tag"] for row in table] == [cls.served_as for cls in REGISTRY]
    assert all(row["serve"] and row["train"] and row["score"] for row in table)
    # a class says it trains exactly when it declares the artifact a run writes
    assert all(row["train"].startswith("yes") == (cls.artifact is not None) for row, cls in zip(table, REGISTRY,
                                                                                                  strict=True))
    assert {row["kind"] for row in table if row["train"].startswith("yes")} >= {"detect", "segment", "classify",
                                                                                 "text", "spans"}
    markdown = capability_markdown()
    assert markdown.count("\n") == len(REGISTRY) + 1 and "mean \\|2c − 1\\|" in markdown


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    root: Path = tmp_path_factory.mktemp("spans")
    return create_app(BackendSettings(model_dir=str(root / "models"), media_cache_bytes=0)).test_client()


def test_setup_serves_text_ner_from_patterns_and_lists_its_controls(client: FlaskClient) -> None:
    resp = client.post("/setup", json={"project": "1.1", "schema": NER_CONFIG})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["model_version"] == "labelops-patterns"
    assert [(c["control"], c["kind"]) for c in body["controls"]] == [("label", "spans")]
    assert "TextArea 'comment': skipped (SKIP_CONTROLS)" in body["skipped_controls"]
    assert [c["kind"] for c in client.get("/health").get_json()["controls"]] == [cls.kind for cls in REGISTRY]


def test_a_span_config_whose_labels_map_to_nothing_waits_for_training(client: FlaskClient) -> None:
    # the span tagger can learn ORG and LOC: Label Studio can connect the tag; it proposes nothing before a run
    resp = client.post("/setup", json={"project": "1.1", "schema": NOTHING_MAPS})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["model_version"] == "labelops-spans-untrained"
    (row,) = body["controls"]
    assert row["control"] == "ents" and row["note"].startswith(
        "none of its labels maps to a type the pattern recognizers find") and row["note"].endswith(
        "nothing is proposed until a training run fits the span tagger")
    answer = client.post("/predict", json={"tasks": [{"id": 1, "data": {"t": "Acme Corp opened in Lisbon."}}],
                                           "label_config": NOTHING_MAPS, "project": "1.1"}).get_json()
    assert answer["results"] == [{"result": [], "score": 0.0, "model_version": "labelops-spans-untrained"}]


def test_without_the_pii_extra_text_ner_waits_for_training(client: FlaskClient,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "presidio_analyzer" else
                        real(name, *a))
    body = client.post("/setup", json={"project": "1.1", "schema": NER_CONFIG}).get_json()
    assert body["model_version"] == "labelops-spans-untrained"
    assert "pip install 'labelops[pii]'" in body["controls"][0]["note"]


def test_a_bad_text_model_and_no_pattern_label_is_refused_naming_the_control(tmp_path: Path) -> None:
    # (the backend refuses to start with a bad TEXT_MODEL; a config read elsewhere gets the reason)
    settings = BackendSettings(model_dir=str(tmp_path / "models"), text_model=str(tmp_path))
    with pytest.raises(NotServable, match=r"Labels 'ents' on Text: no pattern label and no span tagger to train: "
                                          r"TEXT_MODEL="):
        build_models(NOTHING_MAPS, settings)


def test_predict_text_ner_returns_pattern_spans_with_a_task_score(client: FlaskClient) -> None:
    tasks = [{"id": 1, "data": {"text": TEXT}}, {"id": 2, "data": {"text": "Nothing personal here."}},
             {"id": 3, "data": {"text": ""}}]
    resp = client.post("/predict", json={"tasks": tasks, "label_config": NER_CONFIG, "project": "1.1"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["model_version"] == "labelops-patterns"
    full, nothing, empty = body["results"]
    spans = [(r["value"]["labels"][0], r["value"]["text"]) for r in full["result"]]
    assert spans == [("EMAIL", "jane.doe@example.com"), ("PHONE", "+44 20 7946 0958"),
                     ("DATE_OF_BIRTH", "23 April 1986"), ("IBAN", "GB82 WEST 1234 5698 7654 32")]
    for region in full["result"]:
        value = region["value"]
        assert TEXT[value["start"]:value["end"]] == value["text"] and 0 < region["score"] <= 1
    assert full["score"] == min(r["score"] for r in full["result"])
    assert nothing == {"result": [], "score": 0.0, "model_version": "labelops-patterns"}
    assert empty["result"] == [] and empty["score"] == 0.0


def test_pattern_spans_score_is_the_lowest_span_and_zero_without_one() -> None:
    assert "before a training run: the lowest span score" in EntitySpans.score_definition
    assert "0 when no span is found" in EntitySpans.score_definition
