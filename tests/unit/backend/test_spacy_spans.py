"""SPACY_MODEL_PATH: a spaCy pipeline's entities as a span source, mapped to the config's labels like YOLO classes;
built here as a blank English pipeline with an entity ruler saved to disk (no model downloaded)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ml_backend.server import create_app
from ml_backend.settings import BackendSettings
from ml_backend.spacy_spans import SPACY_SPAN_SCORE, pipeline_labels

CONFIG = ('<View><Labels name="ents" toName="t"><Label value="PERSON"/><Label value="Org"/>'
          '<Label value="LOC" predicted_values="GPE,FAC"/><Label value="EMAIL"/></Labels>'
          '<Text name="t" value="$t"/></View>')
TEXT = "Maria Lopez of Acme Corp wrote from Lisbon about the Widget: maria.lopez@example.com"


def save_pipeline(path: Path, patterns: list[dict]) -> Path:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(patterns)
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_pipeline(tmp_path_factory.mktemp("spacy") / "ruler", [
        {"label": "PERSON", "pattern": [{"LOWER": "maria"}, {"LOWER": "lopez"}]},
        {"label": "ORG", "pattern": "Acme Corp"}, {"label": "GPE", "pattern": "Lisbon"},
        {"label": "PRODUCT", "pattern": "Widget"},  # no label of the config stands for it
        {"label": "ORG", "pattern": "maria.lopez@example.com"}])  # overlaps the e-mail pattern span


@pytest.fixture(scope="module")
def client(pipeline: Path, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    settings = BackendSettings(model_dir=str(tmp_path_factory.mktemp("m") / "models"), media_cache_bytes=0,
                               spacy_model_path=str(pipeline))
    return create_app(settings).test_client()


def test_pipeline_labels_are_its_entity_labels(pipeline: Path) -> None:
    import spacy

    assert pipeline_labels(spacy.load(pipeline)) == ["GPE", "ORG", "PERSON", "PRODUCT"]


def test_spacy_entities_are_served_mapped_and_merged_with_pattern_spans(client: FlaskClient) -> None:
    setup = client.post("/setup", json={"project": "3.1", "schema": CONFIG}).get_json()
    assert setup["model_version"] == "labelops-patterns+spacy" and "note" not in setup["controls"][0]
    dropped = client.get("/health").get_json()["stats"].get("dropped_unmapped_classes", 0)
    body = client.post("/predict", json={"tasks": [{"id": 1, "data": {"t": TEXT}}], "label_config": CONFIG,
                                         "project": "3.1"}).get_json()
    (result,) = body["results"]
    spans = [(r["value"]["labels"][0], r["value"]["text"], r["score"]) for r in result["result"]]
    email_score = spans[-1][2]
    # exact name, case-insensitive (ORG -> Org), predicted_values (GPE -> LOC); PRODUCT dropped and counted;
    # the ruler's ORG over the e-mail loses to the e-mail pattern span (EMAIL comes from the patterns only)
    assert spans == [("PERSON", "Maria Lopez", SPACY_SPAN_SCORE), ("Org", "Acme Corp", SPACY_SPAN_SCORE),
                     ("LOC", "Lisbon", SPACY_SPAN_SCORE), ("EMAIL", "maria.lopez@example.com", email_score)]
    assert email_score > SPACY_SPAN_SCORE and result["score"] == SPACY_SPAN_SCORE
    assert client.get("/health").get_json()["stats"]["dropped_unmapped_classes"] == dropped + 1
    for r in result["result"]:
        assert TEXT[r["value"]["start"]:r["value"]["end"]] == r["value"]["text"]


def test_a_pipeline_mapping_to_nothing_is_noted_and_a_bad_path_refused(tmp_path: Path) -> None:
    unrelated = save_pipeline(tmp_path / "unrelated", [{"label": "PRODUCT", "pattern": "Widget"}])
    settings = BackendSettings(model_dir=str(tmp_path / "models"), spacy_model_path=str(unrelated))
    setup = create_app(settings).test_client().post("/setup", json={"project": "3.1", "schema": CONFIG}).get_json()
    assert setup["model_version"] == "labelops-patterns"
    assert "the spaCy pipeline's entity labels (PRODUCT) map to none of its labels" in setup["controls"][0]["note"]
    for bad, why in ((tmp_path / "missing", "is not a spaCy pipeline directory"),
                     (tmp_path / "unrelated" / "vocab", "is not a spaCy pipeline directory")):
        settings = BackendSettings(model_dir=str(tmp_path / "models"), spacy_model_path=str(bad))
        resp = create_app(settings).test_client().post("/setup", json={"project": "3.1", "schema": CONFIG})
        assert resp.status_code == 400
        assert f"Labels 'ents' on Text: SPACY_MODEL_PATH='{bad}' {why}" in resp.get_json()["error"]
    broken = save_pipeline(tmp_path / "broken", [])
    (broken / "config.cfg").write_text("not a config")
    settings = BackendSettings(model_dir=str(tmp_path / "models"), spacy_model_path=str(broken))
    resp = create_app(settings).test_client().post("/setup", json={"project": "3.1", "schema": CONFIG})
    assert resp.status_code == 400 and "cannot load the spaCy pipeline" in resp.get_json()["error"]
