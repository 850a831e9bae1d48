"""`--format csv`: one row per task (result.csv) as the SDK's converter writes Label Studio's CSV export.

Columns: the task data, one per label control (a single choice as its name, anything else as JSON), the
converter's annotation columns (`annotator` says which rule made the final: `labelops:majority` ...), and
`weight` and `snapshot`, which labelops adds to each task's data before converting (a task data field of
either name is replaced in the CSV). Without --split, DIR holds result.csv; with it, DIR/<split>/result.csv.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sdk_scripts.formats.base import Dataset, ExportOptions, FormatWriter, WriteSummary
from sdk_scripts.formats.convert import convert
from sdk_scripts.formats.items import ALL, ls_task, split, trainable, weight
from sdk_scripts.formats.schema import LabelSchema

log = logging.getLogger(__name__)
COLUMNS = ("weight", "snapshot")


def _data(record: dict, snapshot: str | None) -> dict:
    clashes = [c for c in COLUMNS if c in record["data"]]
    if clashes:
        log.warning("labelops: task %s: its data field(s) %s are replaced by labelops' columns in the CSV",
                    record["task"], ", ".join(clashes))
    return {**record["data"], "weight": weight(record), "snapshot": snapshot or ""}


class CsvWriter(FormatWriter):
    name = "csv"
    description = "one CSV row per task (Label Studio's CSV export) with weight and snapshot columns"

    @classmethod
    def fits(cls, schema: LabelSchema) -> bool:
        return "CSV" in schema.converter_formats

    def write(self, dataset: Dataset, options: ExportOptions, out: Path) -> WriteSummary:
        schema = LabelSchema.from_config(dataset.label_config)
        records, left_out = trainable(dataset.records)
        counts = {}
        for split_name, rows in split(records, options.ratios, options.seed, options.stratify).items():
            folder = out if split_name == ALL else out / split_name
            convert(schema, [ls_task(r, _data(r, dataset.snapshot)) for r in rows], folder, "CSV")
            counts[split_name] = len(rows)
        return WriteSummary(counts, left_out, ["result.csv"])
