"""`--format coco`: the converter's COCO JSON beside its images, read back with pycocotools."""

from __future__ import annotations

import json
from pathlib import Path

from pycocotools.coco import COCO

from ml_backend.training.shapes import CLASSES
from sdk_scripts.formats.base import Dataset, ExportOptions
from sdk_scripts.formats.export import export_dataset
from tests.support.formats import BOX_CONFIG, record, serve_images, shape_records


def test_pycocotools_reads_the_boxes_images_and_categories(tmp_path: Path) -> None:
    records, shapes = shape_records(tmp_path / "media", 4)
    missing = record(50, {"image": "/data/upload/1/gone.png"}, [])
    dataset = Dataset(records + [missing], BOX_CONFIG, "snapcoco")
    result = export_dataset(dataset, "coco", tmp_path / "out", ExportOptions(fetch=serve_images(tmp_path / "media")))
    assert result.summary.splits == {"all": 4} and [i.task for i in result.summary.left_out] == [50]

    coco = COCO(str(tmp_path / "out" / "result.json"))
    assert [coco.cats[i]["name"] for i in sorted(coco.cats)] == list(CLASSES)
    assert len(coco.imgs) == 4
    for image_id, image in coco.imgs.items():
        assert (tmp_path / "out" / image["file_name"]).is_file()  # relative to result.json
        task = int(Path(image["file_name"]).name.split("-")[0])
        truth = shapes[task - 100]
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[image_id]))
        got = sorted((coco.cats[a["category_id"]]["name"], *a["bbox"]) for a in anns)
        want = sorted((s.label, s.box[0], s.box[1], s.box[2] - s.box[0], s.box[3] - s.box[1]) for s in truth)
        assert [g[0] for g in got] == [w[0] for w in want]
        assert all(abs(a - b) < 0.01 for g, w in zip(got, want, strict=True) for a, b in zip(g[1:], w[1:], strict=True))
    weights = json.loads((tmp_path / "out" / "weights.json").read_text())
    assert weights["snapshot"] == "snapcoco"
    assert {entry["task"] for entry in weights["images"].values()} == {100, 101, 102, 103}
    assert {Path(i["file_name"]).name for i in coco.imgs.values()} == set(weights["images"])


def test_with_a_split_each_split_is_a_coco_folder(tmp_path: Path) -> None:
    records, _ = shape_records(tmp_path / "media", 6)
    options = ExportOptions(ratios={"train": 0.5, "test": 0.5}, fetch=serve_images(tmp_path / "media"))
    result = export_dataset(Dataset(records, BOX_CONFIG), "coco", tmp_path / "out", options)
    assert result.summary.splits == {"train": 3, "test": 3}
    for name in ("train", "test"):
        coco = COCO(str(tmp_path / "out" / name / "result.json"))
        assert len(coco.imgs) == 3
        assert all((tmp_path / "out" / name / i["file_name"]).is_file() for i in coco.imgs.values())
        assert len(json.loads((tmp_path / "out" / name / "weights.json").read_text())["images"]) == 3
