"""`--format yolo`: an ultralytics data set (images/ and labels/ per split, data.yaml) through the SDK's converter.

Layout of DIR:

    data.yaml                 names, and train / val (/ test) image folders relative to DIR
    classes.txt, notes.json   the converter's class list and categories
    images/<split>/<task>-<name>.<ext>
    labels/<split>/<task>-<name>.txt      one `class cx cy w h` line per box (the converter's YOLO lines)
    weights.json              {"snapshot", "images": {file name: {"task", "weight", "split"}}}
    export.json               provenance, and the tasks left out with their reasons

Splits are `--split` (names train, val, test; default train:0.8,val:0.2), stratified like the JSONL
splits; train and val always get at least one image (ultralytics refuses an empty validation set).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from sdk_scripts.errors import LabelopsError
from sdk_scripts.formats.base import Dataset, ExportOptions, FormatWriter, WriteSummary
from sdk_scripts.formats.convert import convert
from sdk_scripts.formats.images import fetch_images
from sdk_scripts.formats.items import ensure_non_empty, ls_task, split, trainable
from sdk_scripts.formats.schema import SHAPE_TAGS, LabelSchema
from sdk_scripts.formats.sidecar import write_weights

SPLITS = ("train", "val", "test")
DEFAULT_SPLIT = {"train": 0.8, "val": 0.2}


def _ratios(given: dict[str, float] | None) -> dict[str, float]:
    ratios = given or DEFAULT_SPLIT
    wrong = [name for name in ratios if name not in SPLITS]
    if wrong or not {"train", "val"} <= set(ratios):
        raise LabelopsError(f"--split for yolo: the splits are train, val and optionally test (ultralytics' "
                            f"data.yaml), got {', '.join(ratios)}")
    return ratios


def _data_yaml(out: Path, splits: list[str], names: list[str]) -> Path:
    spec: dict = {name: f"images/{name}" for name in SPLITS if name in splits}
    spec["names"] = dict(enumerate(names))
    path = out / "data.yaml"
    path.write_text("# ultralytics data set written by `labelops dataset export --format yolo`; paths are relative "
                    "to this file's folder\n" + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    return path


def _sort_labels(out: Path, placed: dict[str, tuple[dict, str]]) -> None:
    """Move the converter's label files (one folder) to labels/<split>/ beside their images (an image the
    converter wrote no file for gets an empty one: no objects)."""
    for name, (_, split_name) in placed.items():
        folder = out / "labels" / split_name
        folder.mkdir(parents=True, exist_ok=True)
        written = out / ".labels" / f"{Path(name).stem}.txt"
        if written.exists():
            os.replace(written, folder / written.name)
        else:
            (folder / written.name).touch()
    shutil.rmtree(out / ".labels", ignore_errors=True)


class YoloWriter(FormatWriter):
    name = "yolo"
    description = "ultralytics YOLO: images/ and labels/ per split, data.yaml, weights.json"

    @classmethod
    def fits(cls, schema: LabelSchema) -> bool:
        return "YOLO" in schema.converter_formats

    @classmethod
    def check_options(cls, options: ExportOptions) -> None:
        _ratios(options.ratios)

    def write(self, dataset: Dataset, options: ExportOptions, out: Path) -> WriteSummary:
        ratios = _ratios(options.ratios)
        schema = LabelSchema.from_config(dataset.label_config)
        shapes = LabelSchema(schema.of(SHAPE_TAGS, on="Image"), {})
        key = shapes.data_key(shapes.controls) or ""
        records, left_out = trainable(dataset.records)
        fetched, failed = fetch_images(options.fetch, records, key, out / "images")
        splits = split([r for r in records if r["task"] in fetched], ratios, options.seed, options.stratify)
        splits = ensure_non_empty(splits, ("train", "val"), "a YOLO data set (ultralytics refuses an empty "
                                                           "train or val split)")
        items, placed = [], {}
        for split_name, rows in splits.items():
            (out / "images" / split_name).mkdir(parents=True, exist_ok=True)
            for record in rows:
                image = fetched[record["task"]].path
                moved = image.parent / split_name / image.name
                os.replace(image, moved)
                items.append(ls_task(record, {**record["data"], key: str(moved.resolve())}))
                placed[moved.name] = (record, split_name)
        convert(shapes, items, out, "YOLO", label_dir=str(out / ".labels"))
        _sort_labels(out, placed)
        names = (out / "classes.txt").read_text(encoding="utf-8").splitlines()
        _data_yaml(out, list(splits), names)
        write_weights(out, dataset, placed)
        return WriteSummary({name: len(rows) for name, rows in splits.items()}, left_out + failed,
                            ["data.yaml", "classes.txt", "weights.json"])
