"""Chance-corrected coefficients on a categorical scale, weighted kappa per annotator pair, bootstrap intervals.

Input is a units x categories counts matrix (`counts[u, k]` = raters who put unit u in category k;
units with a single rating are kept: Gwet's chance term uses them) over the *whole* scale, so that
categories nobody used still count (Gwet 2014 recommends the full category list). Formulas follow
Gwet, K. L. (2014), Handbook of Inter-Rater Reliability, 4th ed., chapters 2-3 and 5, as implemented
in his R package irrCAC (`*.raw` functions), with r_u raters on unit u, weights w_kl (identity:
unweighted), r*_uk = sum_l w_kl r_ul, units with r_u >= 2 counted by n2:

    p_a  = (1 / n2) sum_{u: r_u >= 2} sum_k r_uk (r*_uk - 1) / (r_u (r_u - 1))
    pi_k = (1 / n) sum_u r_uk / r_u                    (n: units with at least one rating)
    Fleiss' kappa, generalised to unequal r_u:  p_e = sum_kl w_kl pi_k pi_l
    Gwet's AC1 (identity weights) / AC2:        p_e = (sum_kl w_kl) / (q (q - 1)) sum_k pi_k (1 - pi_k)
    Brennan-Prediger (free-marginal) kappa:     p_e = (sum_kl w_kl) / q^2
    coefficient = (p_a - p_e) / (1 - p_e)

With the same number of raters on every unit, the generalised Fleiss' kappa is Fleiss (1971)'s.

Every coefficient here is a `Coefficient`: per-unit terms and a finish step from their sums, so a
bootstrap replicate (units drawn with replacement) is a weighted sum (see `bootstrap`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


def agreement_weights(positions: Sequence[float], kind: str = "identity") -> np.ndarray:
    """Agreement weights between categories at numeric `positions` (Gwet 2014 ch. 3; irrCAC's *.weights):
    identity; linear 1 - |k - l| / (max - min); quadratic 1 - (k - l)^2 / (max - min)^2;
    ratio 1 - ((k - l) / (k + l))^2 / ((max - min) / (max + min))^2."""
    x = np.asarray(positions, dtype=float)
    q = len(x)
    if kind == "identity" or q < 2:
        return np.eye(q)
    diff = x[:, None] - x[None, :]
    span = x.max() - x.min()
    if kind == "linear":
        return 1.0 - np.abs(diff) / span
    if kind == "quadratic":
        return 1.0 - diff**2 / span**2
    if kind == "ratio":
        total = x[:, None] + x[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            relative = np.where(total != 0, (diff / np.where(total != 0, total, 1)) ** 2, 0.0)
        return 1.0 - relative / ((span / (x.max() + x.min())) ** 2)
    raise ValueError(f"unknown weights {kind!r}")


@dataclass(frozen=True)
class Coefficient:
    """A coefficient as per-unit terms (N x K) and a finish step from their (B x K) sums to B values."""

    terms: Callable[[np.ndarray], np.ndarray]
    finish: Callable[[np.ndarray], np.ndarray]


def _rated(counts: np.ndarray) -> np.ndarray:
    return np.asarray(counts, dtype=float)[np.asarray(counts).sum(axis=1) > 0]


def _gwet_terms(weights: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Columns: 1 (a rated unit), [r_u >= 2], p_a of the unit (0 below 2 ratings), r_uk / r_u for each k."""

    def terms(counts: np.ndarray) -> np.ndarray:
        r = counts.sum(axis=1)
        two = r >= 2
        agreeing = (counts * (counts @ weights.T - 1)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            pa_u = np.where(two, agreeing / np.where(two, r * (r - 1), 1), 0.0)
        share = counts / np.where(r > 0, r, 1)[:, None]
        return np.column_stack([(r > 0).astype(float), two.astype(float), pa_u, share])

    return terms


def _gwet_finish(weights: np.ndarray, chance: str) -> Callable[[np.ndarray], np.ndarray]:
    q = len(weights)

    def finish(sums: np.ndarray) -> np.ndarray:
        n, n2, pa_sum, pi_sum = sums[:, 0], sums[:, 1], sums[:, 2], sums[:, 3:]
        with np.errstate(invalid="ignore", divide="ignore"):
            pa = pa_sum / n2
            pi = pi_sum / n[:, None]
            if chance == "fleiss":
                pe = np.einsum("bk,kl,bl->b", pi, weights, pi)
            elif chance == "gwet":
                pe = weights.sum() / (q * (q - 1)) * (pi * (1 - pi)).sum(axis=1) if q >= 2 else np.full(len(n), np.nan)
            elif chance == "bp":
                pe = np.full(len(n), weights.sum() / q**2 if q >= 2 else np.nan)
            else:  # percent agreement
                return np.where(n2 > 0, pa, np.nan)
            value = (pa - pe) / (1 - pe)
        return np.where((n2 > 0) & np.isfinite(value) & (np.abs(1 - pe) > 1e-12), value, np.nan)

    return finish


def gwet_coefficient(weights: np.ndarray, chance: str) -> Coefficient:
    """One of Gwet's family: chance = "fleiss" (generalised Fleiss' kappa), "gwet" (AC1/AC2),
    "bp" (Brennan-Prediger), "none" (weighted percent agreement)."""
    weights = np.asarray(weights, dtype=float)
    return Coefficient(_gwet_terms(weights), _gwet_finish(weights, chance))


def _value(coefficient: Coefficient, counts: np.ndarray) -> float | None:
    rated = _rated(counts)
    if len(rated) == 0:
        return None
    value = coefficient.finish(coefficient.terms(rated).sum(axis=0)[None, :])[0]
    return float(value) if np.isfinite(value) else None


def fleiss_kappa_generalised(counts: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Fleiss' kappa for any number of raters per unit (Gwet 2014; irrCAC `fleiss.kappa.raw`); None if undefined."""
    return _value(gwet_coefficient(np.eye(counts.shape[1]) if weights is None else weights, "fleiss"), counts)


def gwet_ac(counts: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Gwet's AC1 (identity weights; Gwet 2008) or AC2 (other weights; Gwet 2014), irrCAC `gwet.ac1.raw`."""
    return _value(gwet_coefficient(np.eye(counts.shape[1]) if weights is None else weights, "gwet"), counts)


def brennan_prediger(counts: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Brennan & Prediger (1981) free-marginal kappa, p_e = 1/q unweighted (irrCAC `bp.coeff.raw`)."""
    return _value(gwet_coefficient(np.eye(counts.shape[1]) if weights is None else weights, "bp"), counts)


def weighted_percent_agreement(counts: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Gwet's p_a: the mean over units with >= 2 ratings of the (weighted) share of agreeing rater pairs."""
    return _value(gwet_coefficient(np.eye(counts.shape[1]) if weights is None else weights, "none"), counts)


def alpha_coefficient(distance: np.ndarray | Callable[[np.ndarray], np.ndarray]) -> Coefficient:
    """Krippendorff's alpha on a categorical scale as a Coefficient: terms are the unit's observed
    disagreement n_u' delta n_u / (m_u - 1) and its pairable counts. `distance` is a q x q matrix, or a
    function of the pairable totals n_c returning one (Krippendorff's ordinal metric depends on them)."""

    def terms(counts: np.ndarray) -> np.ndarray:
        m = counts.sum(axis=1)
        pairable = (m >= 2)[:, None] * counts
        if callable(distance):  # per-unit coincidences, so the metric can be applied to each replicate's totals
            scale = np.where(m >= 2, 1.0 / np.maximum(m - 1, 1), 0.0)
            outer = (pairable[:, :, None] * pairable[:, None, :]) * scale[:, None, None]
            return np.column_stack([outer.reshape(len(counts), -1), pairable])
        observed = np.einsum("uk,kl,ul->u", pairable, distance, pairable) / np.maximum(m - 1, 1)
        return np.column_stack([observed, pairable])

    def finish(sums: np.ndarray) -> np.ndarray:
        if callable(distance):  # K = q^2 + q columns
            q = int(round((np.sqrt(1 + 4 * sums.shape[1]) - 1) / 2))
            coincide, n_c = sums[:, :q * q].reshape(-1, q, q), sums[:, q * q:]
            deltas = np.stack([distance(row) for row in n_c])
            observed = (coincide * deltas).sum(axis=(1, 2))
        else:
            observed, n_c = sums[:, 0], sums[:, 1:]
            deltas = np.broadcast_to(distance, (len(sums), *distance.shape))
        n = n_c.sum(axis=1)
        expected = np.einsum("bk,bkl,bl->b", n_c, deltas, n_c)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = 1.0 - (n - 1) * observed / expected
        return np.where((expected > 1e-12) & (n >= 2), value, np.nan)

    return Coefficient(terms, finish)


def ordinal_distance(n_c: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal metric from the pairable totals: (M_k - M_c)^2, M_c = N_{<c} + n_c / 2."""
    mid = np.cumsum(n_c) - n_c / 2
    return (mid[:, None] - mid[None, :]) ** 2


def interval_distance(positions: Sequence[float]) -> np.ndarray:
    """(c - k)^2 between category positions."""
    x = np.asarray(positions, dtype=float)
    return (x[:, None] - x[None, :]) ** 2


def ratio_distance(positions: Sequence[float]) -> np.ndarray:
    """((c - k) / (c + k))^2 between category positions, 0 where c + k = 0."""
    x = np.asarray(positions, dtype=float)
    total = x[:, None] + x[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total != 0, ((x[:, None] - x[None, :]) / np.where(total != 0, total, 1)) ** 2, 0.0)


def evaluate(counts: np.ndarray, coefficients: dict[str, Coefficient]) -> dict[str, float | None]:
    """Point estimates of several coefficients on one counts matrix."""
    return {name: _value(c, counts) for name, c in coefficients.items()}


def pair_entries(unit: np.ndarray, rater: np.ndarray, code: np.ndarray, n_codes: int,
                 limit: int = 5 * 10**7) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of ratings on a unit by two raters: (pairs P x 2 of rater indices a < b, and per such pair of
    ratings its pair index, its unit and its cell a_code * q + b_code). One rating per rater and unit;
    `alpha.TooLarge` when P x q x q tables would exceed `limit` cells."""
    from sdk_scripts.agreement.alpha import TooLarge, _pairs_in_groups

    unit, rater, code = (np.asarray(a, dtype=np.int64) for a in (unit, rater, code))
    order = np.lexsort((rater, unit))
    unit, rater, code = unit[order], rater[order], code[order]
    n_raters = int(rater.max()) + 1 if len(rater) else 0
    keys, units, first, second = [], [], [], []
    for i, j in _pairs_in_groups(unit):
        keys.append(rater[i] * n_raters + rater[j])  # rater[i] < rater[j]: sorted within the unit
        units.append(unit[i])
        first.append(code[i])
        second.append(code[j])
    if not keys:
        empty = np.zeros(0, np.int64)
        return np.zeros((0, 2), np.int64), empty, empty, empty
    key = np.concatenate(keys)
    pairs, index = np.unique(key, return_inverse=True)
    if len(pairs) * n_codes * n_codes > limit:
        raise TooLarge(f"{len(pairs):,} annotator pairs x {n_codes}^2 categories")
    cell = np.concatenate(first) * n_codes + np.concatenate(second)
    return np.column_stack([pairs // n_raters, pairs % n_raters]), index, np.concatenate(units), cell


def pair_tables(unit: np.ndarray, rater: np.ndarray, code: np.ndarray, n_codes: int,
                limit: int = 5 * 10**7) -> tuple[np.ndarray, np.ndarray]:
    """Contingency tables of every pair of raters over the units both rated: (pairs P x 2 of rater
    indices a < b, tables P x q x q with rows a's category, columns b's). One rating per rater and unit."""
    pairs, index, _, cell = pair_entries(unit, rater, code, n_codes, limit)
    cells = np.bincount(index * n_codes * n_codes + cell, minlength=len(pairs) * n_codes * n_codes)
    return pairs, cells.reshape(len(pairs), n_codes, n_codes)


def cohen_kappa_tables(tables: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Cohen's kappa (Cohen 1960), weighted (Cohen 1968) with agreement weights w_kl, for a stack of
    q x q two-rater tables: p_a = sum w_kl p_kl, p_e = sum w_kl p_k. p_.l, (p_a - p_e) / (1 - p_e).
    NaN when a table has fewer than 2 units or fewer than 2 categories in use (as scikit-learn's
    `cohen_kappa_score` would be undefined or trivial)."""
    tables = np.asarray(tables, dtype=float)
    q = tables.shape[-1]
    w = np.eye(q) if weights is None else np.asarray(weights, dtype=float)
    n = tables.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = tables / n[:, None, None]
        rows, cols = p.sum(axis=2), p.sum(axis=1)
        pa = (w * p).sum(axis=(1, 2))
        pe = np.einsum("bk,kl,bl->b", rows, w, cols)
        kappa = (pa - pe) / (1 - pe)
    in_use = ((rows + cols) > 0).sum(axis=1)
    return np.where((n >= 2) & (in_use >= 2) & (np.abs(1 - pe) > 1e-12), kappa, np.nan)
