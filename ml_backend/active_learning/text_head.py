"""The light text classifier trained from annotations, and its versions on disk.

Training data: one example per annotated task, the text's sentence embedding and its label — the
majority of the annotators' choices (ties and tasks any annotator flagged ambiguous / out of scope
are left out, see `training_examples`). The head is a multinomial logistic regression
(scikit-learn) over the embeddings: seconds, not minutes.

A head is one .npz file (weights, classes, the number of examples and the validation accuracy on a
held-out slice) inside a training run's directory (see `versions.py`). `fit` raises when the data
cannot make a classifier (for example every annotation has the same class); the run then fails and
the previous version keeps serving.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sdk_scripts.labelstudio.annotations import count_annotations, excluded_by_flag


@dataclass(frozen=True)
class TextHead:
    version: int
    classes: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray
    examples: int
    validation_accuracy: float | None

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        logits = np.asarray(embeddings) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)


def training_examples(tasks: list[dict], control: str, text_key: str) -> list[tuple[str, str]]:
    """(text, label) per task: a ground-truth annotation's choice (a reviewer's adjudication; the last one in the
    task) when there is one, else the strict majority of the interpretations' first choices (every
    submitted annotation votes). Left out: ties, and tasks any submitted annotation flagged ambiguous / out of
    scope (unless a ground truth decides)."""
    examples = []
    for task in tasks:
        counted = count_annotations(task.get("annotations") or [])
        truths = [c for a in counted.ground_truth for c in _first_choices(a, control)]
        votes = Counter(c for a in counted.interpretations for c in _first_choices(a, control))
        text = (task.get("data") or {}).get(text_key)
        if not isinstance(text, str) or not text.strip() or not (votes or truths):
            continue
        if truths:
            examples.append((text, truths[-1]))
            continue
        (label, n), *rest = votes.most_common()
        flagged = any(excluded_by_flag(a) for a in counted.interpretations + counted.ground_truth)
        if flagged or (rest and rest[0][1] == n):
            continue
        examples.append((text, label))
    return examples


def _first_choices(annotation: dict, control: str) -> list[str]:
    """The first choice of each of the annotation's regions of `control` that has one."""
    found = []
    for region in annotation.get("result") or []:
        choices = (region.get("value") or {}).get("choices") or []
        if region.get("from_name") == control and choices:
            found.append(choices[0])
    return found


def fit(embeddings: np.ndarray, labels: list[str], seed: int = 0, holdout: float = 0.2) -> tuple:
    """(coef, intercept, classes, validation accuracy) — raises ValueError with fewer than two classes."""
    from sklearn.linear_model import LogisticRegression

    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError(f"all {len(labels)} training examples have the same label; a classifier needs two")
    y = np.array(labels)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    n_val = int(len(y) * holdout) if len(y) >= 10 else 0
    val, train = order[:n_val], order[n_val:]
    accuracy = None
    if n_val and len(set(y[train])) == len(classes):
        model = LogisticRegression(max_iter=500, C=4.0).fit(embeddings[train], y[train])
        accuracy = float((model.predict(embeddings[val]) == y[val]).mean())
    model = LogisticRegression(max_iter=500, C=4.0).fit(embeddings, y)
    coef, intercept = model.coef_, model.intercept_
    if len(model.classes_) == 2:  # sklearn keeps one row for binary problems
        coef, intercept = np.vstack([-coef[0], coef[0]]) / 2, np.array([-intercept[0], intercept[0]]) / 2
    return coef, intercept, tuple(model.classes_), accuracy


def save_head(path: Path, coef: np.ndarray, intercept: np.ndarray, classes: tuple[str, ...], examples: int,
              validation_accuracy: float | None) -> None:
    """Write a head to `path` (.npz) atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp.npz")
    np.savez(tmp, coef=coef, intercept=intercept, classes=np.array(classes), examples=examples,
             validation_accuracy=np.nan if validation_accuracy is None else validation_accuracy)
    os.replace(tmp, path)


def load_head(path: Path, version: int = 0) -> TextHead:
    """A head written by `save_head`."""
    with np.load(Path(path), allow_pickle=False) as data:
        accuracy = float(data["validation_accuracy"])
        return TextHead(version, tuple(str(c) for c in data["classes"]), data["coef"], data["intercept"],
                        int(data["examples"]), None if np.isnan(accuracy) else accuracy)
