"""Active-learning strategies as scores Label Studio can sort by (pure numpy).

Label Studio's "Uncertainty sampling" serves unlabelled tasks by ascending prediction `score`.
Every function here therefore returns scores in [0, 1] where **lower = more valuable to label
next**:

- `least_confidence`: the top class probability (Settles 2009, "Active Learning Literature Survey",
  section 3.1);
- `margin`: top-1 minus top-2 probability (Scheffer et al. 2001);
- `entropy`: 1 - H(p) / log K (Shannon entropy, normalised);
- `detection_score`: for one image's box confidences: 0 when no box is confident (the model sees
  nothing it trusts there), else the mean certainty |2c - 1| of its boxes;
- `k_center_greedy`: a diversity order over embeddings (Sener & Savarese 2018, "Active Learning for
  Convolutional Neural Networks: A Core-Set Approach"), each pick the point farthest from
  everything labelled or picked so far; `rank_scores` turns an order into scores;
- `hybrid`: the most uncertain `pool_factor * k` candidates, ordered by k-center greedy among
  them, so a batch is uncertain *and* diverse (no twenty near-duplicates in a row);
- `class_balance_boost`: lowers the score of tasks predicted as rare classes (in the labelled set)
  by the factor (count_c / max count) ** gamma.
"""

from __future__ import annotations

import numpy as np

from sdk_scripts.labelstudio.strategy_names import ALL_STRATEGIES, POINTWISE_FALLBACK  # noqa: F401


def least_confidence(probs: np.ndarray) -> np.ndarray:
    return np.asarray(probs, float).max(axis=1)


def margin(probs: np.ndarray) -> np.ndarray:
    probs = np.asarray(probs, float)
    if probs.shape[1] < 2:
        return np.ones(len(probs))
    top2 = np.sort(probs, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def entropy(probs: np.ndarray) -> np.ndarray:
    probs = np.clip(np.asarray(probs, float), 1e-12, 1.0)
    k = probs.shape[1]
    if k < 2:
        return np.ones(len(probs))
    h = -(probs * np.log(probs)).sum(axis=1)
    return 1.0 - h / np.log(k)


def detection_score(confidences: np.ndarray | list[float], confident: float = 0.5) -> float:
    confidences = np.asarray(confidences, float)
    if confidences.size == 0 or confidences.max() < confident:
        return 0.0
    return float(np.abs(2 * confidences - 1).mean())


def k_center_greedy(embeddings: np.ndarray, k: int, labelled: np.ndarray | list[int] | None = None) -> list[int]:
    """Indices of k unlabelled points, in pick order (farthest-first traversal)."""
    x = np.asarray(embeddings, float)
    n = len(x)
    labelled = np.asarray(labelled if labelled is not None else [], int)
    k = min(k, n - len(set(labelled.tolist())))
    if k <= 0:
        return []
    if len(labelled):
        distance = np.full(n, np.inf)
        for j in labelled:
            distance = np.minimum(distance, ((x - x[j]) ** 2).sum(1))
    else:
        distance = ((x - x.mean(axis=0)) ** 2).sum(1)  # start from the point farthest from the centre
    distance[labelled] = -1.0
    picks: list[int] = []
    for _ in range(k):
        i = int(np.argmax(distance))
        picks.append(i)
        distance = np.minimum(distance, ((x - x[i]) ** 2).sum(1))
        distance[picks] = -1.0
    return picks


def rank_scores(order: list[int], n: int) -> np.ndarray:
    """Scores in [0, 1) following `order` (first = 0); tasks not in it get 1.0."""
    scores = np.ones(n)
    for rank, index in enumerate(order):
        scores[index] = rank / max(n, 1)
    return scores


def hybrid(uncertainty: np.ndarray, embeddings: np.ndarray, k: int, pool_factor: int = 5,
           labelled: np.ndarray | list[int] | None = None) -> list[int]:
    """k picks: the pool_factor*k most uncertain candidates, ordered by k-center greedy among them."""
    uncertainty = np.asarray(uncertainty, float)
    excluded = set(np.asarray(labelled if labelled is not None else [], int).tolist())
    candidates = [int(i) for i in np.argsort(uncertainty, kind="stable") if int(i) not in excluded]
    candidates = candidates[: max(k, pool_factor * k)]
    if not candidates:
        return []
    order = k_center_greedy(np.asarray(embeddings, float)[candidates], min(k, len(candidates)))
    return [candidates[i] for i in order]


def class_balance_boost(scores: np.ndarray, predicted: np.ndarray | list, labelled_counts: dict,
                        gamma: float = 0.5) -> np.ndarray:
    """Scores scaled by (count of the predicted class among labelled tasks / largest count) ** gamma."""
    scores = np.asarray(scores, float)
    if not labelled_counts:
        return scores
    top = max(labelled_counts.values()) or 1
    factor = np.array([(labelled_counts.get(c, 0) / top) ** gamma for c in predicted])
    return scores * factor


STRATEGIES = {"least-confidence": least_confidence, "margin": margin, "entropy": entropy}


def pointwise(probs: np.ndarray, strategy: str) -> np.ndarray:
    """The per-task score of `strategy` for rows of class probabilities (lower = more valuable)."""
    return STRATEGIES[POINTWISE_FALLBACK.get(strategy, strategy)](probs)


def ranked_scores(first: list[int], uncertainty: np.ndarray) -> np.ndarray:
    """Scores in [0, 1): the tasks in `first` in that order, then the rest by ascending uncertainty."""
    uncertainty = np.asarray(uncertainty, float)
    n = len(uncertainty)
    chosen = set(first)
    rest = [int(i) for i in np.argsort(uncertainty, kind="stable") if int(i) not in chosen]
    return rank_scores(list(first) + rest, n)


def batch_scores(strategy: str, uncertainty: np.ndarray, embeddings: np.ndarray | None, k: int,
                 pool_factor: int = 5, labelled_embeddings: np.ndarray | None = None) -> np.ndarray:
    """Scores for a whole set of unlabelled tasks under `strategy` (lower = serve first).

    Pointwise strategies return `uncertainty` unchanged. `diversity` serves k-center greedy picks
    (away from the labelled tasks too) first, `hybrid` the k-center order among the
    `pool_factor * k` most uncertain; the other tasks follow by uncertainty. Without embeddings
    (detection) both fall back to the pointwise order.
    """
    uncertainty = np.asarray(uncertainty, float)
    if strategy not in ("diversity", "hybrid") or embeddings is None or len(uncertainty) == 0:
        return uncertainty
    embeddings = np.asarray(embeddings, float)
    if strategy == "hybrid":
        return ranked_scores(hybrid(uncertainty, embeddings, k, pool_factor), uncertainty)
    labelled = np.asarray(labelled_embeddings if labelled_embeddings is not None else np.empty((0, 0)), float)
    if labelled.size:
        combined = np.vstack([labelled, embeddings])
        picks = k_center_greedy(combined, k, labelled=list(range(len(labelled))))
        first = [i - len(labelled) for i in picks]
    else:
        first = k_center_greedy(embeddings, k)
    return ranked_scores(first, uncertainty)
