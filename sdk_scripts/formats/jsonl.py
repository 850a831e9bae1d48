"""`--format jsonl` (the default): labelops' own records, one JSON line per task, as `export` always wrote them.

FILE holds every task that is not quarantined, quarantined ones go to `<FILE stem>.quarantine.jsonl`, and
`--split` writes `<FILE stem>.<name>.jsonl` beside it. Each record is `review.export`'s, plus `weight` (its
training weight) and `snapshot` (the id `labelops dataset snapshot` gives the same data). Files are
replaced one by one, each atomically.
"""

from __future__ import annotations

import json
from pathlib import Path

from sdk_scripts.fileio import write_text_atomically
from sdk_scripts.formats.base import Dataset, ExportOptions, FormatWriter, WriteSummary
from sdk_scripts.formats.items import ALL, weight
from sdk_scripts.formats.schema import LabelSchema


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def with_provenance(record: dict, snapshot: str | None) -> dict:
    """The record with its `weight` and the `snapshot` id it belongs to."""
    return {**record, "weight": weight(record), "snapshot": snapshot}


def _shares(rows: list[dict]) -> str:
    from sdk_scripts.governance.imbalance import imbalance

    return ", ".join(f"{r['label']} {r['count']}" for control in imbalance(rows, 0).values() for r in control)


class JsonlWriter(FormatWriter):
    name = "jsonl"
    description = "labelops' records, one JSON line per task (the default; --out is a file)"
    writes_dir = False
    any_config = True

    @classmethod
    def fits(cls, schema: LabelSchema) -> bool:
        return True

    def write(self, dataset: Dataset, options: ExportOptions, out: Path) -> WriteSummary:
        records = [with_provenance(r, dataset.snapshot) for r in dataset.records]
        kept = [r for r in records if r["state"] != "quarantined"]
        held = [r for r in records if r["state"] == "quarantined"]
        quarantine = out.with_name(f"{out.stem}.quarantine.jsonl")
        for target, rows in ((out, kept), (quarantine, held)):
            write_text_atomically(target, _jsonl(rows))
        summary = WriteSummary({ALL: len(kept)}, files=[str(out), str(quarantine)])
        summary.notes.append(f"exported {len(kept)} tasks to {out}; {len(held)} quarantined to {quarantine}")
        if options.ratios:
            from sdk_scripts.governance.imbalance import stratified_split

            for name, rows in stratified_split(kept, options.ratios, options.seed, options.stratify).items():
                target = out.with_name(f"{out.stem}.{name}.jsonl")
                write_text_atomically(target, _jsonl(rows))
                summary.files.append(str(target))
                summary.notes.append(f"  {name}: {len(rows)} tasks -> {target} ({_shares(rows) or 'no labels'})")
        return summary
