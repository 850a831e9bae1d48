"""Agreement on regions (boxes, spans) beyond pairwise F1: alpha over matched units, F1 per label (pure numpy).

Matched units: on each task, the first annotator's regions start one unit each; every next annotator's
regions are paired with the units so far (label-blind, overlap >= threshold, optimal assignment
against each unit's first region), and the unpaired ones start new units. Each unit then holds, for
every annotator of the task, the label of their region in it or MISSING, and nominal alpha over these
units measures agreement on what is there and what it is. All tasks take each step together: one
padded overlap computation per step and block (`geometry.match_padded`). The consensus finals
fuse the same clusters (`match_units`, `fusion`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sdk_scripts.agreement.alpha import nominal_alpha_of_codes
from sdk_scripts.agreement.coded import Coded
from sdk_scripts.agreement.geometry import PAIR_BLOCK, match_padded, pair_f1, restrict_regions
from sdk_scripts.agreement.report import LabelF1

MISSING = "<none>"


def _padded(starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index matrix P x K into flat arrays, validity) for P runs of `sizes` items beginning at `starts`."""
    slots = np.arange(max(int(sizes.max()) if len(sizes) else 1, 1))
    valid = slots[None, :] < sizes[:, None]
    return np.where(valid, starts[:, None] + slots[None, :], 0), valid


@dataclass
class MatchedUnits:
    """Regions of the flagged units matched across annotators (see the module docstring): one row per cluster
    (`unit`: its task) and one per member region (`cluster`, `step`: its rating's position among the unit's
    ratings, `region`: its flat index into `coded.regions()`)."""

    unit: np.ndarray
    cluster: np.ndarray
    step: np.ndarray
    region: np.ndarray

    @property
    def n_clusters(self) -> int:
        return len(self.unit)


def match_units(coded: Coded, units: np.ndarray, threshold: float) -> MatchedUnits:
    """Cluster the regions of the flagged units across their annotators (see the module docstring); the finals
    fuse these clusters (`fusion`), alpha over matched units compares their labels."""
    offsets, _, coords = coded.regions()
    rows = np.flatnonzero(units[coded.unit])
    unit = coded.unit[rows]
    first = np.searchsorted(unit, unit, side="left")
    position = np.arange(len(rows)) - first
    # clusters: the unit they belong to and their first region (flat index); entries: (cluster, position, region)
    cluster_unit: list[np.ndarray] = []
    cluster_region: list[np.ndarray] = []
    entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    n_clusters = 0
    for step in range(int(position.max()) + 1 if len(position) else 0):
        ratings = rows[position == step]
        start, size = offsets[ratings], np.diff(offsets)[ratings]
        owner = coded.unit[ratings]
        matched = np.zeros(int(size.sum()), bool)  # per region of this step, in rating order
        region_base = np.concatenate([[0], np.cumsum(size)])[:-1]
        if n_clusters:
            c_unit = np.concatenate(cluster_unit)
            c_region = np.concatenate(cluster_region)
            order = np.argsort(c_unit, kind="stable")  # clusters of a unit together, oldest first
            per_unit = np.bincount(c_unit, minlength=coded.n_units)
            c_start = np.concatenate([[0], np.cumsum(per_unit)])[:-1]
            c_size = per_unit[owner]
            work = np.flatnonzero((size > 0) & (c_size > 0))
            widths = np.maximum(size[work], c_size[work])
            begin = 0
            while begin < len(work):
                width = int(widths[begin:].max()) if begin < len(work) else 1
                block = work[begin:begin + max(1, PAIR_BLOCK // max(width * width, 1))]
                index_a, valid_a = _padded(start[block], size[block])
                index_c, valid_c = _padded(c_start[owner[block]], c_size[block])
                cluster_ids = order[index_c]
                ref = c_region[cluster_ids]
                zeros_a, zeros_c = np.zeros(index_a.shape, np.int64), np.zeros(index_c.shape, np.int64)
                p, k, c = match_padded(coords[index_a], valid_a, zeros_a, coords[ref], valid_c, zeros_c, threshold)
                entries.append((cluster_ids[p, c], np.full(len(p), step), index_a[p, k]))
                matched[region_base[block[p]] + k] = True
                begin += len(block)
        region_of = np.repeat(start - region_base, size) + np.arange(int(size.sum()))  # flat index per region
        new = np.flatnonzero(~matched)
        if len(new):
            ids = n_clusters + np.arange(len(new))
            cluster_unit.append(np.repeat(owner, size)[new])
            cluster_region.append(region_of[new])
            entries.append((ids, np.full(len(new), step), region_of[new]))
            n_clusters += len(new)
    empty = np.zeros(0, np.int64)
    cluster, step, region = (np.concatenate([e[axis] for e in entries]).astype(np.int64) if entries else empty
                             for axis in range(3))
    return MatchedUnits(np.concatenate(cluster_unit).astype(np.int64) if cluster_unit else empty, cluster, step,
                        region)


def matched_units_alpha(coded: Coded, units: np.ndarray, threshold: float) -> float | None:
    """Nominal alpha over regions matched across the annotators of the flagged units (see the module docstring)."""
    _, names, _ = coded.regions()
    labels, label_code = np.unique(names, return_inverse=True) if len(names) else (np.zeros(0), np.zeros(0, int))
    matched = match_units(coded, units, threshold)
    if not matched.n_clusters:
        return None
    width = np.bincount(coded.unit, minlength=coded.n_units)[matched.unit]
    base = np.concatenate([[0], np.cumsum(width)])[:-1]
    code = np.full(int(width.sum()), len(labels), np.int64)
    code[base[matched.cluster] + matched.step] = label_code[matched.region]
    return nominal_alpha_of_codes(np.repeat(np.arange(matched.n_clusters), width), code)


def label_f1(coded: Coded, scored: np.ndarray, pair_i: np.ndarray, pair_j: np.ndarray, labels,
             threshold: float) -> dict[str, LabelF1]:
    """Per label: its regions on scored tasks, and the mean over the tasks where anyone drew one of the mean
    pairwise F1 of that label's regions alone."""
    offsets, names, coords = coded.regions()
    unit = coded.unit[pair_i]
    pairs_per_unit = np.bincount(unit, minlength=coded.n_units)
    out = {}
    for label in labels:
        kept = restrict_regions(offsets, names, coords, names == label)
        per_rating = np.diff(kept[0])
        drawn = np.bincount(coded.unit, per_rating > 0, coded.n_units) > 0
        f1 = pair_f1(*kept, pair_i, pair_j, threshold)
        sums = np.bincount(unit, f1, coded.n_units)
        chosen = scored & drawn & (pairs_per_unit > 0)
        means = sums[chosen] / pairs_per_unit[chosen]
        out[label] = LabelF1(int(per_rating[scored[coded.unit]].sum()), float(np.mean(means)) if len(means) else None)
    return out
