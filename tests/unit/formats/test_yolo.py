"""`--format yolo`: data.yaml, the split (never an empty val), labels through the converter, weights.json, and
ultralytics training one epoch on the export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from ml_backend.training.shapes import CLASSES
from sdk_scripts.errors import LabelopsError
from sdk_scripts.formats.base import Dataset, ExportOptions
from sdk_scripts.formats.export import ExportResult, export_dataset
from tests.support.formats import BOX_CONFIG, SIZE, record, serve_images, shape_records, train_one_epoch


def _yolo_line_box(line: str) -> tuple[str, tuple[float, float, float, float]]:
    cls, cx, cy, w, h = line.split()
    cx, cy, w, h = (float(v) * SIZE for v in (cx, cy, w, h))
    return CLASSES[int(cls)], (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict], list, ExportResult]:
    root = tmp_path_factory.mktemp("yolo")
    records, shapes = shape_records(root / "media", 8)
    missing = record(90, {"image": "/data/upload/1/gone.png"}, [])
    held = record(91, {"image": "/data/upload/1/shape0.png"}, None, state="quarantined")
    pending = record(92, {"image": "/data/upload/1/shape1.png"}, None, state="pending")
    dataset = Dataset(records + [missing, held, pending], BOX_CONFIG, "snap0123456789ab", 7)
    result = export_dataset(dataset, "yolo", root / "out", ExportOptions(seed=3, fetch=serve_images(root / "media")))
    return root / "out", records, shapes, result


def test_the_export_is_an_ultralytics_data_set_with_its_split(exported) -> None:
    out, records, shapes, result = exported
    spec = yaml.safe_load((out / "data.yaml").read_text())
    assert spec == {"train": "images/train", "val": "images/val", "names": dict(enumerate(CLASSES))}
    train, val = sorted((out / "images/train").iterdir()), sorted((out / "images/val").iterdir())
    assert len(train) + len(val) == 8 and len(val) >= 1
    assert result.summary.splits == {"train": len(train), "val": len(val)}
    for image in train + val:
        assert (out / "labels" / image.parent.name / f"{image.stem}.txt").is_file()
    # the labels are the finals' boxes, as the converter writes YOLO lines
    by_task = {r["task"]: s for r, s in zip(records, shapes, strict=True)}
    for image in train + val:
        lines = (out / "labels" / image.parent.name / f"{image.stem}.txt").read_text().splitlines()
        truth = by_task[int(image.name.split("-")[0])]
        assert sorted(label for label, _ in map(_yolo_line_box, lines)) == sorted(s.label for s in truth)
        for (_, got), want in zip(sorted(map(_yolo_line_box, lines), key=lambda lb: lb[1]),
                                  sorted(s.box for s in truth), strict=True):
            assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 0.01


def test_unfetchable_images_and_tasks_without_a_final_are_listed_and_left_out(exported) -> None:
    out, _, _, result = exported
    reasons = {item.task: item.reason for item in result.summary.left_out}
    assert reasons == {90: "image not fetched: HTTP 404 fetching media",
                       92: "no final label yet (pending, no consensus)"}  # 91 is quarantined: never in a split
    manifest = json.loads((out / "export.json").read_text())
    assert manifest["format"] == "yolo" and manifest["snapshot"] == "snap0123456789ab" and manifest["project"] == 7
    assert {item["task"] for item in manifest["left_out"]} == {90, 92}
    assert not [p for p in out.rglob("*") if p.name.startswith(("90-", "91-", "92-"))]


def test_weights_sidecar_is_keyed_by_image_file_name(exported) -> None:
    out, records, _, _ = exported
    sidecar = json.loads((out / "weights.json").read_text())
    assert sidecar["snapshot"] == "snap0123456789ab"
    weights = {r["task"]: r["weight"] for r in records}
    assert len(sidecar["images"]) == 8
    for name, entry in sidecar["images"].items():
        assert (out / "images" / entry["split"] / name).is_file()
        assert entry["weight"] == weights[entry["task"]] and name.startswith(f"{entry['task']}-")


def test_ultralytics_trains_one_epoch_on_the_export(exported, tmp_path: Path, monkeypatch) -> None:
    out = exported[0]
    monkeypatch.setenv("YOLO_CONFIG_DIR", str(tmp_path / "ultralytics"))
    metrics = train_one_epoch(out / "data.yaml", tmp_path)
    assert metrics is not None and 0.0 <= float(metrics.box.map50) <= 1.0
    assert (tmp_path / "runs" / "export" / "weights" / "last.pt").is_file()


def test_val_is_never_empty_and_one_image_is_a_clear_error(tmp_path: Path) -> None:
    records, _ = shape_records(tmp_path / "media", 2)
    fetch = serve_images(tmp_path / "media")
    options = ExportOptions(ratios={"train": 0.99, "val": 0.01}, fetch=fetch)
    result = export_dataset(Dataset(records, BOX_CONFIG), "yolo", tmp_path / "two", options)
    assert result.summary.splits == {"train": 1, "val": 1}
    with pytest.raises(LabelopsError, match=r"needs at least 2 items \(train, val: one each\); 1 could be exported"):
        export_dataset(Dataset(records[:1], BOX_CONFIG), "yolo", tmp_path / "one", ExportOptions(fetch=fetch))
    assert not (tmp_path / "one").exists()  # nothing half-written is left behind
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("ratios", [{"train": 0.5, "test": 0.5}, {"train": 0.5, "val": 0.3, "holdout": 0.2}])
def test_yolo_splits_are_train_val_and_test(tmp_path: Path, ratios: dict) -> None:
    with pytest.raises(LabelopsError, match="the splits are train, val and optionally test"):
        export_dataset(Dataset([], BOX_CONFIG), "yolo", tmp_path / "x", ExportOptions(ratios=ratios))


def test_a_test_split_is_written_and_named_in_data_yaml(tmp_path: Path) -> None:
    records, _ = shape_records(tmp_path / "media", 6)
    options = ExportOptions(ratios={"train": 0.5, "val": 0.25, "test": 0.25}, fetch=serve_images(tmp_path / "media"))
    result = export_dataset(Dataset(records, BOX_CONFIG), "yolo", tmp_path / "out", options)
    spec = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
    assert spec["test"] == "images/test" and sum(result.summary.splits.values()) == 6
    assert len(list((tmp_path / "out" / "images" / "test").iterdir())) == result.summary.splits["test"] >= 1
