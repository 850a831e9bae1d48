"""Agreement measures on count matrices and value pairs, and the report's measure names (pure numpy; sources cited).

A counts matrix has one row per unit (task) and one column per value: `counts[u, v]` is how many
annotators gave value v to unit u. The coefficients are computed from it without materialising
annotator pairs, which is what keeps a million annotations in seconds; Krippendorff's alpha of
measured values and label sets is in `alpha` (linear memory), the kappa family in `chance_corrected`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import combinations
from typing import Any

import numpy as np

from sdk_scripts.agreement import alpha

# Display names of the report's measure keys (words, then the symbol), in one place for every page that
# shows them; the wording of the quality report's first list.
MEASURE_NAMES = {
    "percent_agreement": "Percent agreement (pairs of annotators who agree), P\u2092",
    "alpha_nominal": "Krippendorff's alpha (nominal), \u03b1",
    "alpha_ordinal": "Krippendorff's alpha (ordinal), \u03b1",
    "alpha_interval": "Krippendorff's alpha (interval), \u03b1",
    "alpha_ratio": "Krippendorff's alpha (ratio), \u03b1",
    "alpha_masi": "Krippendorff's alpha (MASI distance), \u03b1",
    "alpha_jaccard": "Krippendorff's alpha (Jaccard distance), \u03b1",
    "alpha_binary_mean": "Mean of the per-label Krippendorff's alphas (binary), \u1fb1",
    "alpha_matched_units": "Krippendorff's alpha over matched regions, \u03b1",
    "fleiss_kappa": "Fleiss' kappa (Gwet's form for unequal numbers of raters), \u03ba",
    "gwet_ac1": "Gwet's first-order agreement coefficient, AC\u2081",
    "gwet_ac2_linear": "Gwet's AC2 (linear weights), AC\u2082",
    "gwet_ac2_quadratic": "Gwet's AC2 (quadratic weights), AC\u2082",
    "brennan_prediger": "Brennan-Prediger free-marginal kappa, \u03ba",
    "cohen_kappa": "Cohen's kappa, \u03ba",
    "cohen_kappa_linear": "Cohen's weighted kappa (linear weights), \u03ba",
    "cohen_kappa_quadratic": "Cohen's weighted kappa (quadratic weights), \u03ba",
    "mean_pairwise_f1": "Mean pairwise F1 of matched regions, F\u2081",
    "mean_pairwise_f1_exact": "Mean pairwise F1 of exactly equal spans, F\u2081",
    "char_similarity": "Character similarity (1 - normalised Levenshtein distance), s",
    "word_similarity": "Word similarity (1 - normalised Levenshtein distance over words), s",
    "semantic_similarity": "Semantic similarity (cosine of MiniLM sentence embeddings), cos",
}


def counts_matrix(units: np.ndarray, values: np.ndarray, n_units: int, n_values: int) -> np.ndarray:
    """Units x values count matrix from parallel integer arrays (one entry per rating); `alpha.TooLarge`
    rather than a dense matrix over `alpha.BLOCK` * 16 cells (measured values and label sets go to `alpha`)."""
    if n_units * n_values > alpha.BLOCK * 16:
        raise alpha.TooLarge(f"a {n_units:,} x {n_values:,} counts matrix")
    flat = np.bincount(units.astype(np.int64) * n_values + values.astype(np.int64), minlength=n_units * n_values)
    return flat.reshape(n_units, n_values)


def krippendorff_alpha(counts: np.ndarray, level: str | np.ndarray = "nominal",
                       value_domain: Sequence[float] | None = None) -> float | None:
    """Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability") of a counts matrix.

    `level` is "nominal", "ordinal", "interval", "ratio", or a V x V distance matrix between the
    columns of `counts` (set-valued labels with MASI or Jaccard distance); `value_domain` gives the
    (ascending) value of each column, default 0..V-1. Computed in memory linear in the data by
    `sdk_scripts.agreement.alpha` (the `krippendorff` package is the tests' baseline). None when alpha
    is undefined (fewer than two pairable values, or only one value in use so that expected
    disagreement is zero).
    """
    counts = np.asarray(counts)
    pairable = counts[counts.sum(axis=1) >= 2]
    if pairable.sum() < 2:
        return None
    used = pairable.sum(axis=0) > 0
    if used.sum() < 2:
        return None
    if isinstance(level, str) and level == "nominal":
        return nominal_alpha(pairable)
    rows, columns = np.nonzero(pairable[:, used])
    repeat = pairable[:, used][rows, columns]
    unit, code = np.repeat(rows, repeat), np.repeat(columns, repeat)
    if isinstance(level, np.ndarray):
        return alpha.distance_alpha(unit, code, np.asarray(level, float)[np.ix_(used, used)])
    if level == "ordinal":  # only the order of the values matters
        return alpha.ordinal_alpha(unit, code)
    domain = np.arange(counts.shape[1], dtype=float) if value_domain is None else np.asarray(value_domain, float)
    x = domain[used][code]
    if level == "interval":
        return alpha.interval_alpha(unit, x)
    if level == "ratio":
        return alpha.ratio_alpha(unit, x)
    raise ValueError(f"unknown level of measurement {level!r}")


def nominal_alpha(counts: np.ndarray) -> float | None:
    """Nominal alpha in closed form from value counts (Krippendorff 2011, section C, with the
    coincidence matrix never built): o_cc = sum_u n_uc (n_uc - 1) / (n_u - 1),
    alpha = 1 - (n - 1) (n - sum_c o_cc) / (n^2 - sum_c n_c^2).

    The same number as the `krippendorff` package's nominal alpha (checked in the tests) at a
    fraction of the cost, which is what the million-annotation path needs.
    """
    n_u = counts.sum(axis=1)
    pairable = counts[n_u >= 2].astype(np.float64)
    if pairable.size == 0:
        return None
    weights = 1.0 / (pairable.sum(axis=1) - 1.0)
    agreeing = float((pairable * (pairable - 1.0) * weights[:, None]).sum())
    n_c = pairable.sum(axis=0)
    n = float(n_c.sum())
    expected = n * n - float((n_c**2).sum())
    if n < 2 or expected == 0:
        return None
    return 1.0 - (n - 1.0) * (n - agreeing) / expected


def unit_agreement(counts: np.ndarray) -> np.ndarray:
    """Per-unit observed agreement: the share of agreeing ordered annotator pairs, NaN below 2 ratings.

    sum_v n_uv (n_uv - 1) / (n_u (n_u - 1)), Fleiss (1971) P_i.
    """
    n = counts.sum(axis=1).astype(float)
    agreeing = (counts * (counts - 1)).sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n >= 2, agreeing / (n * (n - 1)), np.nan)


def percent_agreement(counts: np.ndarray) -> float | None:
    """Mean per-unit pairwise agreement over units with at least two ratings."""
    per_unit = unit_agreement(counts)
    return None if np.all(np.isnan(per_unit)) else float(np.nanmean(per_unit))


def percent_agreement_of_codes(unit: np.ndarray, code: np.ndarray) -> float | None:
    """`percent_agreement` from parallel (unit, code) arrays, for codes too many for a dense counts matrix
    (label sets): only the (unit, code) cells that occur are counted."""
    unit = np.asarray(unit, dtype=np.int64)
    if len(unit) == 0:
        return None
    code = np.asarray(code, dtype=np.int64)
    cells, n_uc = np.unique(unit * (int(code.max()) + 1) + code, return_counts=True)
    cell_unit = cells // (int(code.max()) + 1)
    m = np.bincount(unit).astype(float)
    agreeing = np.bincount(cell_unit, n_uc * (n_uc - 1.0), len(m))
    rated = m >= 2
    return float(np.mean(agreeing[rated] / (m[rated] * (m[rated] - 1)))) if rated.any() else None


def binary_alphas(unit: np.ndarray, label: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """Nominal alpha of present/absent for every label at once, from one (unit, label) row per rating that
    gave the label, plus one row per rating with label -1 (so units' rating counts are known): (alpha per
    label, NaN where undefined; pairable ratings giving it). O(rows): a unit without the label agrees on
    "absent" fully, so only the (unit, label) cells that occur change the closed form
    alpha = 1 - (n - 1) (n - A) / (n^2 - n_1^2 - n_0^2), A = sum_u [k(k - 1) + (m - k)(m - k - 1)] / (m - 1).
    """
    unit = np.asarray(unit, dtype=np.int64)
    label = np.asarray(label, dtype=np.int64)
    m = np.bincount(unit[label < 0]).astype(float)
    m = np.concatenate([m, np.zeros(max(0, int(unit.max(initial=-1)) + 1 - len(m)))])
    given = (label >= 0) & (m[unit] >= 2)
    cells, k = np.unique(unit[given] * n_labels + label[given], return_counts=True)
    cell_unit, cell_label = cells // n_labels, cells % n_labels
    mu = m[cell_unit]
    change = (k * (k - 1) + (mu - k) * (mu - k - 1)) / (mu - 1) - mu
    n = float(m[m >= 2].sum())
    agreeing = n + np.bincount(cell_label, change, n_labels)
    n1 = np.bincount(cell_label, k, n_labels).astype(float)
    expected = n * n - n1**2 - (n - n1) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        value = 1.0 - (n - 1) * (n - agreeing) / expected
    return np.where(expected > 0, value, np.nan), n1


def fleiss_kappa(counts: np.ndarray) -> float | None:
    """Fleiss' kappa (Fleiss 1971, "Measuring nominal scale agreement among many raters").

    Defined only when every unit has the same number (>= 2) of ratings; None otherwise.
    """
    n = counts.sum(axis=1)
    if len(n) == 0 or n[0] < 2 or np.any(n != n[0]):
        return None
    p_j = counts.sum(axis=0) / counts.sum()
    p_bar = unit_agreement(counts).mean()
    p_e = float((p_j**2).sum())
    return None if p_e == 1 else float((p_bar - p_e) / (1 - p_e))


def jaccard_similarity(a: frozenset, b: frozenset) -> float:
    """|a & b| / |a | b|; two empty sets agree fully."""
    union = a | b
    return 1.0 if not union else len(a & b) / len(union)


def masi_distance(a: frozenset, b: frozenset) -> float:
    """MASI distance (Passonneau 2006, "Measuring agreement on set-valued items"): 1 - J * M,
    M = 1 if equal, 2/3 if one is a subset of the other, 1/3 if they overlap otherwise, 0 if disjoint."""
    if a == b:
        return 0.0
    if a <= b or b <= a:
        monotonicity = 2 / 3
    elif a & b:
        monotonicity = 1 / 3
    else:
        monotonicity = 0.0
    return 1.0 - jaccard_similarity(a, b) * monotonicity


def mean_of_defined(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None (a task with one rating has no pair); None when none is."""
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None


def mean_pairwise(values: Sequence[Any], similarity: Callable[[Any, Any], float]) -> float | None:
    """Mean similarity over all unordered pairs of values; None with fewer than two values."""
    pairs = list(combinations(values, 2))
    return None if not pairs else float(np.mean([similarity(a, b) for a, b in pairs]))
