"""Annotator bias: an annotator who overuses a label is flagged (no server)."""

from __future__ import annotations

from sdk_scripts.governance.bias import annotator_bias
from sdk_scripts.label_config_library import read_config, render_config


def test_bias_flags_an_annotator_who_overuses_a_label() -> None:
    config = render_config(read_config("text_sentiment"), {"sentiment": ["positive", "negative", "neutral"]})

    def answer(value: str) -> list[dict]:
        return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]

    truth = ["positive", "negative", "neutral"] * 20
    tasks = []
    for i, label in enumerate(truth):
        # Five annotators label faithfully; annotator 6 says "negative" to everything.
        annotations = [{"id": 10 * i + user, "completed_by": user, "result": answer(label if user < 6 else "negative"),
                        "created_at": "2026-11-16T09:00:00Z"} for user in range(1, 7)]
        tasks.append({"id": i + 1, "annotations": annotations})
    rows = {row["annotator"]: row for row in annotator_bias(config, tasks)}
    assert rows[6]["flagged"] and rows[6]["p_value"] < 1e-6 and rows[6]["cramers_v"] >= 0.5
    assert rows[6]["most_common_confusion"] == {"consensus": "positive", "annotator": "negative", "tasks": 20}
    assert rows[6]["confusion"]["neutral -> negative"] == 20
    assert [a for a, row in rows.items() if row["flagged"]] == [6]

