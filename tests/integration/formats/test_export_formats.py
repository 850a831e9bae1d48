"""`labelops dataset export --format yolo|hf` against a real Label Studio project, read back by the trainers:
3 annotators' jittered boxes on uploaded images -> YOLO (fused finals, data.yaml, split) -> ultralytics trains
one epoch; a sentiment project -> `datasets.load_from_disk`."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from ml_backend.training.shapes import CLASSES, Shape, make_image
from tests.support.cli import one_error_line
from tests.support.formats import BOX_CONFIG, SIZE, box, choice, train_one_epoch
from tests.support.labelstudio import annotator_sdk, unique_title

N_IMAGES = 6
JITTER = (-1.0, 0.0, 1.0)  # each annotator's shift in pixels: their mean is the true box


def _shifted(shape: Shape, dx: float, dy: float, label: str | None = None) -> Shape:
    x0, y0, x1, y1 = shape.box
    return Shape(label or shape.label, (x0 + dx, y0 + dy, x1 + dx, y1 + dy))


def _yolo_boxes(path: Path) -> list[tuple[str, tuple[float, float, float, float]]]:
    out = []
    for line in path.read_text().splitlines():
        cls, cx, cy, w, h = line.split()
        cx, cy, w, h = (float(v) * SIZE for v in (cx, cy, w, h))
        out.append((CLASSES[int(cls)], (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)))
    return sorted(out, key=lambda item: item[1])


@pytest.fixture
def box_project(ls_client, label_studio, annotators, tmp_path: Path):
    """Uploaded shape images, each boxed by three annotators with a pixel of jitter; on the first image the first
    annotator names one shape differently and draws a box nobody else saw; one task's image is not in Label
    Studio. Returns the project id, {task id: true shapes} and the task whose image is missing."""
    project = ls_client.create_project(title=unique_title("Export boxes"), label_config=BOX_CONFIG,
                                       maximum_annotations=3, overlap_cohort_percentage=100)
    pid = project["id"]
    rng = random.Random(11)
    paths, truths = [], []
    for i in range(N_IMAGES):
        img, shapes = make_image(rng, size=SIZE, max_shapes=2)
        img.save(tmp_path / f"shape{i}.png")
        paths.append(tmp_path / f"shape{i}.png")
        truths.append(shapes)
    ids = ls_client.upload_files(pid, [str(p) for p in paths])
    [missing] = ls_client.import_tasks(pid, [{"data": {"image": f"/data/upload/{pid}/not-uploaded.png"}}])
    clients = [annotator_sdk(label_studio, a) for a in annotators]
    for index, task_id in enumerate([*ids, missing]):
        shapes = truths[index] if index < N_IMAGES else truths[0]
        for who, client in enumerate(clients):
            drawn = [_shifted(s, JITTER[who], -JITTER[who]) for s in shapes]
            if index == 0 and who == 0:  # the first (the old rule's representative) is the odd one out
                other = next(c for c in CLASSES if c != shapes[0].label)
                drawn = [_shifted(shapes[0], 1, 1, other), *drawn[1:], Shape("circle", (1.0, 1.0, 9.0, 9.0))]
            client.annotations.create(task_id, result=[box(s) for s in drawn])
    return pid, dict(zip(ids, truths, strict=True)), missing


def test_yolo_export_of_fused_boxes_trains_ultralytics(box_project, run_cli, tmp_path: Path, monkeypatch) -> None:
    pid, truths, missing = box_project
    out = tmp_path / "yolo"
    result = run_cli("dataset", "export", pid, "--format", "yolo", "--out", out, "--split", "train:0.7,val:0.3",
                     "--seed", "2")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(f"exported {N_IMAGES} tasks as yolo to {out} (train ")
    assert lines[1] == f"1 task left out (listed in {out / 'export.json'}):"
    assert lines[2].startswith(f"  task {missing}: image not fetched: HTTP ")  # Label Studio answers 500 here

    spec = yaml.safe_load((out / "data.yaml").read_text())
    assert spec["names"] == dict(enumerate(CLASSES)) and (spec["train"], spec["val"]) == ("images/train", "images/val")
    images = {p.name: p for split in ("train", "val") for p in (out / "images" / split).iterdir()}
    assert len(images) == N_IMAGES and list((out / "images" / "val").iterdir())
    weights = json.loads((out / "weights.json").read_text())
    assert set(weights["images"]) == set(images) and weights["snapshot"]
    for name, entry in weights["images"].items():
        truth = sorted(truths[entry["task"]], key=lambda s: s.box)
        found = _yolo_boxes(out / "labels" / entry["split"] / f"{Path(name).stem}.txt")
        # one box per object (the first annotator's lone box is below the quorum), the majority label,
        # within 2 px of the annotators' mean (the true box)
        assert [label for label, _ in found] == [s.label for s in truth], name
        for (_, got), want in zip(found, truth, strict=True):
            assert max(abs(a - b) for a, b in zip(got, want.box, strict=True)) <= 2, (name, got, want.box)
        assert 0 < entry["weight"] <= 1

    monkeypatch.setenv("YOLO_CONFIG_DIR", str(tmp_path / "ultralytics"))
    metrics = train_one_epoch(out / "data.yaml", tmp_path / "train")
    assert 0.0 <= float(metrics.box.map50) <= 1.0

    again = run_cli("dataset", "export", pid, "--format", "yolo", "--out", out, "--seed", "2")
    assert again.code == 0, again.err  # a rerun replaces the export whole
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_hf_export_of_a_text_project_loads_with_class_labels(ls_client, label_studio, annotators, run_cli,
                                                             tmp_path: Path) -> None:
    from datasets import ClassLabel, load_from_disk

    from sdk_scripts.label_config_library import read_config

    project = ls_client.create_project(title=unique_title("Export text"), label_config=read_config("text_sentiment"),
                                       maximum_annotations=3, overlap_cohort_percentage=100)
    pid = project["id"]
    plan = [("lovely day", "positive"), ("so so", "neutral"), ("terrible", "negative"), ("great", "positive")]
    ids = ls_client.import_tasks(pid, [{"data": {"text": text}} for text, _ in plan])
    for who, client in enumerate(annotator_sdk(label_studio, a) for a in annotators):
        for task_id, (_, label) in zip(ids, plan, strict=True):
            picked = "neutral" if (who == 2 and label == "positive") else label  # outvoted
            client.annotations.create(task_id, result=[choice("sentiment", picked)])

    refused = run_cli("dataset", "export", pid, "--format", "yolo", "--out", tmp_path / "no")
    assert one_error_line(refused.err, refused.code) == (
        "labelops: error: --format yolo does not fit this project's labels (Choices on Text); formats that fit: "
        "jsonl, hf, csv")

    result = run_cli("export", pid, "--format", "hf", "--out", tmp_path / "hf")  # the older name
    assert result.code == 0, result.err
    data = load_from_disk(str(tmp_path / "hf"))
    rows = {row["task"]: row for row in data["train"]}
    label = data["train"].features["label"]
    assert isinstance(label, ClassLabel) and label.names == ["positive", "neutral", "negative"]
    assert {task: label.int2str(rows[task]["label"]) for task in ids} == {t: lab for t, (_, lab) in zip(ids, plan,
                                                                                                       strict=True)}
    assert all(0 < rows[task]["weight"] <= 1 and rows[task]["snapshot"] for task in ids)

    jsonl = run_cli("dataset", "export", pid, "--out", tmp_path / "final.jsonl")
    assert jsonl.code == 0, jsonl.err
    records = [json.loads(line) for line in (tmp_path / "final.jsonl").read_text().splitlines()]
    assert {r["snapshot"] for r in records} == {rows[ids[0]]["snapshot"]} and all("weight" in r for r in records)
