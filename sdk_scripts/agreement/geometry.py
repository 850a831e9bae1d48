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
