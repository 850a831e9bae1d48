"""Labeling-function analysis of a label matrix (pure): coverage, overlaps, conflicts, accuracy, confusion matrices.

The figures and their names are Snorkel's `LFAnalysis` (snorkel.labeling.LFAnalysis, v0.9:
https://snorkel.readthedocs.io/en/v0.9.7/packages/_autosummary/labeling/snorkel.labeling.LFAnalysis.html), so a team
can compare; over n tasks, with a "vote" meaning a non-abstain answer:

- label coverage / overlap / conflict: the share of tasks with at least one vote / at least two votes / votes of at
  least two different classes (`label_coverage`, `label_overlap`, `label_conflict`);
- per function, Polarity: the classes it voted (`lf_polarities`); Coverage: the share of tasks it voted on
  (`lf_coverages`); Overlaps: the share of tasks it voted on that some other function voted on too (`lf_overlaps`);
  Conflicts: the share of tasks it voted on where some other function voted a different class (`lf_conflicts`);
- against labels Y (`lf_summary(Y)`): Correct / Incorrect: its votes equal to / different from the task's label;
  Emp. Acc.: Correct / (Correct + Incorrect) (`lf_empirical_accuracies`).

Snorkel takes Y for every row of the matrix it is given (a dev set); here the labels are those tasks of the project
that have one (ground truth, else the annotators' consensus), so Correct, Incorrect, Emp. Acc. and the confusion
matrices count the labelled tasks only, while Coverage, Overlaps and Conflicts count every task. Where Snorkel
reports 0.0 for a function without a vote on a labelled task (`np.nan_to_num`), Emp. Acc. here is None.
The confusion matrix of a function: rows the label, columns the function's answer (each class, then abstain).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sdk_scripts.weak.matrix import ABSTAIN_CODE, LabelMatrix


@dataclass
class FunctionFigures:
    """One function's figures (see the module docstring); counts beside Snorkel's fractions."""

    name: str
    polarity: list[str]
    coverage: float
    overlaps: float
    conflicts: float
    covered: int
    overlapped: int
    conflicted: int
    correct: int | None
    incorrect: int | None
    emp_accuracy: float | None
    raised: int
    confusion: list[list[int]]  # label x (classes + abstain), labelled tasks only

    def to_json(self) -> dict:
        return {"name": self.name, "polarity": self.polarity, "coverage": self.coverage, "overlaps": self.overlaps,
                "conflicts": self.conflicts, "covered": self.covered, "overlapped": self.overlapped,
                "conflicted": self.conflicted, "correct": self.correct, "incorrect": self.incorrect,
                "emp_accuracy": self.emp_accuracy, "raised": self.raised, "confusion": self.confusion}


@dataclass
class LFAnalysis:
    """The matrix's figures: tasks, labelled tasks, label coverage / overlap / conflict, one `FunctionFigures` per
    function (in the matrix's order)."""

    control: str
    classes: list[str]
    tasks: int
    labelled: int
    coverage: float
    overlap: float
    conflict: float
    functions: list[FunctionFigures]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"control": self.control, "classes": self.classes, "tasks": self.tasks, "labelled": self.labelled,
                "label_coverage": self.coverage, "label_overlap": self.overlap, "label_conflict": self.conflict,
                "functions": [f.to_json() for f in self.functions], "notes": list(self.notes)}


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def _truth(matrix: LabelMatrix, gold: Mapping[int, str] | None) -> np.ndarray:
    index = {label: k for k, label in enumerate(matrix.classes)}
    return np.array([index.get((gold or {}).get(int(t)), -1) for t in matrix.task_ids], dtype=np.int64)


def _function(matrix: LabelMatrix, j: int, overlapped: np.ndarray, conflicted: np.ndarray,
              truth: np.ndarray) -> FunctionFigures:
    column = matrix.codes[:, j].astype(np.int64)
    voted = column != ABSTAIN_CODE
    n, q = matrix.n_tasks, len(matrix.classes)
    labelled = truth >= 0
    confusion = np.zeros((q, q + 1), dtype=np.int64)
    np.add.at(confusion, (truth[labelled], np.where(column[labelled] < 0, q, column[labelled])), 1)
    scored = labelled & voted
    correct = int((column[scored] == truth[scored]).sum())
    incorrect = int(scored.sum()) - correct
    has_labels = bool(labelled.any())
    return FunctionFigures(
        matrix.functions[j], [matrix.classes[k] for k in np.unique(column[voted])],
        _share(int(voted.sum()), n), _share(int((voted & overlapped).sum()), n),
        _share(int((voted & conflicted).sum()), n), int(voted.sum()), int((voted & overlapped).sum()),
        int((voted & conflicted).sum()), correct if has_labels else None, incorrect if has_labels else None,
        correct / (correct + incorrect) if correct + incorrect else None,
        int(matrix.errors.get(matrix.functions[j], 0)), confusion.tolist())


def analyze_matrix(matrix: LabelMatrix, gold: Mapping[int, str] | None = None) -> LFAnalysis:
    """The analysis of `matrix` (see the module docstring); `gold`: task id -> its label, where there is one."""
    codes = matrix.codes.astype(np.int64)
    voted = codes != ABSTAIN_CODE
    votes = voted.sum(axis=1)
    highest = np.where(voted, codes, -1).max(axis=1, initial=-1)
    lowest = np.where(voted, codes, np.iinfo(np.int64).max).min(axis=1, initial=np.iinfo(np.int64).max)
    overlapped = votes > 1
    conflicted = overlapped & (highest != lowest)
    truth = _truth(matrix, gold)
    n = matrix.n_tasks
    notes = [] if (truth >= 0).any() else ["no task has a label (ground truth or annotators' consensus): no accuracy"]
    return LFAnalysis(matrix.control, list(matrix.classes), n, int((truth >= 0).sum()),
                      _share(int((votes > 0).sum()), n), _share(int(overlapped.sum()), n),
                      _share(int(conflicted.sum()), n),
                      [_function(matrix, j, overlapped, conflicted, truth) for j in range(len(matrix.functions))],
                      notes)
