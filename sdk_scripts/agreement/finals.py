"""Consensus finals per control: the answers they read (`Answers`), their options and the typed `Final` (pure).

A control's answers on every task of a project are parsed by the control's kind (`kinds`: the same
`parse` the agreement report uses) and coded as its ratings (`coded.Coded`); the kind's `finals`
turns them into one `Final` per task: the control's result regions, the method that made them and
the rule that decided (`MAJORITY`, `CONSENSUS`, `REPRESENTATIVE`; see `settle`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sdk_scripts.agreement.report import Problem
from sdk_scripts.agreement.results import Where

if TYPE_CHECKING:
    from sdk_scripts.agreement.coded import Coded
    from sdk_scripts.agreement.kinds.base import AgreementKind

METHODS = ("dawid-skene", "majority")  # single and multiple choice
IOU = 0.5  # regions match at this IoU, as `labelops agreement --iou` does by default
MAJORITY = "majority"  # a strict majority of the task's annotators gave exactly this answer
CONSENSUS = "consensus"  # the kind's consensus (Dawid-Skene, votes, median, fused regions, medoid, ROVER) made it
REPRESENTATIVE = "representative"  # a tie (or a control no kind takes) went to the most confident annotator


@dataclass(frozen=True)
class FinalOptions:
    """How finals are made: the quorum of regions and multiple-choice labels, the choice method, the IoU."""

    quorum: int | None = None  # annotators a region / label needs (at most all of the task's); None: more than half
    method: str = "dawid-skene"  # single and multiple choice: "dawid-skene" or "majority"
    iou: float = IOU

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown consensus method {self.method!r} (one of {', '.join(METHODS)})")
        if self.quorum is not None and self.quorum < 1:
            raise ValueError(f"a quorum is at least 1 annotator, not {self.quorum}")

    def needed(self, annotators: np.ndarray) -> np.ndarray:
        """Annotators a region or label needs on tasks with `annotators` each: the quorum (at most all of them),
        else a strict majority."""
        annotators = np.asarray(annotators, np.int64)
        return annotators // 2 + 1 if self.quorum is None else np.minimum(self.quorum, annotators)


@dataclass(frozen=True)
class Version:
    """One annotator's annotation of a task as the finals read it: its label regions by control and the weight of
    the annotator's self-rated confidence (1.0 when unrated)."""

    task: Any
    annotation: dict
    annotator: Any
    weight: float
    regions: Mapping[str, list[dict]]


@dataclass(frozen=True)
class Final:
    """One control's final on one task: its Label Studio result regions, how they were made, the rule."""

    regions: list[dict]
    method: str
    rule: str = CONSENSUS


@dataclass
class Answers:
    """One control's answers on every task, coded by its kind; per rating (in `coded`'s order) the annotation's
    regions of the control, each parsed item's source region (boxes, spans) and the annotator's weight."""

    coded: Coded
    regions: list[list[dict]]
    sources: list[list[dict]]
    weight: np.ndarray
    annotators: np.ndarray  # per unit: the task's versions, whether or not they answered this control
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._counts = self.coded.ratings_per_unit()
        self._starts = np.cumsum(self._counts) - self._counts

    def rows(self, unit: int) -> range:
        """The ratings of one unit (`coded` keeps them together, in annotation order)."""
        start = int(self._starts[unit])
        return range(start, start + int(self._counts[unit]))

    def rated_units(self) -> list[int]:
        """The units with at least one rating."""
        return np.flatnonzero(self._counts > 0).tolist()

    def lead(self, rows: Iterable[int]) -> int | None:
        """The most confident of the ratings (highest weight; the earliest on ties), or None."""
        rows = list(rows)
        return max(rows, key=lambda r: (self.weight[r], -r)) if rows else None

    def answer_as(self, row: int, key: str, value: Any) -> list[dict]:
        """The rating's regions of the control with the first one's `value[key]` set to `value` (a valid result
        region, as its annotator's, saying the final); [] when the rating has no region."""
        regions = self.regions[row]
        if not regions:
            return []
        first = regions[0]
        return [{**first, "value": {**(first.get("value") or {}), key: value}}]


def collect_answers(kind: AgreementKind, versions: Mapping[Any, list[Version]]) -> Answers:
    """The control's answers in every task's versions, parsed and coded by its kind."""
    from sdk_scripts.agreement.extract import Ratings

    table, regions, sources, weights, problems = Ratings(kind.spec), [], [], [], []
    name = kind.spec.name
    for task, task_versions in versions.items():  # task by task: `coded` keeps this order
        for version in task_versions:
            given = list(version.regions.get(name, []))
            value, parts = kind.parse_parts(given, Where(task, version.annotation, version.annotator), problems)
            if value is None:
                continue
            table.task.append(task)
            table.annotator.append(version.annotator)
            table.week.append("")
            table.value.append(value)
            regions.append(given)
            sources.append(parts)
            weights.append(version.weight)
    coded = kind.code(table)
    if any(a is not b for a, b in zip(coded.values, table.value, strict=True)):
        raise RuntimeError("coded ratings are not in the order they were read")  # `coded.columns` changed
    annotators = np.array([len(versions[task]) for task in coded.task_ids], np.int64)
    return Answers(coded, regions, sources, np.asarray(weights, float), annotators, problems)


def _same(a: Any, b: Any) -> bool:
    return sorted(a) == sorted(b) if isinstance(a, tuple) and isinstance(b, tuple) else a == b


def settle(kind: AgreementKind, answers: Answers, finals: Mapping[int, Final]) -> dict[Any, Final]:
    """task id -> final; a final that a strict majority of the task's annotators gave exactly (as the kind parses
    it) is ruled MAJORITY."""
    coded, out = answers.coded, {}
    for unit, final in finals.items():
        value = kind.parse(final.regions, Where(coded.task_ids[unit], {"id": "final"}), [])
        agreeing = sum(_same(coded.values[r], value) for r in answers.rows(unit))
        rule = MAJORITY if agreeing * 2 > answers.annotators[unit] else final.rule
        out[coded.task_ids[unit]] = Final(final.regions, final.method, rule)
    return out


def control_finals(kind: AgreementKind, versions: Mapping[Any, list[Version]],
                   options: FinalOptions) -> dict[Any, Final]:
    """task id -> the control's final, for every task where an annotator answered it."""
    answers = collect_answers(kind, versions)
    return settle(kind, answers, kind.finals(answers, options))
