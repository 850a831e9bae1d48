"""Consensus labels per task with a confidence (pure; crowd-kit for the model-based aggregator).

- single choice: majority vote (share of annotators behind the winner) and Dawid-Skene
  (Dawid & Skene 1979, "Maximum likelihood estimation of observer error-rates using the EM
  algorithm", crowd-kit's implementation; confidence = posterior of the chosen label);
- multiple choice: per-label majority (a label is in the consensus set when more than half of the
  annotators chose it; confidence = mean share behind each label decision);
- Rating / Number: the median, confidence = share of annotators within one step of it.
"""

from __future__ import annotations

from collections import Counter
from statistics import median
from typing import Any

import pandas as pd

from sdk_scripts.agreement.controls import ControlSpec


def _dawid_skene(by_task: dict[int, dict[Any, Any]]) -> dict[int, tuple[str, float]]:
    rows = [(task, str(annotator), str(value)) for task, values in by_task.items()
            for annotator, value in values.items()]
    if len({r[1] for r in rows}) < 2 or len({r[2] for r in rows}) < 2:
        return {}
    from crowdkit.aggregation import DawidSkene

    frame = pd.DataFrame(rows, columns=["task", "worker", "label"])
    model = DawidSkene(n_iter=100).fit(frame)
    probabilities = model.probas_
    return {task: (str(label), float(probabilities.loc[task, label])) for task, label in model.labels_.items()}


def consensus_labels(spec: ControlSpec, by_task: dict[int, dict[Any, Any]]) -> dict[int, dict]:
    """task -> {"majority": value, "majority_confidence": float, ["dawid_skene", "dawid_skene_confidence"]}."""
    out: dict[int, dict] = {}
    if spec.kind == "single":
        ds = _dawid_skene(by_task)
        for task, values in by_task.items():
            (label, votes), *_ = Counter(values.values()).most_common(1)
            out[task] = {"majority": label, "majority_confidence": votes / len(values)}
            if task in ds:
                out[task]["dawid_skene"], out[task]["dawid_skene_confidence"] = ds[task]
    elif spec.kind == "multi":
        for task, values in by_task.items():
            n = len(values)
            chosen, shares = [], []
            for label in spec.labels:
                share = sum(label in v for v in values.values()) / n
                if share > 0.5:
                    chosen.append(label)
                if share > 0:
                    shares.append(max(share, 1 - share))
            out[task] = {"majority": chosen, "majority_confidence": sum(shares) / len(shares) if shares else 1.0}
    elif spec.kind in ("rating", "number"):
        for task, values in by_task.items():
            middle = float(median(values.values()))
            close = sum(abs(v - middle) <= 1 for v in values.values()) / len(values)
            out[task] = {"majority": middle, "majority_confidence": close}
    return out
