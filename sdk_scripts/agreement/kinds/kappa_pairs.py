"""Cohen's kappa of every annotator pair on the tasks both rated (Rating: also weighted), with bootstrap intervals."""

from __future__ import annotations

import numpy as np

from sdk_scripts.agreement import chance_corrected as cc
from sdk_scripts.agreement.alpha import NotComputed
from sdk_scripts.agreement.bootstrap import bootstrap_tables
from sdk_scripts.agreement.coded import Coded
from sdk_scripts.agreement.kinds.base import Options
from sdk_scripts.agreement.report import Interval, PairAgreement

PAIR_BOOTSTRAP_BUDGET = 2 * 10**9  # replicates x (pairs of ratings + table cells) for the per-pair kappa intervals


def kappa_pairs(coded: Coded, positions: list[float], weighted: bool, options: Options,
                notes: list[str]) -> list[PairAgreement]:
    """Every annotator pair's Cohen's kappa (and linear and quadratic weighted kappas when `weighted`, on the scale
    at `positions`); with `options.ci`, each pair's bootstrap intervals on the same resamples of tasks as the
    control's other intervals. A pair table that cannot be built is a note and no pairs."""
    try:
        return _kappa_pairs(coded, positions, weighted, options, notes)
    except NotComputed as exc:
        notes.append(f"{coded.spec.name}: Cohen's kappa per annotator pair not computed: {exc}")
        return []


def _kappa_pairs(coded: Coded, positions: list[float], weighted: bool, options: Options,
                 notes: list[str]) -> list[PairAgreement]:
    q = len(coded.categories)
    found, index, unit, cell = cc.pair_entries(coded.unit, coded.rater, coded.code, q)
    tables = np.bincount(index * q * q + cell, minlength=len(found) * q * q).reshape(len(found), q, q)
    weights = {"cohen_kappa": None}
    for kind in ("linear", "quadratic") if weighted else ():
        weights[f"cohen_kappa_{kind}"] = cc.agreement_weights(positions, kind)
    kappas = {name: cc.cohen_kappa_tables(tables, w) for name, w in weights.items()}
    intervals = _intervals(coded, (found, index, unit, cell), weights, options, notes) if options.ci is not None \
        else None
    shared = tables.sum(axis=(1, 2)).tolist()
    rows = []
    for p, (a, b) in enumerate(found.tolist()):
        values = {name: None if not np.isfinite(v[p]) else float(v[p]) for name, v in kappas.items()}
        bounds = None if intervals is None else \
            {name: (Interval.of(per_pair[p]) if values[name] is not None else None)
             for name, per_pair in intervals.items()}
        rows.append(PairAgreement(coded.rater_ids[a], coded.rater_ids[b], shared[p], values, bounds))
    return rows


def _intervals(coded: Coded, entries: tuple, weights: dict, options: Options, notes: list[str]) -> dict[str, list]:
    """name -> per pair the bootstrap interval of that kappa ({} with a note when over the budget)."""
    found, index, unit, cell = entries
    q = len(coded.categories)
    if not len(found):
        return {}
    cost = options.replicates * (len(index) + len(found) * q * q)
    if cost > PAIR_BOOTSTRAP_BUDGET:
        notes.append(f"{coded.spec.name}: no intervals for Cohen's kappa per pair: {options.replicates} replicates x "
                     f"{cost // options.replicates:,} operations is over the budget of {PAIR_BOOTSTRAP_BUDGET:,}")
        return {}
    statistics = {name: (lambda flat, w=w: cc.cohen_kappa_tables(flat.reshape(-1, q, q), w))
                  for name, w in weights.items()}
    return bootstrap_tables(coded.n_units, index, unit, cell, (len(found), q * q), statistics, options.ci,
                            options.replicates, options.seed)
