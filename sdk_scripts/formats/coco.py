"""`--format coco`: COCO detection JSON (result.json) beside its images/, through the SDK's converter.

Without --split, DIR holds result.json, images/ and weights.json; with it, DIR/<split>/ holds each.
`images[].file_name` is relative to the folder of result.json (`images/<task>-<name>.<ext>`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sdk_scripts.formats.base import Dataset, ExportOptions, FormatWriter, WriteSummary
from sdk_scripts.formats.image_sets import write_image_splits
from sdk_scripts.formats.schema import LabelSchema


def relative_file_names(folder: Path, images: dict[str, Path]) -> None:
    """The converter names each image by the path it was given (absolute here): make them relative to `folder`,
    so the export can move."""
    path = folder / "result.json"
    coco = json.loads(path.read_text(encoding="utf-8"))
    for image in coco.get("images", []):
        name = str(image.get("file_name") or "")
        if os.path.isabs(name):
            image["file_name"] = os.path.relpath(name, folder.resolve())
    path.write_text(json.dumps(coco, indent=2, ensure_ascii=False), encoding="utf-8")


class CocoWriter(FormatWriter):
    name = "coco"
    description = "COCO JSON with its images, weights.json"

    @classmethod
    def fits(cls, schema: LabelSchema) -> bool:
        return "COCO" in schema.converter_formats

    def write(self, dataset: Dataset, options: ExportOptions, out: Path) -> WriteSummary:
        summary = write_image_splits(dataset, options, out, "COCO", relative_file_names)
        summary.files = ["result.json", "weights.json"]
        return summary
