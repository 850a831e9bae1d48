"""Bootstrap intervals of a control's alphas and kappas (`--ci`): vectorised where it can, per replicate within a
budget (pure; the resampling is in `bootstrap`)."""

from __future__ import annotations

import numpy as np

from sdk_scripts.agreement.bootstrap import bootstrap_coefficients, bootstrap_statistic
from sdk_scripts.agreement.coded import Coded
from sdk_scripts.agreement.kinds.base import Figures, Options
from sdk_scripts.agreement.report import Interval

LOOP_BUDGET = 2 * 10**8  # replicates x work units allowed for a bootstrap that recomputes per replicate


def _loop_cost(coded: Coded, name: str) -> int:
    """Work of one recomputation (to check the per-replicate bootstrap against LOOP_BUDGET)."""
    if name in ("alpha_ordinal", "alpha_interval"):
        return len(coded.unit)
    distinct = len(np.unique(coded.x)) if coded.x is not None else len(coded.categories)
    return len(coded.unit) + distinct * distinct


def control_intervals(coded: Coded, figures: Figures, options: Options) -> dict[str, Interval | None]:
    """The interval of every alpha and kappa of the control that has a value: the figures' `coefficients` on the
    same resamples at once, then each other `statistics` recomputed per replicate (None with a note past
    LOOP_BUDGET)."""
    measures, notes, replicates = figures.measures, figures.notes, options.replicates
    out: dict[str, Interval | None] = {}
    wanted = {k: c for k, c in figures.coefficients.items() if measures.get(k) is not None}
    if wanted:
        found = bootstrap_coefficients(coded.counts(), wanted, options.ci, replicates, options.seed)
        out.update((name, Interval.of(interval)) for name, interval in found.items())
    for name, statistic in figures.statistics.items():
        if name in out or measures.get(name) is None:
            continue
        cost = replicates * _loop_cost(coded, name)
        if cost > LOOP_BUDGET:
            notes.append(f"{coded.spec.name}: no interval for {name}: {replicates} replicates x "
                         f"{cost // replicates:,} operations is over the budget of {LOOP_BUDGET:,}")
            out[name] = None
            continue
        out[name] = Interval.of(bootstrap_statistic(statistic, coded.n_units, options.ci, replicates, options.seed))
    return out
