"""`--format conll2003`: named-entity spans as CoNLL 2003 token lines (result.conll), through the SDK's converter.

One `token -X- _ tag` line per token (BIO tags from the final's spans, the converter's tokenizer), a blank line
between documents. Without --split, DIR holds result.conll and weights.json (`items`: the n-th document's
task, weight and split); with it, DIR/<split>/ holds each.
"""

from __future__ import annotations

from pathlib import Path

from sdk_scripts.formats.base import Dataset, ExportOptions, FormatWriter, WriteSummary
from sdk_scripts.formats.convert import convert
from sdk_scripts.formats.items import ALL, ls_task, split, trainable
from sdk_scripts.formats.schema import LabelSchema
from sdk_scripts.formats.sidecar import write_item_weights


class Conll2003Writer(FormatWriter):
    name = "conll2003"
    description = "CoNLL 2003 BIO token lines for text spans, weights.json"

    @classmethod
    def fits(cls, schema: LabelSchema) -> bool:
        return "CONLL2003" in schema.converter_formats

    def write(self, dataset: Dataset, options: ExportOptions, out: Path) -> WriteSummary:
        spans = LabelSchema(LabelSchema.from_config(dataset.label_config).of(("Labels",), on="Text"), {})
        records, left_out = trainable(dataset.records)
        counts = {}
        for split_name, rows in split(records, options.ratios, options.seed, options.stratify).items():
            folder = out if split_name == ALL else out / split_name
            convert(spans, [ls_task(r) for r in rows], folder, "CONLL2003")
            write_item_weights(folder, dataset, [(r, split_name) for r in rows])
            counts[split_name] = len(rows)
        return WriteSummary(counts, left_out, ["result.conll", "weights.json"])
