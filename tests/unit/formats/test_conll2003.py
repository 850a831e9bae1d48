"""`--format conll2003`: the converter's CoNLL 2003 token lines, and weights.json in document order."""

from __future__ import annotations

import json
from pathlib import Path

from sdk_scripts.formats.base import Dataset, ExportOptions
from sdk_scripts.formats.export import export_dataset
from sdk_scripts.label_config_library import read_config
from tests.support.formats import conll_documents, record, span


def test_conll_lines_hold_bio_tags_and_the_sidecar_the_weights(tmp_path: Path) -> None:
    first, second = "Call Ann Lee today", "Card 4111 1111 1111 1111 ok"
    records = [record(1, {"text": first}, [span(first, 5, 12, "PERSON")], weight=0.25),
               record(2, {"text": second}, [span(second, 5, 24, "CREDIT_CARD")], weight=1.0),
               record(3, {"text": "pending"}, None, state="pending")]
    result = export_dataset(Dataset(records, read_config("text_ner"), "snapconll"), "conll2003", tmp_path / "out",
                            ExportOptions())
    assert [i.task for i in result.summary.left_out] == [3]
    docs = conll_documents(tmp_path / "out" / "result.conll")
    assert docs[0] == [("Call", "O"), ("Ann", "B-PERSON"), ("Lee", "I-PERSON"), ("today", "O")]
    assert [tag for _, tag in docs[1]] == ["O", "B-CREDIT_CARD", "I-CREDIT_CARD", "I-CREDIT_CARD", "I-CREDIT_CARD",
                                           "O"]
    weights = json.loads((tmp_path / "out" / "weights.json").read_text())
    assert weights == {"snapshot": "snapconll", "items": [{"task": 1, "weight": 0.25, "split": "all"},
                                                          {"task": 2, "weight": 1.0, "split": "all"}]}
