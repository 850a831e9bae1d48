"""Polygons and image classes learn: real Label Studio, real backend process, YOLO-seg and YOLO-cls fine-tuned.

The backend serves PolygonLabels and Choices on Image only from weights the user brings; here those are
untrained yolo11n-seg / yolo11n-cls built from ultralytics' own yaml (nothing downloaded) with the shape
classes, so the figures say nothing about quality: what is checked is the loop — annotations made through
Label Studio's API become a data set, a run writes a new version, Label Studio serves it (project
model_version, the new version's predictions on the unlabeled tasks), the history holds the validation
figure and the skip reasons, rollback puts the previous version back — all with outside connections refused.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest
from PIL import Image

from ml_backend.training.shapes import CLASSES
from sdk_scripts.devserver.backend import LocalBackend
from sdk_scripts.ml_backend_link import connect_backend
from tests.support.backends import MIN_NEW, NETGUARD_DIR, wait_for_runs
from tests.support.labelstudio import unique_title
from tests.support.shapes import untrained_yolo, write_test_images

# a feature driven through the API like the tests the PostgreSQL run keeps: nothing database-specific here
pytestmark = pytest.mark.api_feature

LABELS = [c.capitalize() for c in CLASSES]
POLYGON_CONFIG = ('<View><Image name="image" value="$image"/><PolygonLabels name="shape" toName="image">'
                  + "".join(f'<Label value="{label}"/>' for label in LABELS) + "</PolygonLabels></View>")
CLASS_CONFIG = ('<View><Image name="image" value="$image"/><Choices name="kind" toName="image">'
                + "".join(f'<Choice value="{label}"/>' for label in LABELS) + "</Choices></View>")


@pytest.fixture(scope="module")
def image_backend(label_studio, tmp_path_factory):
    """The backend with training on, serving seg and cls from a user's (untrained) weights, network blocked."""
    root = tmp_path_factory.mktemp("image-training")
    guard = root / "netguard.log"
    guard.write_text("")
    env = {"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.admin_token,
           "LABELOPS_CACHE_DIR": str(root / "cache"), "YOLO_CONFIG_DIR": str(root / "ultralytics"),
           "MODEL_DIR": str(root / "models"), "TRAIN_MIN_ANNOTATIONS": str(MIN_NEW), "KEEP_VERSIONS": "3",
           "YOLO_SEG_MODEL_PATH": str(untrained_yolo("seg", list(CLASSES), root / "weights" / "seg.pt")),
           "YOLO_CLS_MODEL_PATH": str(untrained_yolo("cls", list(CLASSES), root / "weights" / "cls.pt")),
           "TRAIN_EPOCHS": "1", "TRAIN_IMGSZ": "64", "IMGSZ": "96", "PYTHONPATH": NETGUARD_DIR,
           "NETGUARD_LOG": str(guard)}
    backend = LocalBackend(env=env, log_path=root / "backend.log").start()
    yield backend
    backend.stop()
    assert guard.read_text() == "", f"outside connections attempted: {guard.read_text()}"


def _project(ls_client, backend: LocalBackend, config: str, images: list, **connect) -> tuple[int, list[int]]:
    pid = ls_client.create_project(title=unique_title("image training"), label_config=config,
                                   sampling="Uncertainty sampling")["id"]
    task_ids = ls_client.upload_files(pid, [str(path) for path, _ in images])
    connect_backend(ls_client, pid, backend.url, **connect)
    return pid, task_ids


def _outlines(path: Path, shapes: list) -> list[dict]:
    with Image.open(path) as img:
        w, h = img.size
    return [{"from_name": "shape", "to_name": "image", "type": "polygonlabels", "original_width": w,
             "original_height": h, "value": {"points": [[100 * x / w, 100 * y / h] for x, y in s.outline()],
                                             "closed": True, "polygonlabels": [s.label.capitalize()]}}
            for s in shapes]


def _choice(*names: str) -> list[dict]:
    return [{"from_name": "kind", "to_name": "image", "type": "choices", "value": {"choices": list(names)}}]


def _served(ls_client, pid: int, task_ids: list[int], version: str) -> list[dict]:
    """The predictions of `version` on `task_ids`, one per task (a task without one fails)."""
    found = {}
    for task in ls_client.iter_tasks(pid):
        if task["id"] in task_ids:
            found[task["id"]] = next(p for p in task["predictions"] if p["model_version"] == version)
    assert sorted(found) == sorted(task_ids)
    return [found[t] for t in task_ids]


def _setup_version(backend: LocalBackend, pid: int, config: str) -> str:
    return httpx.post(f"{backend.url}/setup", json={"project": str(pid), "schema": config}, timeout=60).json()[
        "model_version"]


def test_polygon_project_fine_tunes_yolo_seg_serves_the_new_version_and_rolls_back(
        image_backend, ls_client, run_cli, tmp_path) -> None:
    images = write_test_images(tmp_path, 8, seed=13579, prefix="poly")
    pid, task_ids = _project(ls_client, image_backend, POLYGON_CONFIG, images)
    base = ls_client.project(pid)["model_version"]
    assert base.startswith("labelops-seg-"), base  # the user's weights serve before any run
    # MIN_NEW annotations (Label Studio starts the run): outlines as polygons; one stray two-point polygon
    for i, (task_id, (path, shapes)) in enumerate(zip(task_ids[:MIN_NEW], images, strict=False)):
        result = _outlines(path, shapes)
        if i == 0:
            result.append({**result[0], "value": {**result[0]["value"], "points": [[1, 1], [9, 9]]}})
        ls_client.create_annotation(task_id, result)
    history = wait_for_runs(image_backend.url, pid, 1, timeout=240)
    run = history[-1]
    assert run["event"] == "trained", history
    v1 = f"labelops-p{pid}-v1"
    shape = run["controls"]["shape"]
    assert run["model_version"] == v1 and shape["kind"] == "segmenter" and shape["examples"] == MIN_NEW
    assert shape["held_out"] is True and 0.0 <= shape["validation_mask_map50"] <= 1.0
    assert shape["skipped"] == {"polygon with fewer than 3 distinct points (region dropped)": 1}
    assert shape["label_counts"] == dict(Counter(s.label.capitalize() for _, shapes in images[:MIN_NEW]
                                                 for s in shapes))
    # Label Studio serves the new version: the project follows it, the unlabeled tasks hold its predictions
    assert ls_client.project(pid)["model_version"] == v1 and _setup_version(image_backend, pid, POLYGON_CONFIG) == v1
    for pred in _served(ls_client, pid, task_ids[MIN_NEW:], v1):
        assert all(r["type"] == "polygonlabels" and r["value"]["polygonlabels"][0] in LABELS for r in pred["result"])

    # a second run ("Start Training") on one more annotation, then rollback to the first
    ls_client.create_annotation(task_ids[MIN_NEW], _outlines(*images[MIN_NEW]))
    httpx.post(f"{image_backend.url}/webhook", json={"action": "START_TRAINING", "project": {"id": pid}}, timeout=30)
    history = wait_for_runs(image_backend.url, pid, 2, timeout=240)
    v2 = f"labelops-p{pid}-v2"
    assert history[-1]["event"] == "trained" and history[-1]["model_version"] == v2, history
    assert history[-1]["controls"]["shape"]["examples"] == MIN_NEW + 1
    assert ls_client.project(pid)["model_version"] == v2
    assert len(_served(ls_client, pid, task_ids[MIN_NEW + 1:], v2)) == len(task_ids) - MIN_NEW - 1
    status = run_cli("backend", "status", pid, "--backend", image_backend.url)
    assert status.code == 0 and f"{v2} " in status.out and "validation mask mAP50 " in status.out, status
    back = run_cli("backend", "rollback", pid, "--backend", image_backend.url)
    assert back.code == 0, back.err
    assert ls_client.project(pid)["model_version"] == v1 and _setup_version(image_backend, pid, POLYGON_CONFIG) == v1


def test_image_class_project_fine_tunes_yolo_cls_and_serves_the_new_version(image_backend, ls_client,
                                                                            tmp_path) -> None:
    images = write_test_images(tmp_path, 9, seed=24680, prefix="cls", max_shapes=1)
    pid, task_ids = _project(ls_client, image_backend, CLASS_CONFIG, images, train_every=0)
    base = ls_client.project(pid)["model_version"]
    assert base.startswith("labelops-cls-"), base
    # six annotated images, each with its shape's class, and one whose annotator chose two classes
    for task_id, (_, [shape]) in zip(task_ids[:6], images, strict=False):
        ls_client.create_annotation(task_id, _choice(shape.label.capitalize()))
    ls_client.create_annotation(task_ids[6], _choice("Circle", "Square"))
    httpx.post(f"{image_backend.url}/webhook", json={"action": "START_TRAINING", "project": {"id": pid}}, timeout=30)
    history = wait_for_runs(image_backend.url, pid, 1, timeout=240)
    run = history[-1]
    assert run["event"] == "trained", history
    v1 = f"labelops-p{pid}-v1"
    kind = run["controls"]["kind"]
    assert run["model_version"] == v1 and run["annotated_tasks"] == 7
    assert kind["kind"] == "classifier" and kind["examples"] == 6 and kind["held_out"] is True
    assert 0.0 <= kind["validation_accuracy"] <= 1.0  # top-1 on the held-out image(s)
    assert kind["skipped"] == {"several choices (YOLO-cls learns one class per image)": 1}
    assert ls_client.project(pid)["model_version"] == v1 and _setup_version(image_backend, pid, CLASS_CONFIG) == v1
    for pred in _served(ls_client, pid, task_ids[7:], v1):
        [region] = pred["result"]
        assert region["type"] == "choices" and region["value"]["choices"][0] in LABELS
        assert 0.0 <= pred["score"] <= 1.0
