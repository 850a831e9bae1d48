"""The counts-matrix family on a category scale (Fleiss' kappa, Gwet's AC1/AC2, Brennan-Prediger), where it fits.

These need the tasks x categories counts matrix; past `Options.dense_cells` cells they are left out with a
note (alpha and percent agreement stay: they are computed from the sparse columns).
"""

from __future__ import annotations

import numpy as np

from sdk_scripts.agreement import chance_corrected as cc
from sdk_scripts.agreement.coded import Coded
from sdk_scripts.agreement.kinds.base import Options


def is_dense(coded: Coded, options: Options) -> bool:
    """Whether the control's tasks x categories counts matrix fits the budget."""
    return coded.n_units * len(coded.categories) <= options.dense_cells


def too_many(coded: Coded, options: Options) -> str:
    """The note of a control whose counts matrix does not fit."""
    return (f"{coded.spec.name}: {coded.n_units:,} tasks x {len(coded.categories):,} categories is over "
            f"{options.dense_cells:,} cells: Fleiss' kappa, AC1/AC2, Brennan-Prediger, Cohen's kappa and intervals "
            "not computed")


def scale_coefficients(positions: list[float], weighted: bool) -> dict[str, cc.Coefficient]:
    """Fleiss' kappa, AC1, AC2 (linear and quadratic weights, when `weighted`) and Brennan-Prediger on the scale
    whose categories stand at `positions`, in the report's order."""
    identity = np.eye(len(positions))
    out = {"fleiss_kappa": cc.gwet_coefficient(identity, "fleiss"), "gwet_ac1": cc.gwet_coefficient(identity, "gwet")}
    if weighted:
        for kind in ("linear", "quadratic"):
            out[f"gwet_ac2_{kind}"] = cc.gwet_coefficient(cc.agreement_weights(positions, kind), "gwet")
    out["brennan_prediger"] = cc.gwet_coefficient(identity, "bp")
    return out
