"""The real backend process (gunicorn, shipped detector, network blocked): protocol, batching, bad input, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from PIL import Image

from ml_backend.active_learning.strategies import detection_score
from ml_backend.regions import box_iou
from sdk_scripts.label_config_library import read_config, render_config
from tests.support.backends import NETGUARD_DIR
from tests.support.shapes import matched_shapes, pixel_box, write_test_images

IMAGE_CONFIG = render_config(read_config("image_bbox"), {"label": ["Circle", "Square", "Triangle"]})
TEXT_CONFIG = render_config(read_config("text_sentiment"), {})
UNSERVABLE = '<View><Text name="t" value="$t"/><TextArea name="a" toName="t"/></View>'


def _predict(url: str, tasks: list[dict], config: str) -> dict:
    r = httpx.post(f"{url}/predict", json={"tasks": tasks, "label_config": config, "project": "1.1"}, timeout=300)
    assert r.status_code == 200, r.text
    return r.json()


def _stats(url: str) -> dict:
    return httpx.get(f"{url}/health", timeout=10).json()["stats"]


def test_health_reports_weights(ml_backend_server) -> None:
    h = httpx.get(f"{ml_backend_server.url}/health", timeout=10).json()
    assert h["status"] == "UP" and h["detector_ready"] is True
    assert h["weights"]["YOLO_SEG_MODEL_PATH"] == "not configured"


def test_setup_reports_version_and_refuses_unservable_config(ml_backend_server) -> None:
    r = httpx.post(f"{ml_backend_server.url}/setup", json={"project": "1.1", "schema": IMAGE_CONFIG}, timeout=120)
    assert r.status_code == 200
    assert r.json()["model_version"].startswith("labelops-shapes_yolo11n-")
    bad = httpx.post(f"{ml_backend_server.url}/setup", json={"project": "1.1", "schema": UNSERVABLE}, timeout=60)
    assert bad.status_code == 400
    assert "no control tag of this labeling config can be served" in bad.json()["error"]
    assert "TextArea 'a'" in bad.json()["error"]


def test_sixteen_tasks_one_batched_call_in_order_no_reload(ml_backend_server) -> None:
    images = write_test_images(Path(ml_backend_server.image_dir), 16, prefix="batch")
    tasks = [{"id": i, "data": {"image": str(p)}} for i, (p, _) in enumerate(images)]
    _predict(ml_backend_server.url, tasks[:1], IMAGE_CONFIG)  # warm: weights loaded
    before = _stats(ml_backend_server.url)
    body = _predict(ml_backend_server.url, tasks, IMAGE_CONFIG)
    after = _stats(ml_backend_server.url)
    assert after["model_calls.detect"] - before["model_calls.detect"] == 1
    assert after["model_images.detect"] - before["model_images.detect"] == 16
    assert after["weights_loads.detect"] == before["weights_loads.detect"] == 1
    results = body["results"]
    assert len(results) == 16
    # in order: each result's boxes match the shapes of its own image
    total = sum(len(s) for _, s in images)
    found = sum(matched_shapes(shapes, res["result"]) for (_, shapes), res in zip(images, results, strict=True))
    assert found >= 0.8 * total, f"{found}/{total}"
    for res in results:
        assert res["model_version"] == body["model_version"]
        assert all(0 < r["score"] <= 1 for r in res["result"])
        # image-level active-learning score: 0 without a confident box, else mean |2c - 1|
        assert res["score"] == pytest.approx(detection_score([r["score"] for r in res["result"]]), abs=1e-6)


def test_bad_inputs_get_empty_results_others_predicted(ml_backend_server, label_studio) -> None:
    d = Path(ml_backend_server.image_dir)
    (good, shapes), = write_test_images(d, 1, seed=5, prefix="good")
    (d / "not_an_image.png").write_text("hello, not a PNG")
    Image.new("RGB", (2600, 2000), "white").save(d / "huge.png")
    tasks = [
        {"id": 1, "data": {}},
        {"id": 2, "data": {"image": f"{label_studio.url}/no-such-image.png"}},
        {"id": 3, "data": {"image": str(d / "not_an_image.png")}},
        {"id": 4, "data": {"image": str(d / "huge.png")}},
        {"id": 5, "data": {"image": "http://example.com/cat.png"}},
        {"id": 6, "data": {"image": "/etc/passwd"}},
        {"id": 7, "data": {"image": str(good)}},
    ]
    results = _predict(ml_backend_server.url, tasks, IMAGE_CONFIG)["results"]
    assert len(results) == 7
    assert [r["result"] for r in results[:6]] == [[]] * 6
    assert matched_shapes(shapes, results[6]["result"]) >= 1
    log = Path(ml_backend_server.server.log_path).read_text()
    assert "task 2, control 'label': no prediction: not a Label Studio media path" in log
    assert "task 3, control 'label': no prediction: not an image file (16 bytes, starts 68656c6c6f2c206e)" in log
    assert "task 4, control 'label': no prediction: image too large" in log
    assert "task 1, control 'label': no prediction: missing media reference" in log
    assert "task 5, control 'label': no prediction: URL not allowed by ALLOWED_URL_PREFIXES" in log
    assert "task 6, control 'label': no prediction: local path outside ALLOWED_LOCAL_DIRS" in log
    text = _predict(ml_backend_server.url, [{"id": 8, "data": {"text": ""}},
                                            {"id": 9, "data": {"text": "I love this, it is wonderful!"}}],
                    TEXT_CONFIG)["results"]
    assert text[0]["result"] == []
    # only the sentiment tag is served: the confidence / flag quality fields are in SKIP_CONTROLS by default
    assert [(r["from_name"], r["value"]["choices"]) for r in text[1]["result"]] == [("sentiment", ["positive"])]
    unservable = _predict(ml_backend_server.url, [{"id": 1, "data": {"t": "x"}}], UNSERVABLE)["results"]
    assert unservable == [{"result": [], "score": 0.0, "model_version": ""}]
    assert label_studio.admin_token not in log


def _boxes(result: dict) -> list[tuple[str, tuple[float, ...], float]]:
    return [(r["value"]["rectanglelabels"][0], pixel_box(r), r["score"]) for r in result["result"]]


def test_concurrent_single_task_requests_share_model_calls_and_each_gets_its_own(ml_backend_server) -> None:
    """Label Studio's one-task requests, 8 at once: the worker answers them with fewer model calls than requests
    (on ONNX Runtime, the default engine), each with the boxes its image gets alone; the gunicorn master loads no
    model library."""
    images = write_test_images(Path(ml_backend_server.image_dir), 8, seed=2204, prefix="concurrent")
    tasks = [{"id": i, "data": {"image": str(p)}} for i, (p, _) in enumerate(images)]
    alone = [_predict(ml_backend_server.url, [task], IMAGE_CONFIG)["results"][0] for task in tasks]
    before = _stats(ml_backend_server.url)
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda task: _predict(ml_backend_server.url, [task], IMAGE_CONFIG)["results"][0],
                                 tasks * 3))
    after = _stats(ml_backend_server.url)
    assert after["predict_batched_requests"] - before.get("predict_batched_requests", 0) == 24
    assert after["model_calls.detect"] - before["model_calls.detect"] < 24
    assert sum(len(r["result"]) for r in alone) >= 8
    for i, result in enumerate(together):
        mine = alone[i % 8]
        assert [label for label, _, _ in _boxes(result)] == [label for label, _, _ in _boxes(mine)]
        for (_, box, score), (_, box_alone, score_alone) in zip(_boxes(result), _boxes(mine), strict=True):
            assert box_iou(box, box_alone) >= 0.99 and abs(score - score_alone) <= 1e-3
    worker = httpx.get(f"{ml_backend_server.url}/health", timeout=10).json()["pid"]
    assert "libonnxruntime" in Path(f"/proc/{worker}/maps").read_text()
    master_maps = Path(f"/proc/{ml_backend_server.server.pid}/maps").read_text()
    assert "libtorch" not in master_maps and "onnxruntime" not in master_maps


def test_network_guard_blocks_and_backend_made_no_outside_attempt(ml_backend_server, tmp_path) -> None:
    log = tmp_path / "guard.log"
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('93.184.216.34', 80), timeout=2)"],
        env={**os.environ, "PYTHONPATH": NETGUARD_DIR, "NETGUARD_LOG": str(log)}, capture_output=True, text=True)
    assert probe.returncode != 0 and "netguard" in probe.stderr and "93.184.216.34" in log.read_text()
    # every test above ran against this backend: ultralytics, torch, transformers never reached outside
    assert Path(ml_backend_server.netguard_log).read_text() == ""
    config_dir = Path(ml_backend_server.netguard_log).parent / "ultralytics" / "Ultralytics"
    settings = json.loads((config_dir / "settings.json").read_text())
    assert settings["sync"] is False
