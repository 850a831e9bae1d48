"""One control's ratings as integer columns, and group-by helpers over them (pure numpy).

The engine works on these instead of per-task dicts: `unit` (task index), `rater` (annotator index,
annotators sorted by str) and `week` are int64 arrays, one entry per rating, sorted by unit with each
task's ratings in the order its annotations came. The control's kind (`kinds`) codes the values
(`code`: category or label-set index, `x`: measured values, `masks`: label sets, `regions()`: boxes and
spans) and gives the similarity of pairs of them; pairs of ratings within a unit come from `pairs`, and
per-unit or per-rating means from `np.bincount`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sdk_scripts.agreement.alpha import _pairs_in_groups
from sdk_scripts.agreement.geometry import flatten_regions
from sdk_scripts.agreement.spec import ControlSpec

if TYPE_CHECKING:
    from sdk_scripts.agreement.extract import Ratings
    from sdk_scripts.agreement.kinds.base import AgreementKind


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
    kind: AgreementKind | None = None  # the kind that coded it (`kinds`)

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


def columns(table: Ratings, kind: AgreementKind) -> Coded:
    """The table's ratings as sorted integer columns and values (the kind codes the values: `kind.encode`)."""
    units, unit_codes = _index(table.task)
    order = np.argsort(np.asarray(unit_codes, dtype=np.int64), kind="stable")
    unit = np.asarray(unit_codes, dtype=np.int64)[order]
    raters = sorted(set(table.annotator), key=str)
    rater_index = {a: i for i, a in enumerate(raters)}
    rater = np.array([rater_index[a] for a in table.annotator], dtype=np.int64)[order]
    weeks, week_codes = _index(table.week)
    values = [table.value[i] for i in order]
    coded = Coded(table.control, list(units), unit, raters, rater, list(weeks), np.asarray(week_codes, np.int64)[order],
                  values, kind=kind)
    coded.gold = {units[task]: value for task, value in table.gold.items() if task in units}
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


def gold_rows(coded: Coded) -> np.ndarray:
    """The ratings on units that have a gold value."""
    has_gold = np.zeros(coded.n_units, bool)
    has_gold[list(coded.gold)] = True
    return np.flatnonzero(has_gold[coded.unit])


def label_presence(coded: Coded, labels: list[str]) -> np.ndarray:
    """Multiple choice: ratings x `labels`, 1 where the rating's label set holds the label (uint64)."""
    masks = coded.masks[coded.code]
    bits = [coded.labels.index(label) for label in labels]
    if not bits:
        return np.zeros((len(coded.unit), 0), np.uint64)
    return np.stack([(masks[:, b // 64] >> np.uint64(b % 64)) & np.uint64(1) for b in bits], axis=1)


def by_task(coded: Coded, units: np.ndarray) -> dict[Any, dict]:
    """task -> {annotator: value} on the flagged units (for the figures that compare values one pair at a time)."""
    grouped: dict = defaultdict(dict)
    for u, r, value in zip(coded.unit.tolist(), coded.rater.tolist(), coded.values, strict=True):
        if units[u]:
            grouped[coded.task_ids[u]][coded.rater_ids[r]] = value
    return dict(grouped)


class Scored:
    """What scoring one control leaves for the report's other sections."""

    def __init__(self, coded: Coded, scored: np.ndarray, pair_i: np.ndarray, pair_j: np.ndarray,
                 similarity: np.ndarray, span: float) -> None:
        self.coded, self.scored, self.span = coded, scored, span
        self.pair_i, self.pair_j, self.similarity = pair_i, pair_j, similarity

    def mean_task_score(self) -> float | None:
        """Mean of the task scores (None: no task scored)."""
        scores = self.task_scores()
        return float(np.mean(list(scores.values()))) if scores else None

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
    annotator: the kind's `empty_units`), and their similarities (the kind's `pair_similarity`)."""
    kind = coded.kind
    scored = (coded.ratings_per_unit() >= min_annotators) & ~kind.empty_units(coded)
    span = kind.span(coded, scored)
    i, j = pairs(coded, scored)
    return Scored(coded, scored, i, j, kind.pair_similarity(coded, i, j, span, box_threshold), span)
