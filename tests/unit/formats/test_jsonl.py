"""`--format jsonl` (the default): the records as before, plus weight and snapshot; quarantine and split files."""

from __future__ import annotations

import json
from pathlib import Path

from sdk_scripts.formats.base import Dataset, ExportOptions
from sdk_scripts.formats.export import export_dataset
from sdk_scripts.label_config_library import read_config
from tests.support.formats import choice, record


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_jsonl_keeps_its_files_and_adds_weight_and_snapshot(tmp_path: Path) -> None:
    records = [record(i, {"text": str(i)}, [choice("sentiment", "positive" if i % 2 else "negative")],
                      weight=None if i == 1 else 0.5) for i in range(1, 7)]
    records.append(record(9, {"text": "held"}, None, state="quarantined"))
    out = tmp_path / "final.jsonl"
    result = export_dataset(Dataset(records, read_config("text_sentiment"), "snapjsonl"), "jsonl", out,
                            ExportOptions(ratios={"train": 0.5, "test": 0.5}, stratify=True))
    kept = _lines(out)
    assert [r["task"] for r in kept] == [1, 2, 3, 4, 5, 6]
    assert [r["task"] for r in _lines(tmp_path / "final.quarantine.jsonl")] == [9]
    assert kept[0]["weight"] == 0.9 and kept[1]["weight"] == 0.5  # no weight yet: the confidence
    assert {r["snapshot"] for r in kept} == {"snapjsonl"}
    assert {k for k in kept[0] if k not in ("weight", "snapshot")} == set(records[0])
    train, test = _lines(tmp_path / "final.train.jsonl"), _lines(tmp_path / "final.test.jsonl")
    assert sorted(r["task"] for r in train + test) == [1, 2, 3, 4, 5, 6]
    for rows in (train, test):  # stratified: both labels in both
        assert {r["final"][0]["value"]["choices"][0] for r in rows} == {"positive", "negative"}
    held = tmp_path / "final.quarantine.jsonl"
    assert result.summary.notes[0] == f"exported 6 tasks to {out}; 1 quarantined to {held}"
    assert result.summary.notes[1].startswith(f"  train: {len(train)} tasks -> {tmp_path / 'final.train.jsonl'} (")
    assert not (tmp_path / "export.json").exists()  # a file format: no manifest beside it


def test_jsonl_does_not_need_a_config_that_parses(tmp_path: Path) -> None:
    records = [record(1, {"text": "a"}, [choice("sentiment", "positive")])]
    export_dataset(Dataset(records, "<View><Broken"), "jsonl", tmp_path / "f.jsonl", ExportOptions())
    assert [r["task"] for r in _lines(tmp_path / "f.jsonl")] == [1]
