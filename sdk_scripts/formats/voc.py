"""`--format voc`: Pascal VOC XML (Annotations/<name>.xml) beside its images/, through the SDK's converter.

Without --split, DIR holds Annotations/, images/ and weights.json; with it, DIR/<split>/ holds each.
"""

from __future__ import annotations

from pathlib import Path

from sdk_scripts.formats.base import Dataset, ExportOptions, FormatWriter, WriteSummary
from sdk_scripts.formats.image_sets import write_image_splits
from sdk_scripts.formats.schema import LabelSchema


class VocWriter(FormatWriter):
    name = "voc"
    description = "Pascal VOC XML with its images, weights.json"

    @classmethod
    def fits(cls, schema: LabelSchema) -> bool:
        return "VOC" in schema.converter_formats

    def write(self, dataset: Dataset, options: ExportOptions, out: Path) -> WriteSummary:
        summary = write_image_splits(dataset, options, out, "VOC")
        summary.files = ["Annotations/", "weights.json"]
        return summary
