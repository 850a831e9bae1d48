"""`--format hf`: a Hugging Face `datasets` DatasetDict saved to disk (`datasets.load_from_disk(DIR)`).

One split per `--split` name (`train` alone without it). Columns: `task` (int64), `text` (the Text tag's
data), per text-classification control a label column — `label` when there is one, else the control's
name — a `ClassLabel` over the config's choices (-1: no choice made) or, for `choice="multiple"`, a sequence
of them; per span control (`Labels`) `tokens` and `ner_tags` (`<control>_tags` when there are several),
BIO tags as a `ClassLabel` sequence, tokenized as the converter's CoNLL export does; `weight` (float32) and
`snapshot` (the dataset's snapshot id). A record whose label is not among the config's is left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sdk_scripts.extras import require_extra
from sdk_scripts.formats.base import Dataset, ExportOptions, FormatWriter, LeftOut, WriteSummary
from sdk_scripts.formats.items import ALL, final_regions, split, trainable, weight
from sdk_scripts.formats.schema import LabelSchema


class Columns:
    """The columns of the data set for a config: their features, and one row from a record."""

    def __init__(self, schema: LabelSchema) -> None:
        self.choices = schema.of(("Choices",), on="Text")
        self.spans = schema.of(("Labels",), on="Text")
        self.multiple = {name for name in self.choices if schema.choice.get(name) == "multiple"}
        self.text_key = schema.data_key({**self.choices, **self.spans}) or ""
        self.label_column = {name: "label" if len(self.choices) == 1 else name for name in self.choices}
        self.tag_column = {name: "ner_tags" if len(self.spans) == 1 else f"{name}_tags" for name in self.spans}
        self.tags = {name: ["O"] + [f"{p}-{label}" for label in info["labels"] for p in "BI"]
                     for name, info in self.spans.items()}

    def features(self) -> Any:
        from datasets import ClassLabel, Features, Sequence, Value

        columns: dict[str, Any] = {"task": Value("int64"), "text": Value("string")}
        for name, info in self.choices.items():
            label = ClassLabel(names=list(info["labels"]))
            columns[self.label_column[name]] = Sequence(label) if name in self.multiple else label
        if self.spans:
            columns["tokens"] = Sequence(Value("string"))
        for name in self.spans:
            columns[self.tag_column[name]] = Sequence(ClassLabel(names=self.tags[name]))
        columns.update(weight=Value("float32"), snapshot=Value("string"))
        return Features(columns)

    def _choices(self, regions: list[dict], name: str, info: dict) -> int | list[int]:
        chosen = [c for r in regions if r.get("from_name") == name for c in (r.get("value") or {}).get("choices", [])]
        ids = [info["labels"].index(c) for c in chosen]  # ValueError: not among the config's choices
        return ids if name in self.multiple else (ids[0] if ids else -1)

    def row(self, record: dict, snapshot: str | None) -> dict:
        """The record's row; ValueError when a label is not among the config's."""
        from label_studio_sdk.converter.utils import create_tokens_and_tags

        regions = final_regions(record)
        text = str(record["data"].get(self.text_key) or "")
        row: dict[str, Any] = {"task": record["task"], "text": text}
        for name, info in self.choices.items():
            row[self.label_column[name]] = self._choices(regions, name, info)
        for name in self.spans:
            spans = [r["value"] for r in regions if r.get("from_name") == name and r.get("value")]
            tokens, tags = create_tokens_and_tags(text, spans or None)
            row["tokens"] = tokens
            row[self.tag_column[name]] = [self.tags[name].index(t) for t in tags]
        row.update(weight=weight(record), snapshot=snapshot or "")
        return row


def _save_quietly(data: Any, out: Path) -> None:
    """`save_to_disk` without its progress bars on the command's stderr."""
    from datasets.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        data.save_to_disk(str(out))
    finally:
        if shown:
            hf_logging.enable_progress_bar()


class HfWriter(FormatWriter):
    name = "hf"
    description = "a Hugging Face DatasetDict (save_to_disk): text with ClassLabel ids, or tokens with BIO tags"

    @classmethod
    def fits(cls, schema: LabelSchema) -> bool:
        labelled = {**schema.of(("Choices",), on="Text"), **schema.of(("Labels",), on="Text")}
        return bool(labelled) and schema.data_key(labelled) is not None

    def write(self, dataset: Dataset, options: ExportOptions, out: Path) -> WriteSummary:
        require_extra("export", "`labelops dataset export --format hf`")
        from datasets import Dataset as HfDataset
        from datasets import DatasetDict

        columns = Columns(LabelSchema.from_config(dataset.label_config))
        records, left_out = trainable(dataset.records)
        rows: dict[int, dict] = {}
        for record in records:
            try:
                rows[record["task"]] = columns.row(record, dataset.snapshot)
            except ValueError:
                left_out.append(LeftOut(record["task"], "a label that is not among the labeling config's"))
        splits = split([r for r in records if r["task"] in rows], options.ratios, options.seed, options.stratify)
        features = columns.features()
        parts = {("train" if name == ALL else name): HfDataset.from_list([rows[r["task"]] for r in members],
                                                                        features=features)
                 for name, members in splits.items()}
        _save_quietly(DatasetDict(parts), out)
        return WriteSummary({name: len(part) for name, part in parts.items()}, left_out, ["dataset_dict.json"])
