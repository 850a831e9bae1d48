"""Krippendorff's alpha in memory linear in the data, for every level of measurement (pure numpy/scipy).

Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
Communication, University of Pennsylvania. With n pairable values (values in units that hold at
least two), m_u values in unit u, n_c pairable values equal to c and a difference function delta:

    coincidences  o_ck = sum_u (number of c-k pairs of values in u) / (m_u - 1)
    alpha         = 1 - (n - 1) * sum_ck o_ck delta_ck / sum_ck n_c n_k delta_ck

Nothing here builds the N x V x V array the `krippendorff` package builds. The observed term is a
sum over pairs of *distinct* values within units (at most sum_u min(m_u, V)^2 pairs, in chunks); the
expected term comes from the value totals:

- interval: both terms in closed form, sum_ck n_c n_k (c - k)^2 = 2 n sum (x - mean)^2 and, per unit,
  sum over ordered pairs (x_i - x_j)^2 = 2 m_u sum_i (x_i - mean_u)^2 -- O(ratings), any number of values;
- ordinal: delta_ck = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2 = (M_k - M_c)^2 with the mid-rank
  M_c = (number of pairable values below c) + n_c / 2, so ordinal alpha is interval alpha on mid-ranks
  (one sort);
- nominal: closed form from the per-unit counts;
- ratio and any distance between codes (MASI, Jaccard on label sets): the expected term is
  sum_ck n_c n_k delta_ck over the V distinct values in use, in row blocks (V^2 time, not memory).

Every function takes optional `weights`, the multiplicity of each unit (a bootstrap replicate), and
returns None when alpha is undefined (fewer than two pairable values, or no expected disagreement).
`TooLarge` is raised *before* any big allocation when a computation would not fit the budgets below;
callers report it instead of running out of memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

# Budgets: entries of a block held at once, and distance evaluations allowed for one expected term.
BLOCK = 1 << 20
MAX_DISTANCE_EVALUATIONS = 4 * 10**8

# codes i, codes j -> delta(i, j), elementwise with numpy broadcasting (a column of codes against a row of codes)
PairDistance = Callable[[np.ndarray, np.ndarray], np.ndarray]


class NotComputed(ValueError):
    """A coefficient left out, with the reason (the report shows it as a note)."""


class TooLarge(NotComputed):
    """A computation that would exceed the memory or time budget; the message says what and how big."""


def _pairable(unit: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask of ratings in units with >= 2 ratings, ratings per unit, weight of each rating)."""
    unit = np.asarray(unit, dtype=np.int64)
    m_u = np.bincount(unit) if len(unit) else np.zeros(0, np.int64)
    keep = m_u[unit] >= 2
    w = np.ones(len(unit)) if weights is None else np.asarray(weights, float)[unit]
    return keep, m_u, w


def interval_alpha(unit: np.ndarray, x: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Interval alpha, delta = (c - k)^2, in closed form: O(ratings) time and memory, any number of distinct values."""
    unit = np.asarray(unit, dtype=np.int64)
    x = np.asarray(x, dtype=float)
    keep, m_u, w = _pairable(unit, weights)
    unit, x, w = unit[keep], x[keep], w[keep]
    n = float(w.sum())
    used = x[w > 0]
    if n < 2 or len(used) == 0 or used.min() == used.max():  # one value in use: no expected disagreement, whatever
        return None  # rounding leaves of sum((x - mean)^2)
    # per unit: sum over ordered pairs (x_i - x_j)^2 = 2 m_u SS_u, two-pass for numerical stability
    size = len(m_u)
    mean_u = np.bincount(unit, x, size) / np.maximum(m_u, 1)
    ss_u = np.bincount(unit, (x - mean_u[unit]) ** 2, size)
    unit_w = np.zeros(size)
    unit_w[unit] = w  # every rating of a unit carries the unit's weight
    pairable = m_u >= 2
    observed = float((unit_w[pairable] * 2 * m_u[pairable] * ss_u[pairable] / (m_u[pairable] - 1)).sum())
    mean = float((w * x).sum() / n)
    expected = 2 * n * float((w * (x - mean) ** 2).sum())
    if expected <= 0:
        return None
    return 1.0 - (n - 1) * observed / expected


def mid_ranks(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal position of each value: (weight of values below it) + (weight of its own value) / 2."""
    values, inverse = np.unique(x, return_inverse=True)
    n_c = np.bincount(inverse, w, len(values))
    return (np.cumsum(n_c) - n_c / 2)[inverse]


def ordinal_alpha(unit: np.ndarray, x: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Ordinal alpha: interval alpha on mid-ranks of the pairable values (one sort; no V x V matrix)."""
    unit = np.asarray(unit, dtype=np.int64)
    x = np.asarray(x, dtype=float)
    keep, _, w = _pairable(unit, weights)
    if not keep.any():
        return None
    return interval_alpha(unit[keep], mid_ranks(x[keep], w[keep]), None if weights is None else weights)


def nominal_alpha_of_codes(unit: np.ndarray, code: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Nominal alpha from integer codes: o_cc = sum_u n_uc (n_uc - 1) / (m_u - 1), closed form, O(ratings)."""
    unit = np.asarray(unit, dtype=np.int64)
    code = np.asarray(code, dtype=np.int64)
    keep, m_u, w = _pairable(unit, weights)
    unit, code, w = unit[keep], code[keep], w[keep]
    if len(unit) == 0:
        return None
    width = int(code.max()) + 1
    cells, n_uc = np.unique(unit * width + code, return_counts=True)
    cell_unit = cells // width
    unit_w = np.zeros(len(m_u))
    unit_w[unit] = w
    agreeing = float((unit_w[cell_unit] * n_uc * (n_uc - 1) / (m_u[cell_unit] - 1)).sum())
    n_c = np.bincount(code, w)
    n = float(n_c.sum())
    expected = n * n - float((n_c**2).sum())
    if n < 2 or expected <= 0:
        return None
    return 1.0 - (n - 1.0) * (n - agreeing) / expected


def _unit_cells(unit: np.ndarray, code: np.ndarray, weights: np.ndarray | None):
    """Distinct (unit, code) cells of the pairable ratings: unit, code, count n_uc, 1 / (m_u - 1), unit weight."""
    unit = np.asarray(unit, dtype=np.int64)
    code = np.asarray(code, dtype=np.int64)
    keep, m_u, _ = _pairable(unit, None)
    unit, code = unit[keep], code[keep]
    if len(unit) == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty, np.zeros(0), np.zeros(0)
    order = np.lexsort((code, unit))
    unit, code = unit[order], code[order]
    start = np.ones(len(unit), bool)
    start[1:] = (unit[1:] != unit[:-1]) | (code[1:] != code[:-1])
    idx = np.flatnonzero(start)
    counts = np.diff(np.append(idx, len(unit)))
    cu, cc = unit[idx], code[idx]
    w = np.ones(len(cu)) if weights is None else np.asarray(weights, float)[cu]
    return cu, cc, counts, 1.0 / (m_u[cu] - 1), w


def _pairs_in_groups(group: np.ndarray, limit: int = BLOCK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """All (i, j), i < j, of positions sharing a group (`group` sorted), in chunks of about `limit` pairs."""
    if len(group) < 2:
        return
    start = np.ones(len(group), bool)
    start[1:] = group[1:] != group[:-1]
    first = np.flatnonzero(start)
    size = np.diff(np.append(first, len(group)))
    position = np.arange(len(group)) - np.repeat(first, size)
    later = np.repeat(size, size) - position - 1  # partners after each position in its group
    ends = np.cumsum(later)
    begin = 0
    while begin < len(group):
        stop = int(np.searchsorted(ends, (ends[begin - 1] if begin else 0) + limit, side="right"))
        stop = max(stop, begin + 1)
        counts = later[begin:stop]
        total = int(counts.sum())
        if total:
            i = np.repeat(np.arange(begin, stop), counts)
            offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
            yield i, i + 1 + offset
        begin = stop


def pair_count(group: np.ndarray) -> int:
    """How many within-group pairs `_pairs_in_groups` yields (to check a budget before generating them)."""
    if len(group) == 0:
        return 0
    _, size = np.unique(group, return_counts=True)
    return int((size * (size - 1) // 2).sum())


def _expected_sum(n_c: np.ndarray, distance: np.ndarray | PairDistance) -> float:
    """sum_ck n_c n_k delta(c, k) over the codes in use, in row blocks (never a V x V array beyond BLOCK)."""
    used = np.flatnonzero(n_c > 0)
    v = len(used)
    if isinstance(distance, np.ndarray):
        sub = distance[np.ix_(used, used)]
        return float(n_c[used] @ sub @ n_c[used])
    if v * v > MAX_DISTANCE_EVALUATIONS:
        raise TooLarge(f"{v:,} distinct values: the expected disagreement needs {v * v:,} distance evaluations "
                       f"(budget {MAX_DISTANCE_EVALUATIONS:,})")
    rows = max(1, BLOCK // max(v, 1))
    weights = n_c[used]
    total = 0.0
    for begin in range(0, v, rows):
        block = used[begin:begin + rows]
        d = distance(block[:, None], used[None, :])
        total += float(weights[begin:begin + rows] @ d @ weights)
    return total


def distance_alpha(unit: np.ndarray, code: np.ndarray, distance: np.ndarray | PairDistance,
                   weights: np.ndarray | None = None, n_codes: int | None = None) -> float | None:
    """Alpha for integer codes and any difference function: a V x V array, or a vectorised callable
    `distance(codes_i, codes_j)` (set distances on label bitmasks), with delta(c, c) = 0.

    Observed: pairs of distinct codes within units, weighted n_uc n_uk / (m_u - 1), evaluated in chunks.
    Expected: value totals against the distance, in row blocks.
    """
    cu, cc, count, inv, w = _unit_cells(unit, code, weights)
    if len(cu) == 0:
        return None
    n_codes = int(n_codes if n_codes is not None else (int(np.max(code)) + 1 if len(code) else 0))
    n_c = np.bincount(cc, w * count, n_codes)
    n = float(n_c.sum())
    if n < 2 or np.count_nonzero(n_c) < 2:
        return None
    observed = 0.0
    for i, j in _pairs_in_groups(cu):
        d = distance[cc[i], cc[j]] if isinstance(distance, np.ndarray) else distance(cc[i], cc[j])
        observed += 2.0 * float((w[i] * count[i] * count[j] * inv[i] * d).sum())
    expected = _expected_sum(n_c, distance)
    if expected <= 0:
        return None
    return 1.0 - (n - 1.0) * observed / expected


def ratio_alpha(unit: np.ndarray, x: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Ratio alpha, delta = ((c - k) / (c + k))^2 (0 when c + k = 0), for values >= 0.

    No closed form for the expected term: V^2 distance evaluations over the V distinct values in use,
    in blocks; `TooLarge` beyond MAX_DISTANCE_EVALUATIONS.
    """
    x = np.asarray(x, dtype=float)
    values, code = np.unique(x, return_inverse=True)

    def delta(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        a, b = values[i], values[j]
        total = a + b
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total != 0, ((a - b) / np.where(total != 0, total, 1)) ** 2, 0.0)

    return distance_alpha(unit, code, delta, weights, len(values))


def label_bitmasks(sets: list[frozenset], labels: list[str]) -> np.ndarray:
    """Each set of labels as a row of uint64 words, bit b set when labels[b] is in the set."""
    index = {label: i for i, label in enumerate(labels)}
    words = max(1, (len(labels) + 63) // 64)
    masks = np.zeros((len(sets), words), dtype=np.uint64)
    for row, members in enumerate(sets):
        for label in members:
            bit = index[label]
            masks[row, bit // 64] |= np.uint64(1) << np.uint64(bit % 64)
    return masks


def set_distance(masks: np.ndarray, kind: str) -> PairDistance:
    """Vectorised distance between label sets given as bitmask rows: "jaccard" (1 - |a & b| / |a | b|) or
    "masi" (Passonneau 2006: 1 - J * M, M = 1 equal, 2/3 subset, 1/3 overlap, 0 disjoint); empty vs empty is 0."""
    sizes = np.bitwise_count(masks).sum(axis=1).astype(np.int64)

    def distance(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        a, b = masks[i], masks[j]
        inter = np.bitwise_count(a & b).sum(axis=-1).astype(float)
        union = np.bitwise_count(a | b).sum(axis=-1).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            jaccard = np.where(union > 0, inter / np.where(union > 0, union, 1), 1.0)
        if kind == "jaccard":
            return 1.0 - jaccard
        equal = (sizes[i] == sizes[j]) & (inter == sizes[i])
        subset = (inter == sizes[i]) | (inter == sizes[j])
        monotonicity = np.where(equal, 1.0, np.where(subset, 2 / 3, np.where(inter > 0, 1 / 3, 0.0)))
        return 1.0 - jaccard * monotonicity

    return distance
