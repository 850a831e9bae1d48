"""Real Label Studio + real backend process: connect, LS's own "retrieve predictions", preannotate."""

from __future__ import annotations

import json

import httpx

from ml_backend.training.shapes import CLASSES
from sdk_scripts.label_config_library import read_config, render_config
from tests.support.labelstudio import unique_title
from tests.support.paths import ROOT
from tests.support.shapes import matched_shapes, write_test_images

EMOTIONS = ROOT / "ml_backend" / "data" / "emotions_60.json"
TEXT_CONFIG = """<View><Text name="text" value="$text"/>
<Choices name="emotion" toName="text" choice="single-radio"><Choice value="joy"/><Choice value="sadness"/>
<Choice value="anger"/></Choices></View>"""


def test_connect_and_retrieve_predictions_match_true_shapes(ml_backend_server, ls_client, run_cli, tmp_path) -> None:
    config = render_config(read_config("image_bbox"), {"label": [c.capitalize() for c in CLASSES]})
    project = ls_client.create_project(title=unique_title("shapes"), label_config=config)
    pid = project["id"]
    images = write_test_images(tmp_path, 12)
    task_ids = ls_client.upload_files(pid, [str(p) for p, _ in images])
    assert len(task_ids) == 12

    first = run_cli("backend", "connect", pid, ml_backend_server.url, "--predict-on-load")
    assert first.code == 0, first.err
    assert "connected: ML backend" in first.out
    # a stray duplicate row (as Label Studio leaves after a refused attempt) is cleaned up; reruns are no-ops
    ls_client.create_ml_backend(pid, ml_backend_server.url, "stray duplicate")
    again = run_cli("backend", "connect", pid, ml_backend_server.url)
    assert again.code == 0 and "already connected" in again.out and "removed duplicate rows" in again.out
    assert len(ls_client.ml_backends(pid)) == 1

    version = httpx.post(f"{ml_backend_server.url}/setup", json={"schema": config}, timeout=60).json()["model_version"]
    refreshed = ls_client.project(pid)
    assert refreshed["model_version"] == version
    assert refreshed["evaluate_predictions_automatically"] is True

    ls_client.retrieve_predictions(pid)
    predictions = ls_client.predictions(pid)
    assert sorted(p["task"] for p in predictions) == sorted(task_ids)
    truth = {p.name: shapes for p, shapes in images}
    tasks = {t["id"]: t for t in ls_client.iter_tasks(pid)}
    found = total = 0
    for pred in predictions:
        assert pred["model_version"] == version
        assert isinstance(pred["score"], float)
        name = next(n for n in truth if tasks[pred["task"]]["data"]["image"].endswith(n))
        found += matched_shapes(truth[name], pred["result"])
        total += len(truth[name])
    assert found >= 0.8 * total, f"only {found} of {total} shapes found with IoU >= 0.5"


def test_preannotate_text_zero_shot_twice_no_duplicates(ml_backend_server, ls_client, run_cli) -> None:
    rows = json.loads(EMOTIONS.read_text())
    project = ls_client.create_project(title=unique_title("emotions"), label_config=TEXT_CONFIG)
    pid = project["id"]
    ls_client.import_tasks(pid, [{"text": r["text"], "gold": r["emotion"]} for r in rows])

    first = run_cli("preannotate", pid, "--backend", ml_backend_server.url, "--batch-size", "16")
    assert first.code == 0, first.err
    assert "60 tasks predicted" in first.out
    second = run_cli("preannotate", pid, "--backend", ml_backend_server.url)
    assert second.code == 0 and "0 tasks predicted" in second.out and "60 already had this version" in second.out

    predictions = ls_client.predictions(pid)
    assert len(predictions) == 60 and len({p["task"] for p in predictions}) == 60
    gold = {t["id"]: t["data"]["gold"] for t in ls_client.iter_tasks(pid)}
    correct = sum(p["result"][0]["value"]["choices"] == [gold[p["task"]]] for p in predictions)
    assert all(0 < p["score"] <= 1 for p in predictions)
    assert correct / 60 > 0.6, f"zero-shot accuracy {correct}/60 (chance 1/3)"


def test_preannotate_only_unlabeled_skips_annotated_tasks(ml_backend_server, ls_client, run_cli) -> None:
    project = ls_client.create_project(title=unique_title("emotions-unlabeled"), label_config=TEXT_CONFIG)
    pid = project["id"]
    ids = ls_client.import_tasks(pid, [{"text": "What a lovely day!"}, {"text": "I am furious."},
                                       {"text": "I miss her so much."}])
    ls_client.create_annotation(ids[0], [{"from_name": "emotion", "to_name": "text", "type": "choices",
                                          "value": {"choices": ["joy"]}}])
    r = run_cli("preannotate", pid, "--backend", ml_backend_server.url, "--only-unlabeled")
    assert r.code == 0, r.err
    assert "2 tasks predicted" in r.out and "1 labeled skipped" in r.out
    assert sorted(p["task"] for p in ls_client.predictions(pid)) == sorted(ids[1:])
