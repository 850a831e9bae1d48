"""The label model: labeling functions' votes combined into probabilistic labels (majority vote, crowd-kit's models).

Methods (the functions are the workers):

- "majority": the share of the task's votes each class got (the baseline; a tie goes to the class first in the
  control's order);
- "dawid-skene": Dawid & Skene (1979), a confusion matrix per function learnt by EM, in which abstaining is one of
  the answers: P(answer | class) over the classes and abstain. crowd-kit's `DawidSkene` takes an abstain as a
  missing answer, and then a function that only ever votes one class (a keyword list, the usual kind) answers that
  class whatever the truth, so it tells the model nothing; how often it abstains on each class is what it knows.
  Without abstains the two are the same model (tests/unit/weak/test_label_model.py compares them). Vectorised
  here: `dawid_skene`;
- "mace": MACE (Hovy et al. 2013), each function either knows the label or spams (crowd-kit's `MACE`, an abstain
  missing);
- "glad": GLAD (Whitehill et al. 2009), a skill per function and a difficulty per task (crowd-kit's `GLAD`, an
  abstain missing);
- "auto": every method above, fitted on the votes alone, then the one with the best accuracy on the labelled tasks
  (ground truth, else the consensus of annotators) the functions cover; no method ever sees those labels, so each
  labelled task is held out from every fit. Ties go to the method first in PREFERENCE (the simplest). With fewer
  than MIN_LABELLED such tasks there is nothing to choose by, and it is majority vote, the one that never needs
  data to learn the functions apart: on simulated keyword functions (1 to 4 single-class functions per class,
  some with mixed ones, 4 seeds) Dawid-Skene here was 6, 5 and 3 points less accurate than majority vote on
  average at 30, 100 and 400 tasks (40 on the worst draw) and 1 point more accurate at 2,000.

Rows of tasks no function covers are all NaN in `probabilities` (rows stay aligned with the matrix's task ids).
An empty matrix, no vote at all, or votes of a single class cannot be fitted: one LabelopsError says why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from sdk_scripts.errors import LabelopsError
from sdk_scripts.weak.matrix import ABSTAIN_CODE, LabelMatrix

MAJORITY, DAWID_SKENE, MACE, GLAD, AUTO = "majority", "dawid-skene", "mace", "glad", "auto"
METHODS = (MAJORITY, DAWID_SKENE, MACE, GLAD)
PREFERENCE = (MAJORITY, DAWID_SKENE, MACE, GLAD)  # on equal accuracy, the first of these
MIN_LABELLED = 10
AGREE = 2.0  # Dawid-Skene's prior: pseudo-answers per function and class (`_prior`)
CLASS_PRIOR = 4.0  # Dawid-Skene's prior: pseudo-tasks per class in the class frequencies
PRIOR_ACCURACY = 0.7  # the prior's chance that a vote is right (Snorkel's LabelModel starts from the same)


@dataclass
class LabelModelResult:
    """The fitted label model's output: per task (rows aligned with `task_ids`) the probability of each class
    (columns: `classes`); NaN rows for tasks no function covers. `accuracies`: each method's accuracy on the
    `labelled` covered tasks that have a label (what "auto" chose by; empty without labels)."""

    method: str
    classes: list[str]
    probabilities: np.ndarray
    task_ids: np.ndarray
    accuracies: dict[str, float] = field(default_factory=dict)
    labelled: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def covered(self) -> np.ndarray:
        """True for the tasks at least one function voted on."""
        return ~np.isnan(self.probabilities).any(axis=1)

    def predicted(self, i: int) -> tuple[str | None, float]:
        """(label, its probability) of row `i`; (None, nan) for a task no function covers."""
        row = self.probabilities[i]
        if np.isnan(row).any():
            return None, float("nan")
        best = int(np.argmax(row))
        return self.classes[best], float(row[best])

    def to_json(self) -> dict:
        return {"method": self.method, "classes": list(self.classes), "tasks": len(self.task_ids),
                "covered": int(self.covered.sum()), "labelled": self.labelled, "accuracies": dict(self.accuracies),
                "notes": list(self.notes)}


def _votes(matrix: LabelMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, function, class code) of every vote."""
    rows, columns = np.nonzero(matrix.codes != ABSTAIN_CODE)
    return rows, columns, matrix.codes[rows, columns].astype(np.int64)


def check_fittable(matrix: LabelMatrix) -> None:
    """One LabelopsError saying why no label model can be fitted to `matrix`, or nothing."""
    if matrix.n_tasks == 0 or not matrix.functions:
        what = "no tasks" if matrix.n_tasks == 0 else "no labeling functions"
        raise LabelopsError(f"the label matrix has {what}: there is nothing to fit a label model to")
    _, _, codes = _votes(matrix)
    if codes.size == 0:
        raise LabelopsError(f"no labeling function voted on any of the {matrix.n_tasks} tasks (every answer is an "
                            "abstain): there is nothing to fit a label model to")
    seen = np.unique(codes)
    if len(seen) < 2:
        only = matrix.classes[int(seen[0])]
        raise LabelopsError(f"every vote in the label matrix is {only!r}: a label model needs votes of at least two "
                            f"classes to tell them apart (control {matrix.control!r} has "
                            f"{len(matrix.classes)}: {', '.join(matrix.classes)})")


def majority_vote(matrix: LabelMatrix) -> np.ndarray:
    """Each class's share of the task's votes; NaN rows for tasks without votes."""
    rows, _, codes = _votes(matrix)
    q = len(matrix.classes)
    counts = np.bincount(rows * q + codes, minlength=matrix.n_tasks * q).reshape(matrix.n_tasks, q).astype(float)
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, counts / totals, np.nan)


def _prior(abstaining: float, q: int, strength: float) -> np.ndarray:
    """Pseudo-counts (class x answer) for one function: `strength` answers per class, abstaining at the function's
    overall rate whatever the class, a vote right with probability PRIOR_ACCURACY."""
    wrong = (1 - PRIOR_ACCURACY) / max(q - 1, 1)
    votes = np.full((q, q), wrong) + np.eye(q) * (PRIOR_ACCURACY - wrong)
    return strength * np.hstack([votes * (1 - abstaining), np.full((q, 1), abstaining)])


def dawid_skene(codes: np.ndarray, q: int, *, n_iter: int = 100, tol: float = 1e-6, smoothing: float = 0.01,
                agree: float = AGREE, class_prior: float = CLASS_PRIOR) -> np.ndarray:
    """Posterior of each of `q` classes per row of `codes` (-1 = abstain) under Dawid-Skene with abstain as an
    answer: EM from the majority vote (uniform where nobody voted). Each function's answer-given-class counts get
    `smoothing` plus the pseudo-counts of `_prior` (`agree` answers per class), the class frequencies
    `class_prior` pseudo-tasks per class: without them, on a few hundred tasks EM drifts until one class takes
    every task. Stops after `n_iter` rounds or when no posterior moves by `tol`."""
    codes = np.asarray(codes, dtype=np.int64)
    n, k = codes.shape
    answers = np.where(codes < 0, q, codes)  # abstain is answer q
    votes = np.zeros((n, q))
    rows, columns = np.nonzero(codes >= 0)
    np.add.at(votes, (rows, codes[rows, columns]), 1)
    total = votes.sum(axis=1, keepdims=True)
    posterior = np.where(total > 0, votes / np.maximum(total, 1), 1.0 / q)
    abstaining = (codes < 0).mean(axis=0)  # each function's overall abstain rate
    for _ in range(n_iter):
        frequencies = (posterior.sum(axis=0) + class_prior) / (n + q * class_prior)
        log_posterior = np.tile(np.log(np.maximum(frequencies, 1e-300)), (n, 1))
        for j in range(k):
            counts = np.stack([np.bincount(answers[:, j], weights=posterior[:, y], minlength=q + 1)
                               for y in range(q)]) + smoothing + _prior(abstaining[j], q, agree)
            log_posterior += np.log(counts / counts.sum(axis=1, keepdims=True))[:, answers[:, j]].T
        log_posterior -= log_posterior.max(axis=1, keepdims=True)
        updated = np.exp(log_posterior)
        updated /= updated.sum(axis=1, keepdims=True)
        moved = np.abs(updated - posterior).max()
        posterior = updated
        if moved < tol:
            break
    return posterior


def _dawid_skene(matrix: LabelMatrix) -> np.ndarray:
    out = dawid_skene(matrix.codes, len(matrix.classes))
    out[(matrix.codes == ABSTAIN_CODE).all(axis=1)] = np.nan
    return out


def _crowdkit(model_factory: Callable[[], object]) -> Callable[[LabelMatrix], np.ndarray]:
    def fit(matrix: LabelMatrix) -> np.ndarray:
        import pandas as pd

        rows, columns, codes = _votes(matrix)
        frame = pd.DataFrame({"task": rows, "worker": columns, "label": codes})
        found = model_factory().fit_predict_proba(frame)
        out = np.full((matrix.n_tasks, len(matrix.classes)), np.nan)
        index = found.index.to_numpy().astype(np.int64)
        out[index] = 0.0
        labels = found.columns.to_numpy().astype(np.int64)
        out[index[:, None], labels[None, :]] = found.to_numpy(dtype=float)
        return out

    return fit


def _mace():
    from crowdkit.aggregation import MACE as CrowdKitMace

    return CrowdKitMace(n_restarts=5, n_iter=50, random_state=0)


def _glad():
    from crowdkit.aggregation import GLAD as CrowdKitGlad

    return CrowdKitGlad(n_iter=50)


FITS: dict[str, Callable[[LabelMatrix], np.ndarray]] = {
    MAJORITY: majority_vote, DAWID_SKENE: _dawid_skene, MACE: _crowdkit(_mace), GLAD: _crowdkit(_glad)}


def _gold_codes(matrix: LabelMatrix, gold: Mapping[int, str] | None) -> np.ndarray:
    """Per row, the class index of the task's label, -1 where it has none (or one the control does not have)."""
    index = {label: k for k, label in enumerate(matrix.classes)}
    return np.array([index.get((gold or {}).get(int(t)), -1) for t in matrix.task_ids], dtype=np.int64)


def accuracy(probabilities: np.ndarray, truth: np.ndarray) -> tuple[float | None, int]:
    """(share of labelled covered rows whose most probable class is the label, how many such rows)."""
    rows = (truth >= 0) & ~np.isnan(probabilities).any(axis=1)
    if not rows.any():
        return None, 0
    return float((np.argmax(probabilities[rows], axis=1) == truth[rows]).mean()), int(rows.sum())


def _choose(fitted: dict[str, np.ndarray], truth: np.ndarray) -> tuple[str, dict[str, float], int]:
    scored = {m: accuracy(p, truth) for m, p in fitted.items()}
    accuracies = {m: a for m, (a, _) in scored.items() if a is not None}
    best = max(accuracies.values())
    chosen = next(m for m in PREFERENCE if m in accuracies and accuracies[m] == best)
    return chosen, accuracies, max(n for _, n in scored.values())


def _fit_one(matrix: LabelMatrix, method: str, truth: np.ndarray, notes: list[str]) -> LabelModelResult:
    probabilities = FITS[method](matrix)
    found, labelled = accuracy(probabilities, truth)
    return LabelModelResult(method, list(matrix.classes), probabilities, matrix.task_ids,
                            {method: found} if found is not None else {}, labelled, notes)


def fit_label_model(matrix: LabelMatrix, method: str = AUTO, *, gold: Mapping[int, str] | None = None
                    ) -> LabelModelResult:
    """Fit `method` (one of METHODS, or "auto": see the module docstring) to the matrix's votes. `gold`: task id ->
    its label (ground truth, else the annotators' consensus), what "auto" chooses by and the accuracies measure."""
    if method != AUTO and method not in FITS:
        raise LabelopsError(f"unknown label model {method!r}: one of {', '.join((AUTO, *METHODS))}")
    check_fittable(matrix)
    truth = _gold_codes(matrix, gold)
    if method != AUTO:
        return _fit_one(matrix, method, truth, [])
    labelled = int(((truth >= 0) & (matrix.codes != ABSTAIN_CODE).any(axis=1)).sum())
    if labelled < MIN_LABELLED:
        return _fit_one(matrix, MAJORITY, truth, [
            f"{labelled} labelled tasks covered by the functions (fewer than {MIN_LABELLED} to choose a label model "
            "by): majority vote"])
    fitted, notes = {}, []
    for name in METHODS:
        try:
            fitted[name] = FITS[name](matrix)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:  # a model that does not converge here
            notes.append(f"{name} could not be fitted ({type(exc).__name__}: {exc}); left out")
    chosen, accuracies, labelled = _choose(fitted, truth)
    return LabelModelResult(chosen, list(matrix.classes), fitted[chosen], matrix.task_ids, accuracies, labelled, notes)
