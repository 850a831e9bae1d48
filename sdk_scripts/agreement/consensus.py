"""Consensus labels per task with a confidence (pure, vectorised; crowd-kit for the model-based aggregator).

- single choice: majority vote (share of annotators behind the winner; a tie goes to the label given
  first on the task) and Dawid-Skene (Dawid & Skene 1979, "Maximum likelihood estimation of observer
  error-rates using the EM algorithm", crowd-kit's implementation; confidence = posterior of the
  chosen label);
- multiple choice: per-label majority (a label is in the consensus set when more than half of the
  annotators chose it, or, for the finals, a quorum of them; confidence = mean share behind each label
  decision); the finals can also run Dawid-Skene per label (present / absent: `posteriors`);
- Rating / Number: the median, confidence = share of annotators within one step of it.

Every figure is computed over integer columns (`coded.Coded`) with group-by arithmetic; the result is
one row per unit, turned into the report's `Consensus` per task by the control's kind (`kinds`).
"""

from __future__ import annotations

import numpy as np

from sdk_scripts.agreement.coded import Coded, label_presence

MODEL_CELLS = 1 << 24


def majority(coded: Coded) -> tuple[np.ndarray, np.ndarray]:
    """(winning category per rated unit, share of the unit's ratings behind it); ties go to the category rated
    first. Only the (unit, category) cells that occur are counted (any number of categories)."""
    q = len(coded.categories)
    cells, first, votes = np.unique(coded.unit * q + coded.code, return_index=True, return_counts=True)
    unit = cells // q
    order = np.lexsort((first, -votes, unit))  # per unit: most votes, then given first
    top = np.ones(len(order), bool)
    top[1:] = unit[order][1:] != unit[order][:-1]
    winners = order[top]
    share = votes[winners] / np.maximum(coded.ratings_per_unit()[unit[winners]], 1)
    return cells[winners] % q, share


def _dawid_skene_model(unit: np.ndarray, rater: np.ndarray, code: np.ndarray, n_units: int, q: int, n_raters: int):
    """crowd-kit's Dawid-Skene fitted to (unit, rater, code) rows, or None below two annotators or labels, or when
    its dense matrices would exceed MODEL_CELLS."""
    if n_raters < 2 or len(np.unique(code)) < 2:
        return None
    if n_units * q > MODEL_CELLS or n_raters * q * q > MODEL_CELLS:
        return None  # crowd-kit keeps tasks x labels posteriors and annotators x labels^2 confusions densely
    import pandas as pd
    from crowdkit.aggregation import DawidSkene

    return DawidSkene(n_iter=100).fit(pd.DataFrame({"task": unit, "worker": rater, "label": code}))


def dawid_skene(coded: Coded) -> tuple[np.ndarray, np.ndarray] | None:
    """(category per unit, posterior of it) by crowd-kit's Dawid-Skene; None below two annotators or labels, or
    when its dense matrices would exceed MODEL_CELLS."""
    model = _dawid_skene_model(coded.unit, coded.rater, coded.code, coded.n_units, len(coded.categories),
                               len(coded.rater_ids))
    if model is None:
        return None
    probabilities = model.probas_
    labels = model.labels_
    rows = probabilities.index.get_indexer(labels.index)
    columns = probabilities.columns.get_indexer(labels.to_numpy())
    chosen = np.full(coded.n_units, -1, np.int64)
    posterior = np.full(coded.n_units, np.nan)
    units = labels.index.to_numpy().astype(np.int64)
    chosen[units] = labels.to_numpy().astype(np.int64)
    posterior[units] = probabilities.to_numpy()[rows, columns]
    return chosen, posterior


def posteriors(unit: np.ndarray, rater: np.ndarray, code: np.ndarray, n_units: int, q: int,
               n_raters: int) -> np.ndarray | None:
    """Dawid-Skene's posterior of every category on every unit (n_units x q, in code order; NaN rows for units
    without ratings), or None where `dawid_skene` is None. The finals read ties from it."""
    model = _dawid_skene_model(unit, rater, code, n_units, q, n_raters)
    if model is None:
        return None
    probabilities = model.probas_
    out = np.full((n_units, q), np.nan)
    rows = probabilities.index.to_numpy().astype(np.int64)
    out[rows] = 0.0
    columns = probabilities.columns.to_numpy().astype(np.int64)
    out[rows[:, None], columns[None, :]] = probabilities.to_numpy()
    return out


def label_majority(coded: Coded, needed: np.ndarray | None = None) -> tuple[list[list[str]], np.ndarray]:
    """Multiple choice: (labels chosen by more than half, in config order; mean share behind each decision).
    `needed` (per unit): the annotators a label needs instead of more than half (the finals' quorum)."""
    labels = list(coded.spec.labels)
    m = np.maximum(coded.ratings_per_unit(), 1).astype(float)
    if not labels:
        return [[] for _ in range(coded.n_units)], np.ones(coded.n_units)
    present = label_presence(coded, labels).astype(float)
    chose = [np.bincount(coded.unit, present[:, k], coded.n_units) for k in range(len(labels))]
    shares = np.stack(chose, axis=1) / m[:, None]
    chosen = shares > 0.5 if needed is None else np.stack(chose, axis=1) >= needed[:, None]
    decided = np.where(shares > 0, np.maximum(shares, 1 - shares), 0.0)
    used = (shares > 0).sum(axis=1)
    confidence = np.where(used > 0, decided.sum(axis=1) / np.maximum(used, 1), 1.0)
    names = np.array(labels, dtype=object)
    return [list(names[row]) for row in chosen], confidence


def median(coded: Coded) -> tuple[np.ndarray, np.ndarray]:
    """Rating / Number: (median per unit, share of its ratings within one step of it)."""
    order = np.lexsort((coded.x, coded.unit))
    x = coded.x[order]
    m = coded.ratings_per_unit()
    start = np.cumsum(m) - m
    rated = m > 0
    low = x[(start + (m - 1) // 2)[rated]]
    high = x[(start + m // 2)[rated]]
    middle = np.full(coded.n_units, np.nan)
    middle[rated] = (low + high) / 2
    close = np.bincount(coded.unit, np.abs(coded.x - middle[coded.unit]) <= 1, coded.n_units)
    return middle, close / np.maximum(m, 1)
