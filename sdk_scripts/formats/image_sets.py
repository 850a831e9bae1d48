"""Image formats written one folder per split (COCO, Pascal VOC): images fetched in, the converter run on them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sdk_scripts.formats.base import Dataset, ExportOptions, LeftOut, WriteSummary
from sdk_scripts.formats.convert import convert
from sdk_scripts.formats.images import fetch_images
from sdk_scripts.formats.items import ALL, ls_task, split, trainable
from sdk_scripts.formats.schema import SHAPE_TAGS, LabelSchema
from sdk_scripts.formats.sidecar import write_weights

# After the converter wrote a split's folder: fix what it wrote (folder, {image file name: absolute path}).
AfterConvert = Callable[[Path, dict[str, Path]], None]


def write_image_splits(dataset: Dataset, options: ExportOptions, out: Path, converter_format: str,
                       after: AfterConvert | None = None) -> WriteSummary:
    """Each split (or `out` itself without --split) as a folder holding images/, the converter's files for
    `converter_format` and weights.json keyed by image file name."""
    schema = LabelSchema.from_config(dataset.label_config)
    shapes = LabelSchema(schema.of(SHAPE_TAGS, on="Image"), {})
    key = shapes.data_key(shapes.controls) or ""
    records, left_out = trainable(dataset.records)
    counts: dict[str, int] = {}
    failed: list[LeftOut] = []
    for split_name, rows in split(records, options.ratios, options.seed, options.stratify).items():
        folder = out if split_name == ALL else out / split_name
        fetched, missing = fetch_images(options.fetch, rows, key, folder / "images")
        failed += missing
        kept = [r for r in rows if r["task"] in fetched]
        items = [ls_task(r, {**r["data"], key: str(fetched[r["task"]].path.resolve())}) for r in kept]
        convert(shapes, items, folder, converter_format)
        if after is not None:
            after(folder, {fetched[r["task"]].path.name: fetched[r["task"]].path.resolve() for r in kept})
        write_weights(folder, dataset, {fetched[r["task"]].path.name: (r, split_name) for r in kept})
        counts[split_name] = len(kept)
    return WriteSummary(counts, left_out + failed)
