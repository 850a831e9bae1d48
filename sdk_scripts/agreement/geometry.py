"""Matching regions across annotators: boxes by IoU, text spans by position (pure numpy + scipy).

Boxes and spans of two annotators are paired by optimal assignment (Hungarian algorithm,
scipy.optimize.linear_sum_assignment) on IoU; a pair counts as a match when its IoU reaches the
threshold (default 0.5, the PASCAL VOC criterion, Everingham et al. 2010) and both carry the same
label. Agreement of two annotators on a task is the F1 of their matches:
2 * matches / (regions of A + regions of B); two empty answers agree fully.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

Box = tuple[str, float, float, float, float]  # label, x, y, width, height (percent of the image)
Span = tuple[str, int, int]  # label, start, end (character offsets, end exclusive)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in a (n x 4: x, y, w, h) with every box in b (m x 4)."""
    ax1, ay1 = a[:, 0:1], a[:, 1:2]
    ax2, ay2 = ax1 + a[:, 2:3], ay1 + a[:, 3:4]
    bx1, by1 = b[:, 0], b[:, 1]
    bx2, by2 = bx1 + b[:, 2], by1 + b[:, 3]
    inter = np.clip(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0, None) * np.clip(
        np.minimum(ay2, by2) - np.maximum(ay1, by1), 0, None)
    union = a[:, 2:3] * a[:, 3:4] + b[:, 2] * b[:, 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def span_overlap_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of character ranges, every span of a (n x 2) with every span of b."""
    inter = np.clip(np.minimum(a[:, 1:2], b[:, 1]) - np.maximum(a[:, 0:1], b[:, 0]), 0, None)
    union = (a[:, 1:2] - a[:, 0:1]) + (b[:, 1] - b[:, 0]) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def match(overlap: np.ndarray, labels_a: list[str], labels_b: list[str], threshold: float) -> list[tuple[int, int]]:
    """Optimal one-to-one pairs (i, j) with overlap >= threshold and equal labels."""
    if overlap.size == 0:
        return []
    same = np.array(labels_a)[:, None] == np.array(labels_b)[None, :]
    score = np.where(same & (overlap >= threshold), overlap, 0.0)
    rows, cols = linear_sum_assignment(-score)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if score[i, j] > 0]


def _f1(matches: int, n_a: int, n_b: int) -> float:
    return 1.0 if n_a + n_b == 0 else 2 * matches / (n_a + n_b)


def box_f1(a: tuple[Box, ...], b: tuple[Box, ...], threshold: float = 0.5) -> float:
    if not a or not b:
        return _f1(0, len(a), len(b))
    overlap = iou_matrix(np.array([x[1:] for x in a], float), np.array([x[1:] for x in b], float))
    return _f1(len(match(overlap, [x[0] for x in a], [x[0] for x in b], threshold)), len(a), len(b))


def span_f1(a: tuple[Span, ...], b: tuple[Span, ...], exact: bool = False, threshold: float = 1e-9) -> float:
    """Span F1: exact (same label, start and end) or overlap (same label, any shared character)."""
    if exact:
        return _f1(len(set(a) & set(b)), len(set(a)), len(set(b)))
    if not a or not b:
        return _f1(0, len(a), len(b))
    overlap = span_overlap_matrix(np.array([x[1:] for x in a], float), np.array([x[1:] for x in b], float))
    return _f1(len(match(overlap, [x[0] for x in a], [x[0] for x in b], threshold)), len(a), len(b))


def batched_box_f1(a: np.ndarray, b: np.ndarray, labels_a: np.ndarray, labels_b: np.ndarray, count_a: np.ndarray,
                   count_b: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """F1 for many annotator pairs at once: a, b are (P, K, 4) padded boxes, labels (P, K) ints, counts (P,).

    IoU for all pairs is one vectorised computation; only the assignment runs per pair.
    """
    k = a.shape[1]
    ax1, ay1 = a[:, :, None, 0], a[:, :, None, 1]
    ax2, ay2 = ax1 + a[:, :, None, 2], ay1 + a[:, :, None, 3]
    bx1, by1 = b[:, None, :, 0], b[:, None, :, 1]
    bx2, by2 = bx1 + b[:, None, :, 2], by1 + b[:, None, :, 3]
    inter = np.clip(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0, None) * np.clip(
        np.minimum(ay2, by2) - np.maximum(ay1, by1), 0, None)
    union = (a[:, :, None, 2] * a[:, :, None, 3]) + (b[:, None, :, 2] * b[:, None, :, 3]) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    slots = np.arange(k)
    valid = (slots[None, :, None] < count_a[:, None, None]) & (slots[None, None, :] < count_b[:, None, None])
    score = np.where(valid & (labels_a[:, :, None] == labels_b[:, None, :]) & (iou >= threshold), iou, 0.0)
    matches = np.zeros(len(a))
    for p in np.flatnonzero(score.max(axis=(1, 2)) > 0):
        rows, cols = linear_sum_assignment(-score[p])
        matches[p] = np.count_nonzero(score[p][rows, cols] > 0)
    total = count_a + count_b
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 2 * matches / total, 1.0)


PAIR_BLOCK = 1 << 20  # pair x slot x slot entries per block of `pair_f1`


def flatten_regions(values: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratings' regions (tuples of (label, coordinates...)) as flat arrays: (offsets R + 1, label of each region
    as a string array, coordinates M x d)."""
    sizes = np.fromiter((len(v) for v in values), np.int64, len(values))
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    regions = [r for v in values for r in v]
    width = len(regions[0]) - 1 if regions else 4
    labels = np.array([r[0] for r in regions], dtype=str)  # fixed-width: sorting and == run in C
    coords = np.array([r[1:] for r in regions], dtype=float).reshape(len(regions), width)
    return offsets, labels, coords


def restrict_regions(offsets: np.ndarray, labels: np.ndarray, coords: np.ndarray,
                     keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The flat regions with only those flagged in `keep` (for example one label's)."""
    rating = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    kept = np.bincount(rating[keep], minlength=len(offsets) - 1)
    return np.concatenate([[0], np.cumsum(kept)]), labels[keep], coords[keep]


def _overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of (P, K, 4) boxes with (P, K, 4) boxes, or of (P, K, 2) character ranges: (P, K, K)."""
    if a.shape[-1] == 4:
        ax1, ay1 = a[:, :, None, 0], a[:, :, None, 1]
        ax2, ay2 = ax1 + a[:, :, None, 2], ay1 + a[:, :, None, 3]
        bx1, by1 = b[:, None, :, 0], b[:, None, :, 1]
        bx2, by2 = bx1 + b[:, None, :, 2], by1 + b[:, None, :, 3]
        inter = np.clip(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0, None) * np.clip(
            np.minimum(ay2, by2) - np.maximum(ay1, by1), 0, None)
        union = a[:, :, None, 2] * a[:, :, None, 3] + b[:, None, :, 2] * b[:, None, :, 3] - inter
    else:
        inter = np.clip(np.minimum(a[:, :, None, 1], b[:, None, :, 1]) - np.maximum(a[:, :, None, 0], b[:, None, :, 0]),
                        0, None)
        union = (a[:, :, None, 1] - a[:, :, None, 0]) + (b[:, None, :, 1] - b[:, None, :, 0]) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def pair_f1(offsets: np.ndarray, labels: np.ndarray, coords: np.ndarray, i: np.ndarray, j: np.ndarray,
            threshold: float) -> np.ndarray:
    """F1 of matched regions (same label, overlap >= threshold, optimal one-to-one assignment) for every pair of
    ratings (i[p], j[p]) -- `box_f1` / `span_f1` for many pairs at once, in blocks.

    The overlaps of a block are one vectorised computation; the Hungarian algorithm runs only for pairs
    where a region has more than one candidate (otherwise the candidates already are the optimal matching).
    """
    count = np.diff(offsets)
    na, nb = count[i], count[j]
    matches = np.zeros(len(i))
    codes = np.unique(labels, return_inverse=True)[1] if len(labels) else np.zeros(0, np.int64)
    order = np.argsort(np.maximum(na, nb), kind="stable")  # similar sizes share a block's padding
    slots = np.maximum(np.maximum(na, nb)[order], 1)
    begin = 0
    while begin < len(order):
        low, high = begin + 1, len(order)  # the longest block whose padded size fits PAIR_BLOCK
        while low < high:
            middle = (low + high + 1) // 2
            if (middle - begin) * int(slots[middle - 1]) ** 2 <= PAIR_BLOCK:
                low = middle
            else:
                high = middle - 1
        block = order[begin:low]
        matches[block] = _block_matches(offsets, codes, coords, i[block], j[block], na[block], nb[block],
                                        int(slots[low - 1]), threshold)
        begin = low
    total = na + nb
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 2 * matches / np.where(total > 0, total, 1), 1.0)


def _block_matches(offsets, codes, coords, i, j, na, nb, k, threshold) -> np.ndarray:
    if len(coords) == 0:
        return np.zeros(len(i))
    slots = np.arange(k)
    valid_a = slots[None, :] < na[:, None]
    valid_b = slots[None, :] < nb[:, None]
    index_a = np.where(valid_a, offsets[i][:, None] + slots[None, :], 0)
    index_b = np.where(valid_b, offsets[j][:, None] + slots[None, :], 0)
    row, _, _ = match_padded(coords[index_a], valid_a, codes[index_a], coords[index_b], valid_b, codes[index_b],
                             threshold)
    return np.bincount(row, minlength=len(i)).astype(float)


def match_padded(a: np.ndarray, valid_a: np.ndarray, codes_a: np.ndarray, b: np.ndarray, valid_b: np.ndarray,
                 codes_b: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Optimal one-to-one matches of regions a[p] (P x K x d, valid on a prefix `valid_a`) with b[p] (P x C x d): same
    code, overlap >= threshold, maximum total overlap (`match` for P problems at once). Returns (p, k, c) of
    every matched pair; the Hungarian algorithm runs only where a region has more than one candidate."""
    overlap = _overlap(a, b)
    same = codes_a[:, :, None] == codes_b[:, None, :]
    score = np.where(valid_a[:, :, None] & valid_b[:, None, :] & same & (overlap >= threshold), overlap, 0.0)
    positive = score > 0
    simple = (positive.sum(axis=2) <= 1).all(axis=1) & (positive.sum(axis=1) <= 1).all(axis=1)
    found = [np.nonzero(positive & simple[:, None, None])]
    size_a, size_b = valid_a.sum(axis=1), valid_b.sum(axis=1)
    for p in np.flatnonzero(~simple):  # on the unpadded matrix: the same optimum as `match`, ties included
        sub = score[p, :size_a[p], :size_b[p]]
        rows, cols = linear_sum_assignment(-sub)
        keep = sub[rows, cols] > 0
        found.append((np.full(int(keep.sum()), p), rows[keep], cols[keep]))
    return tuple(np.concatenate([f[axis] for f in found]).astype(np.int64) for axis in range(3))
