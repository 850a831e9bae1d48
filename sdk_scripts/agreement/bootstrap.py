"""Percentile bootstrap confidence intervals over units for agreement coefficients (pure numpy, seeded).

A replicate draws as many units as there are, with replacement, and recomputes the coefficient
(the percentile method over units; Hayes & Krippendorff 2007, "Answering the call for a standard
reliability measure for coding data", describe bootstrapping alpha). Drawing units is the same as
weighting each unit by how often it was drawn, so:

- `bootstrap_coefficients`: coefficients that are functions of sums of per-unit terms
  (`chance_corrected.Coefficient`: alpha on a category scale, Fleiss, AC1/AC2, Brennan-Prediger)
  get B replicates as (B x N) @ (N x K) products, in blocks;
- `bootstrap_statistic`: anything else that takes unit weights (alpha of measured values or label
  sets, `sdk_scripts.agreement.alpha`) is recomputed per replicate;
- `bootstrap_tables`: statistics of contingency tables built from units (Cohen's kappa of every
  annotator pair) get each replicate's tables as one sparse product (B x N) @ (N x tables*cells).

The interval is the (1 - ci) / 2 and (1 + ci) / 2 percentiles of the replicates where the coefficient
is defined; None when fewer than half of them define it. The same seed gives the same intervals.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sdk_scripts.agreement.chance_corrected import Coefficient

BLOCK = 1 << 22  # draws held at once


def _multiplicities(rng: np.random.Generator, n_units: int, size: int) -> np.ndarray:
    """(size x n_units) how often each unit is drawn in each of `size` replicates."""
    draws = rng.integers(0, n_units, (size, n_units))
    draws += (np.arange(size) * n_units)[:, None]
    return np.bincount(draws.ravel(), minlength=size * n_units).reshape(size, n_units)


def percentile_interval(values: np.ndarray, ci: float) -> dict | None:
    """The percentile interval of bootstrap replicates at level `ci`; None when under half of them are defined."""
    finite = values[np.isfinite(values)]
    if len(finite) * 2 < len(values) or len(finite) == 0:
        return None
    low, high = np.percentile(finite, [100 * (1 - ci) / 2, 100 * (1 + ci) / 2])
    return {"low": float(low), "high": float(high), "level": ci, "replicates": int(len(finite))}


def bootstrap_coefficients(counts: np.ndarray, coefficients: dict[str, Coefficient], ci: float = 0.95,
                           replicates: int = 1000, seed: int = 0) -> dict[str, dict | None]:
    """name -> {"low", "high", "level", "replicates"} or None, every coefficient on the same resamples of
    the rated units (rows of `counts` with at least one rating)."""
    rated = np.asarray(counts, dtype=float)[np.asarray(counts).sum(axis=1) > 0]
    n_units = len(rated)
    if n_units == 0:
        return dict.fromkeys(coefficients)
    parts = [c.terms(rated) for c in coefficients.values()]
    widths = np.cumsum([0] + [p.shape[1] for p in parts])
    stats = np.hstack(parts)
    rng = np.random.default_rng(seed)
    values = np.empty((replicates, len(coefficients)))
    batch = max(1, BLOCK // n_units)
    for begin in range(0, replicates, batch):
        size = min(batch, replicates - begin)
        sums = _multiplicities(rng, n_units, size) @ stats
        for column, c in enumerate(coefficients.values()):
            values[begin:begin + size, column] = c.finish(sums[:, widths[column]:widths[column + 1]])
    return {name: percentile_interval(values[:, column], ci) for column, name in enumerate(coefficients)}


def bootstrap_statistic(statistic: Callable[[np.ndarray], float | None], n_units: int, ci: float = 0.95,
                        replicates: int = 1000, seed: int = 0) -> dict | None:
    """The interval of `statistic(unit_weights)` (a length-n_units multiplicity vector per replicate)."""
    if n_units == 0:
        return None
    rng = np.random.default_rng(seed)
    values = np.empty(replicates)
    batch = max(1, BLOCK // n_units)
    for begin in range(0, replicates, batch):
        size = min(batch, replicates - begin)
        for row, weights in enumerate(_multiplicities(rng, n_units, size)):
            value = statistic(weights.astype(float))
            values[begin + row] = np.nan if value is None else value
    return percentile_interval(values, ci)


def bootstrap_tables(n_units: int, table: np.ndarray, unit: np.ndarray, cell: np.ndarray, shape: tuple[int, int],
                     statistics: dict[str, Callable[[np.ndarray], np.ndarray]], ci: float = 0.95,
                     replicates: int = 1000, seed: int = 0) -> dict[str, list[dict | None]]:
    """name -> interval per table of each statistic (a stack of flat tables -> one value per table), for shape[0]
    tables of shape[1] cells where entry e adds one to cell[e] of table[e] for unit[e]; the units are resampled
    as in `bootstrap_coefficients` (the same seed draws the same units)."""
    from scipy import sparse

    n_tables, n_cells = shape
    if n_units == 0 or n_tables == 0:
        return {name: [None] * n_tables for name in statistics}
    entries = sparse.csr_matrix((np.ones(len(unit)), (unit, table * n_cells + cell)),
                                shape=(n_units, n_tables * n_cells))
    rng = np.random.default_rng(seed)
    values = {name: np.empty((replicates, n_tables)) for name in statistics}
    batch = max(1, min(BLOCK // n_units, BLOCK // (n_tables * n_cells)))
    for begin in range(0, replicates, batch):
        size = min(batch, replicates - begin)
        tables = np.asarray((entries.T @ _multiplicities(rng, n_units, size).T.astype(float)).T)
        tables = tables.reshape(size * n_tables, n_cells)
        for name, statistic in statistics.items():
            values[name][begin:begin + size] = statistic(tables).reshape(size, n_tables)
    return {name: [percentile_interval(v[:, k], ci) for k in range(n_tables)] for name, v in values.items()}
