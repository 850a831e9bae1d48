"""One control's ratings as integer columns, and group-by helpers over them (pure numpy).

The engine works on these instead of per-task dicts: `unit` (task index), `rater` (annotator index,
annotators sorted by str) and `code` (category or label-set index) are int64 arrays, one entry per
rating, sorted by unit with each task's ratings in the order its annotations came. Pairs of ratings
within a unit come from `pairs`, similarities of those pairs from `pair_similarity` (vectorised for
choices, ratings and numbers; the region and text similarities are evaluated per pair), and per-unit
or per-rating means from `np.bincount`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from sdk_scripts.agreement.alpha import _pairs_in_groups, label_bitmasks, set_distance
from sdk_scripts.agreement.controls import ControlSpec
from sdk_scripts.agreement.extract import Ratings
from sdk_scripts.agreement.geometry import box_f1, flatten_regions, pair_f1, span_f1

CATEGORICAL = ("single", "multi", "rating", "number")


@dataclass
class Coded:
    """A control's ratings: unit/rater/week/code columns plus what the codes stand for."""

    spec: ControlSpec
    task_ids: list  # unit -> task id
    unit: np.ndarray
    rater_ids: list  # rater -> annotator id, sorted by str
    rater: np.ndarray
    week_names: list
    week: np.ndarray
    values: list  # the ratings' values, in the arrays' order
    code: np.ndarray | None = None  # single/multi/rating: index into `categories`
    categories: list | None = None  # single: labels; multi: label sets; rating: scale points
    x: np.ndarray | None = None  # rating/number: the value
    masks: np.ndarray | None = None  # multi: bitmask rows of `categories`, bits in the order of `labels`
    labels: list | None = None  # multi: the labels, config order first
    gold: dict | None = None  # unit -> gold value

    def regions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boxes / spans: every rating's regions as flat arrays (`geometry.flatten_regions`), computed once."""
        if getattr(self, "_regions", None) is None:
            self._regions = flatten_regions(self.values)
        return self._regions

    @property
    def n_units(self) -> int:
        return len(self.task_ids)

    def ratings_per_unit(self) -> np.ndarray:
        return np.bincount(self.unit, minlength=self.n_units)

    def counts(self) -> np.ndarray:
        """Units x categories counts (single, multi, rating)."""
        flat = np.bincount(self.unit * len(self.categories) + self.code, minlength=self.n_units * len(self.categories))
        return flat.reshape(self.n_units, len(self.categories))


def _index(items) -> tuple[dict, list]:
    index: dict = {}
    codes = [index.setdefault(item, len(index)) for item in items]
    return index, codes


def code_ratings(table: Ratings) -> Coded:
    """The table's ratings as sorted integer columns (gold values coded on the same scale)."""
    spec = table.control
    units, unit_codes = _index(table.task)
    order = np.argsort(np.asarray(unit_codes, dtype=np.int64), kind="stable")
    unit = np.asarray(unit_codes, dtype=np.int64)[order]
    raters = sorted(set(table.annotator), key=str)
    rater_index = {a: i for i, a in enumerate(raters)}
    rater = np.array([rater_index[a] for a in table.annotator], dtype=np.int64)[order]
    weeks, week_codes = _index(table.week)
    values = [table.value[i] for i in order]
    coded = Coded(spec, list(units), unit, raters, rater, list(weeks), np.asarray(week_codes, np.int64)[order],
                  values)
    gold = {units[task]: value for task, value in table.gold.items() if task in units}
    coded.gold = gold
    kind = spec.kind
    if kind == "single":
        seen = set(values) | set(gold.values())
        categories = list(spec.labels) + sorted(seen - set(spec.labels), key=str)
    elif kind == "multi":
        categories = sorted(set(values) | set(gold.values()), key=lambda s: (len(s), sorted(s)))
        labels = list(spec.labels) + sorted({label for s in categories for label in s} - set(spec.labels))
        coded.masks, coded.labels = label_bitmasks(categories, labels), labels
    elif kind == "rating":
        scale = set(range(1, (spec.max_rating or 0) + 1))
        categories = sorted(scale | {float(v) for v in values} | {float(v) for v in gold.values()})
    elif kind == "number":
        categories = None
    else:
        return coded
    if kind in ("rating", "number"):
        coded.x = np.asarray(values, dtype=float)
    if categories is not None:
        index = {c: i for i, c in enumerate(categories)}
        coded.categories = categories
        coded.code = np.array([index[v] for v in values], dtype=np.int64)
    return coded


def pairs(coded: Coded, units: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (i, j), i < j, of ratings on the same unit, optionally only on the units flagged in `units`."""
    keep = np.arange(len(coded.unit)) if units is None else np.flatnonzero(units[coded.unit])
    found_i, found_j = [], []
    for i, j in _pairs_in_groups(coded.unit[keep]):
        found_i.append(keep[i])
        found_j.append(keep[j])
    if not found_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(found_i), np.concatenate(found_j)


def span_of(coded: Coded, units: np.ndarray | None = None) -> float:
    """The scale range a Rating/Number difference is divided by (maxRating - 1, else max - min of the values)."""
    spec = coded.spec
    if spec.kind == "rating" and spec.max_rating:
        return float(max(spec.max_rating - 1, 1))
    x = coded.x if units is None else coded.x[units[coded.unit]]
    return float(x.max() - x.min()) if len(x) else 0.0


def similarity_function(spec: ControlSpec, span: float, box_threshold: float = 0.5) -> Callable[[Any, Any], float]:
    """The pairwise similarity in [0, 1] of two values of this control (the per-value form)."""
    kind = spec.kind
    if kind == "single":
        return lambda a, b: float(a == b)
    if kind == "multi":
        return lambda a, b: 1.0 if not (a | b) else len(a & b) / len(a | b)
    if kind in ("rating", "number"):
        return (lambda a, b: 1.0 - abs(a - b) / span) if span else (lambda a, b: float(a == b))
    if kind == "boxes":
        return lambda a, b: box_f1(a, b, box_threshold)
    if kind == "spans":
        return span_f1
    if kind == "text":
        return lambda a, b: 1.0 - Levenshtein.normalized_distance(a, b)
    raise ValueError(kind)


def pair_similarity(coded: Coded, i: np.ndarray, j: np.ndarray, span: float, box_threshold: float = 0.5) -> np.ndarray:
    """Similarity of rating i with rating j for every given pair."""
    kind = coded.spec.kind
    if kind == "single":
        return (coded.code[i] == coded.code[j]).astype(float)
    if kind == "multi":
        return 1.0 - set_distance(coded.masks, "jaccard")(coded.code[i], coded.code[j])
    if kind in ("rating", "number"):
        if span:
            return 1.0 - np.abs(coded.x[i] - coded.x[j]) / span
        return (coded.x[i] == coded.x[j]).astype(float)
    if kind in ("boxes", "spans"):
        return pair_f1(*coded.regions(), i, j, box_threshold if kind == "boxes" else 1e-9)
    similarity = similarity_function(coded.spec, span, box_threshold)
    values = coded.values
    return np.array([similarity(values[a], values[b]) for a, b in zip(i.tolist(), j.tolist(), strict=True)], float)


def gold_similarity(coded: Coded, span: float, box_threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(ratings on units with a gold value, their similarity to it)."""
    if not coded.gold:
        return np.zeros(0, np.int64), np.zeros(0)
    has_gold = np.zeros(coded.n_units, bool)
    has_gold[list(coded.gold)] = True
    rows = np.flatnonzero(has_gold[coded.unit])
    kind = coded.spec.kind
    if kind in ("single", "multi", "rating") and coded.categories is not None:
        index = {c: k for k, c in enumerate(coded.categories)}
        gold_code = np.full(coded.n_units, -1, np.int64)
        for u, value in coded.gold.items():
            gold_code[u] = index[float(value) if kind == "rating" else value]
        target = gold_code[coded.unit[rows]]
        if kind == "single":
            return rows, (coded.code[rows] == target).astype(float)
        if kind == "multi":
            return rows, 1.0 - set_distance(coded.masks, "jaccard")(coded.code[rows], target)
        scores = np.asarray(coded.categories, float)[target]
        return rows, (1.0 - np.abs(coded.x[rows] - scores) / span) if span else (coded.x[rows] == scores).astype(float)
    if kind in ("boxes", "spans"):  # nothing drawn by anyone, gold included: nothing to compare (`empty_units`)
        empty_gold = np.array([not coded.gold.get(u, ()) for u in range(coded.n_units)], bool)
        rows = rows[~(empty_units(coded) & empty_gold)[coded.unit[rows]]]
    similarity = similarity_function(coded.spec, span, box_threshold)
    return rows, np.array([similarity(coded.values[r], coded.gold[int(coded.unit[r])]) for r in rows.tolist()], float)


def empty_units(coded: Coded) -> np.ndarray:
    """Boxes and spans: units where every annotator left the control empty (no region drawn). Such a unit holds
    nothing to compare (F1 of two empty answers is 0/0) and is left out of every figure of the control: task
    score, mean pairwise F1 (matched and exact), F1 per label, per-annotator and weekly agreement, the pairwise
    matrix, and gold accuracy where the gold is empty too. (An empty label set of a multiple choice is an answer,
    "no label applies", compared like any other set in every figure, as the coefficients count it.)"""
    if coded.spec.kind not in ("boxes", "spans"):
        return np.zeros(coded.n_units, bool)
    empty = np.array([not v for v in coded.values], bool)
    filled = np.bincount(coded.unit, ~empty, minlength=coded.n_units)
    return filled == 0


class Scored:
    """What scoring one control leaves for the report's other sections."""

    def __init__(self, coded: Coded, scored: np.ndarray, pair_i: np.ndarray, pair_j: np.ndarray,
                 similarity: np.ndarray, span: float) -> None:
        self.coded, self.scored, self.span = coded, scored, span
        self.pair_i, self.pair_j, self.similarity = pair_i, pair_j, similarity

    def task_scores(self) -> dict:
        """task id -> mean pairwise similarity, for scored tasks (`score_pairs`)."""
        if getattr(self, "_task_scores", None) is None:
            self._task_scores = self._compute_task_scores()
        return self._task_scores

    def _compute_task_scores(self) -> dict:
        coded = self.coded
        unit = coded.unit[self.pair_i]
        sums = np.bincount(unit, self.similarity, coded.n_units)
        count = np.bincount(unit, minlength=coded.n_units)
        has = self.scored & (count > 0)
        means = (sums[has] / count[has]).tolist()
        return dict(zip([coded.task_ids[u] for u in np.flatnonzero(has).tolist()], means, strict=True))

    def rating_agreement(self) -> np.ndarray:
        """Per rating: mean similarity to the other annotators on the task (NaN where there are none)."""
        coded = self.coded
        n = len(coded.unit)
        sums = np.bincount(self.pair_i, self.similarity, n) + np.bincount(self.pair_j, self.similarity, n)
        others = coded.ratings_per_unit()[coded.unit] - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.scored[coded.unit] & (others > 0), sums / others, np.nan)


def score_pairs(coded: Coded, min_annotators: int, box_threshold: float) -> Scored:
    """Pairs of ratings on the tasks that get a score (at least `min_annotators` ratings, not left empty by every
    annotator: `empty_units`), and their similarities."""
    scored = (coded.ratings_per_unit() >= min_annotators) & ~empty_units(coded)
    span = span_of(coded, scored) if coded.spec.kind in ("rating", "number") else 0.0
    i, j = pairs(coded, scored)
    return Scored(coded, scored, i, j, pair_similarity(coded, i, j, span, box_threshold), span)
