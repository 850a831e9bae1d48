"""Real Label Studio + real backend: a text_ner project learns the entity spans its patterns cannot find.

Before any training run the backend serves pattern spans only (e-mails and phones here); an annotator's spans
on 150 generated sentences enter Label Studio in one import request (completed_by the annotator: posting them
one by one costs ~0.6 s each on a busy 2-core machine); "Start Training" (Label Studio's button) fits the
span tagger; the run publishes the new version's predictions into Label Studio. Entity-level F1 (CoNLL exact
match) of both versions on the same held-out sentences — names the tagger never saw — is printed and compared.
"""

from __future__ import annotations

import time

import httpx
import pytest

from ml_backend.active_learning.entity_f1 import EntityScores, entity_scores
from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.ml_backend_link import connect_backend
from tests.support.backends import wait_for_runs
from tests.support.labelstudio import auth_headers, unique_title
from tests.support.ner_sentences import Sentence, ls_result, sentences

# a feature driven through the API like the tests the PostgreSQL run keeps: nothing database-specific here
pytestmark = pytest.mark.api_feature

TRAIN, HELD_OUT = 150, 40


def _scores(held_out: dict[int, Sentence], tasks: dict[int, dict], version: str) -> EntityScores:
    gold, predicted = set(), set()
    for task_id, item in held_out.items():
        gold |= {(task_id, *s) for s in item.spans}
        (prediction,) = [p for p in tasks[task_id]["predictions"] if p["model_version"] == version]
        for region in prediction["result"]:
            value = region["value"]
            assert item.text[value["start"]:value["end"]] == value["text"] and 0 < region["score"] <= 1
            predicted.add((task_id, value["start"], value["end"], value["labels"][0]))
    return entity_scores(gold, predicted)


def test_trained_span_tagger_beats_the_pattern_spans_on_held_out_sentences(
        ml_backend_server, label_studio, ls_client, annotators) -> None:
    started = time.monotonic()
    train, held_out = sentences(TRAIN, seed=11), sentences(HELD_OUT, seed=12, held_out=True)
    config = render_config(read_config("text_ner"), {})
    pid = ls_client.create_project(title=unique_title("ner-tagger"), label_config=config)["id"]
    annotator = annotators[0]
    ids = ls_client.import_tasks(pid, [{"data": {"text": s.text}, "annotations": [
        {"result": ls_result(s), "completed_by": annotator.id, "lead_time": 2.0}]} for s in train] +
        [{"data": {"text": s.text}} for s in held_out])
    connected = connect_backend(ls_client, pid, ml_backend_server.url, train_every=0)
    assert connected.model_version == "labelops-patterns"
    held = dict(zip(ids[TRAIN:], held_out, strict=True))
    ls_client.retrieve_predictions(pid, list(held))  # Label Studio's own action: the pattern-only baseline
    annotations = [a for t in ls_client.iter_tasks(pid) for a in t["annotations"]]
    assert len(annotations) == TRAIN and {a["completed_by"] for a in annotations} == {annotator.id}

    train_resp = httpx.post(f"{label_studio.url}/api/ml/{connected.backend_id}/train", json={}, timeout=120,
                            headers=auth_headers(label_studio.url, label_studio.admin_token))
    assert train_resp.status_code == 200, train_resp.text
    (run,) = wait_for_runs(ml_backend_server.url, pid, 1)
    assert run["event"] == "trained", run
    v1 = f"labelops-p{pid}-v1"
    summary = run["controls"]["label"]
    assert run["model_version"] == v1 and summary["kind"] == "span-tagger" and summary["examples"] == TRAIN
    assert summary["validation_held_out_tasks"] == TRAIN // 5 and summary["validation_entity_f1"] >= 0.7, summary
    assert ls_client.project(pid)["model_version"] == v1
    # the run stored the new version's predictions for every unlabeled task (the held-out sentences)
    tasks = {t["id"]: t for t in ls_client.iter_tasks(pid)}
    baseline, trained = _scores(held, tasks, "labelops-patterns"), _scores(held, tasks, v1)
    print(f"\nheld-out entity F1 on {HELD_OUT} sentences ({trained.gold} entities, names unseen in training): "
          f"patterns only {baseline.f1:.3f} (P {baseline.precision:.3f} R {baseline.recall:.3f}), "
          f"trained {v1} {trained.f1:.3f} (P {trained.precision:.3f} R {trained.recall:.3f}); in-run validation "
          f"F1 {summary['validation_entity_f1']:.3f}; per label {trained.per_label}; tagger trained in "
          f"{summary['seconds']} s of a {run['seconds']} s run; test {time.monotonic() - started:.1f} s")
    # the patterns find the e-mails and phones only; the tagger adds people, organisations and places
    assert baseline.per_label["PERSON"]["f1"] == baseline.per_label["ORG"]["f1"] == 0.0
    assert baseline.per_label["EMAIL"]["f1"] == 1.0 and baseline.f1 < 0.3
    assert trained.f1 >= 0.7 and trained.f1 > baseline.f1 + 0.4
    assert trained.per_label["EMAIL"] == baseline.per_label["EMAIL"]  # pattern types stay from the patterns
    assert min(trained.per_label[label]["f1"] for label in ("PERSON", "ORG", "LOC")) >= 0.5
    # uncertainty for the queue: each held-out task's score is at most its lowest span score
    for task_id in held:
        (prediction,) = [p for p in tasks[task_id]["predictions"] if p["model_version"] == v1]
        assert 0 < prediction["score"] <= min([r["score"] for r in prediction["result"]], default=1.0)
