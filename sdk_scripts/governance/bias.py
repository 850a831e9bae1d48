"""Annotator bias (pure): label use against the pool, confusions against the consensus.

For each annotator and each choice control: a chi-square test of independence on the 2 x K table
(this annotator's label counts vs everyone else's; scipy.stats.chi2_contingency), with Cramér's V
as the effect size (Cramér 1946); flagged when p < 0.01 and V >= 0.1. And the confusion matrix of
the annotator's labels against the consensus of the *other* annotators on the same tasks
(majority of the others, ties left out), with the off-diagonal cell they produce most often.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
from scipy.stats import chi2_contingency

from sdk_scripts.agreement.controls import scorable_controls
from sdk_scripts.agreement.extract import extract, group_by_task

P_VALUE = 0.01
MIN_EFFECT = 0.1


def _labels(value) -> list[str]:
    if isinstance(value, frozenset):
        return sorted(value)
    return [value] if value is not None else []


def annotator_bias(label_config: str, tasks: list[dict], names: dict | None = None) -> list[dict]:
    specs, _ = scorable_controls(label_config)
    extraction = extract(specs, tasks)
    names = {**extraction.names, **(names or {})}
    rows = []
    for spec, table in zip(specs, extraction.ratings, strict=True):
        if spec.kind not in ("single", "multi"):
            continue
        labels = list(spec.labels)
        counts: dict = defaultdict(Counter)
        for annotator, value in zip(table.annotator, table.value, strict=True):
            counts[annotator].update(_labels(value))
        by_task = group_by_task(table)
        for annotator in sorted(counts, key=str):
            mine = np.array([counts[annotator][label] for label in labels], float)
            rest = np.array([sum(counts[a][label] for a in counts if a != annotator) for label in labels], float)
            used = (mine + rest) > 0
            chi2 = p_value = cramers_v = None
            if used.sum() >= 2 and mine.sum() > 0 and rest.sum() > 0:
                table2 = np.vstack([mine[used], rest[used]])
                chi2, p_value, _, _ = chi2_contingency(table2)
                cramers_v = float(np.sqrt(chi2 / (table2.sum() * (min(table2.shape) - 1))))
            confusion: Counter = Counter()
            for values in by_task.values():
                if annotator not in values or len(values) < 2:
                    continue
                others = Counter(label for a, v in values.items() if a != annotator for label in _labels(v))
                if not others:
                    continue
                (top, n), *tail = others.most_common()
                if tail and tail[0][1] == n:
                    continue
                for label in _labels(values[annotator]) or ["(none)"]:
                    confusion[(top, label)] += 1
            off = [(pair, n) for pair, n in confusion.items() if pair[0] != pair[1]]
            worst = max(off, key=lambda kv: kv[1]) if off else None
            rows.append({
                "control": spec.name, "annotator": annotator, "name": names.get(annotator),
                "distribution": {label: int(counts[annotator][label]) for label in labels},
                "pool": {label: int(rest[i]) for i, label in enumerate(labels)},
                "chi2": None if chi2 is None else float(chi2), "p_value": None if p_value is None else float(p_value),
                "cramers_v": cramers_v,
                "flagged": bool(p_value is not None and p_value < P_VALUE and cramers_v >= MIN_EFFECT),
                "confusion": {f"{c} -> {a}": n for (c, a), n in sorted(confusion.items())},
                "most_common_confusion": None if worst is None else
                {"consensus": worst[0][0], "annotator": worst[0][1], "tasks": worst[1]},
            })
    return rows
