"""`--format csv`: the converter's CSV export with labelops' weight and snapshot columns."""

from __future__ import annotations

import csv
from pathlib import Path

from sdk_scripts.formats.base import Dataset, ExportOptions
from sdk_scripts.formats.export import export_dataset
from sdk_scripts.label_config_library import read_config
from tests.support.formats import choice, record


def test_csv_rows_carry_the_label_weight_and_snapshot(tmp_path: Path) -> None:
    records = [record(1, {"text": "good"}, [choice("sentiment", "positive")], weight=0.75),
               record(2, {"text": "bad", "weight": "theirs"}, [choice("sentiment", "negative")], confidence=0.5),
               record(3, {"text": "held"}, None, state="quarantined")]
    options = ExportOptions(ratios={"train": 0.5, "test": 0.5})
    result = export_dataset(Dataset(records, read_config("text_sentiment"), "snapcsv"), "csv", tmp_path / "out",
                            options)
    assert result.summary.splits == {"train": 1, "test": 1}
    rows = {}
    for name in ("train", "test"):
        with (tmp_path / "out" / name / "result.csv").open(newline="") as fh:
            rows.update({int(float(r["id"])): r for r in csv.DictReader(fh)})
    assert set(rows) == {1, 2}
    assert (rows[1]["text"], rows[1]["sentiment"], float(rows[1]["weight"]), rows[1]["snapshot"]) == (
        "good", "positive", 0.75, "snapcsv")
    assert rows[2]["sentiment"] == "negative" and float(rows[2]["weight"]) == 0.5  # the data's own `weight` replaced
    assert rows[1]["annotator"] == "labelops:majority"
