"""Annotators scored on the gold set: accuracy overall, per ISO week, per control and per gold label; who the
policy flags (pure).

Accuracy is the agreement engine's: each control's kind compares an annotator's answer with the gold answer by
its own similarity (`gold_similarity`: exact for choices, Jaccard for label sets, F1 of matched boxes and spans,
closeness on a scale, edit similarity for text), and an annotator's accuracy is the mean over their (gold task,
control) answers. Per label: over the gold tasks whose gold answer holds that label (a recall). Only the gold set
counts (`gold_tasks`), not every ground truth. An annotator is flagged (`GoldPolicy.reason`) when their accuracy
is below the policy's minimum on at least its minimum number of gold tasks; `excluded_annotators` is what the
finals read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sdk_scripts.agreement.controls import read_controls
from sdk_scripts.agreement.extract import extract
from sdk_scripts.agreement.kinds.registry import code_ratings
from sdk_scripts.quality.gold_tasks import GoldPolicy, gold_annotation, gold_tasks, policy_of
from sdk_scripts.review.final_labels import label_names, label_regions

Id = int | str


@dataclass(slots=True)
class Accuracy:
    """Answers compared with the gold, and their mean similarity to it."""

    answers: int = 0
    total: float = 0.0

    @property
    def accuracy(self) -> float | None:
        return self.total / self.answers if self.answers else None

    def add(self, similarity: float) -> None:
        self.answers += 1
        self.total += similarity

    def to_json(self) -> dict:
        return {"answers": self.answers, "accuracy": self.accuracy}


@dataclass
class GoldAnnotator:
    """One annotator on the gold set: gold tasks answered, accuracy overall and by week, control and gold label,
    and why the policy flags them (None: it does not)."""

    annotator: Id
    name: str | None
    gold_tasks: int
    overall: Accuracy
    weeks: dict[str, Accuracy] = field(default_factory=dict)
    controls: dict[str, Accuracy] = field(default_factory=dict)
    labels: dict[str, Accuracy] = field(default_factory=dict)  # "control: label"
    flagged: str | None = None

    @property
    def accuracy(self) -> float | None:
        return self.overall.accuracy

    def to_json(self) -> dict:
        def each(found: dict[str, Accuracy]) -> dict:
            return {key: value.to_json() for key, value in sorted(found.items())}

        return {"annotator": self.annotator, "name": self.name, "gold_tasks": self.gold_tasks,
                "answers": self.overall.answers, "accuracy": self.accuracy, "flagged": self.flagged is not None,
                "reason": self.flagged, "weeks": each(self.weeks), "controls": each(self.controls),
                "labels": each(self.labels)}


@dataclass
class GoldReport:
    """The gold set's size, the policy applied and one row per annotator who answered a gold task."""

    gold_tasks: int
    policy: GoldPolicy
    annotators: list[GoldAnnotator]

    @property
    def excluded(self) -> dict[Id, str]:
        """annotator -> why their labels are left out of the finals."""
        return {a.annotator: a.flagged for a in self.annotators if a.flagged}

    def to_json(self) -> dict:
        return {"gold_tasks": self.gold_tasks, "policy": self.policy.to_json(),
                "annotators": [a.to_json() for a in self.annotators]}


def _gold_labels(tasks: Iterable[dict]) -> dict[Any, dict[str, list[str]]]:
    """task -> control -> the labels its gold answer holds."""
    out = {}
    for task in tasks:
        answer = gold_annotation(task) or {}
        out[task["id"]] = {control: sorted(set(label_names(regions)))
                           for control, regions in label_regions(answer.get("result") or []).items()}
    return out


def evaluate_gold(label_config: str, tasks: Iterable[dict], names: Mapping[Any, str] | None = None,
                  policy: GoldPolicy | None = None, box_threshold: float = 0.5) -> GoldReport:
    """The gold report of a project's tasks (see the module docstring); `policy` overrides the gold set's own."""
    tasks = list(tasks)
    gold = gold_tasks(tasks)
    policy = policy if policy is not None else policy_of(gold)
    extraction = extract(read_controls(label_config).specs, gold)
    names = {**extraction.names, **(names or {})}
    labels = _gold_labels(gold)
    rows: dict[Id, GoldAnnotator] = {}
    answered: dict[Id, set] = defaultdict(set)
    for table in extraction.ratings:
        coded = code_ratings(table)
        if not coded.gold:
            continue
        kind, control = coded.kind, coded.spec.name
        found, similarity = kind.gold_similarity(coded, kind.span(coded, np.ones(coded.n_units, bool)), box_threshold)
        for r, score in zip(found.tolist(), similarity.tolist(), strict=True):
            who = coded.rater_ids[coded.rater[r]]
            task = coded.task_ids[coded.unit[r]]
            row = rows.setdefault(who, GoldAnnotator(who, names.get(who), 0, Accuracy()))
            answered[who].add(task)
            row.overall.add(score)
            row.weeks.setdefault(coded.week_names[coded.week[r]], Accuracy()).add(score)
            row.controls.setdefault(control, Accuracy()).add(score)
            for label in labels.get(task, {}).get(control, []):
                row.labels.setdefault(f"{control}: {label}", Accuracy()).add(score)
    for who, row in rows.items():
        row.gold_tasks = len(answered[who])
        row.flagged = policy.reason(row.accuracy, row.gold_tasks)
    ordered = sorted(rows.values(), key=lambda a: (a.accuracy if a.accuracy is not None else 2.0, str(a.annotator)))
    return GoldReport(len(gold), policy, ordered)


def excluded_annotators(label_config: str | None, tasks: Iterable[dict]) -> dict[Id, str]:
    """annotator -> why the gold policy leaves their labels out of the finals ({} without gold or a minimum score)."""
    gold = gold_tasks(tasks)
    if not gold or not label_config or policy_of(gold).min_score is None:
        return {}
    return evaluate_gold(label_config, gold).excluded
