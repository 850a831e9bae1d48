"""Active-learning strategies (pure): lower score = more valuable, as Label Studio sorts them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml_backend.active_learning.strategies import (
    ALL_STRATEGIES,
    batch_scores,
    class_balance_boost,
    detection_score,
    entropy,
    hybrid,
    k_center_greedy,
    least_confidence,
    margin,
    pointwise,
    rank_scores,
    ranked_scores,
)

PROBS = np.array([[0.98, 0.01, 0.01], [0.40, 0.35, 0.25], [0.50, 0.49, 0.01], [1 / 3, 1 / 3, 1 / 3]])


def test_uncertainty_scores_order_tasks_as_expected() -> None:
    assert np.argsort(least_confidence(PROBS)).tolist() == [3, 1, 2, 0]
    assert np.argsort(margin(PROBS)).tolist() == [3, 2, 1, 0]
    assert entropy(PROBS)[3] == pytest.approx(0.0)  # uniform: maximal entropy
    assert entropy(PROBS)[0] > entropy(PROBS)[1]
    assert margin(PROBS)[2] == pytest.approx(0.01)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.floats(0.01, 1.0), min_size=2, max_size=6), min_size=1, max_size=20).filter(
    lambda rows: len({len(r) for r in rows}) == 1))
def test_scores_lie_in_zero_one(rows) -> None:
    probs = np.array(rows)
    probs = probs / probs.sum(axis=1, keepdims=True)
    for fn in (least_confidence, margin, entropy):
        scores = fn(probs)
        assert np.all(scores >= -1e-9) and np.all(scores <= 1 + 1e-9)


def test_detection_score_counts_images_without_confident_boxes_first() -> None:
    assert detection_score([]) == 0.0
    assert detection_score([0.3, 0.2]) == 0.0
    assert detection_score([0.95, 0.9]) > detection_score([0.95, 0.55]) > 0.0


def test_k_center_greedy_spreads_out_and_skips_labelled() -> None:
    points = np.array([[0, 0], [0.1, 0], [0, 0.1], [10, 10], [10, 10.1], [-10, 5]], float)
    picks = k_center_greedy(points, 3)
    clusters = {0: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 2}
    assert sorted(clusters[i] for i in picks) == [0, 1, 2]
    assert 0 not in k_center_greedy(points, 5, labelled=[0])
    assert k_center_greedy(points, 10, labelled=[0, 1]) and len(k_center_greedy(points, 10, labelled=[0, 1])) == 4


def test_hybrid_is_uncertain_and_diverse() -> None:
    # Ten near-duplicates that are all very uncertain, and two other uncertain points elsewhere.
    embeddings = np.vstack([np.zeros((10, 2)) + np.arange(10)[:, None] * 1e-3, [[5, 5], [-5, 5]], np.ones((8, 2)) * 9])
    uncertainty = np.array([0.1] * 10 + [0.15, 0.2] + [0.9] * 8)
    plain = list(np.argsort(uncertainty, kind="stable")[:3])
    picks = hybrid(uncertainty, embeddings, k=3, pool_factor=4)
    assert all(i < 10 for i in plain)  # plain uncertainty serves three near-duplicates
    assert {10, 11} <= set(picks) and sum(i < 10 for i in picks) == 1


def test_rank_scores_and_class_balance_boost() -> None:
    assert rank_scores([2, 0], 4).tolist() == [0.25, 1.0, 0.0, 1.0]
    boosted = class_balance_boost(np.array([0.8, 0.8]), ["common", "rare"], {"common": 100, "rare": 4})
    assert boosted[1] < boosted[0] == pytest.approx(0.8)


def test_pointwise_scores_per_strategy_and_batch_fallbacks() -> None:
    probs = np.array([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]])
    assert np.allclose(pointwise(probs, "least-confidence"), [0.7, 0.4])
    assert np.allclose(pointwise(probs, "margin"), [0.5, 0.05])
    assert np.allclose(pointwise(probs, "hybrid"), pointwise(probs, "margin"))  # hybrid's per-task score
    assert np.allclose(pointwise(probs, "diversity"), pointwise(probs, "least-confidence"))
    assert set(ALL_STRATEGIES) == {"least-confidence", "margin", "entropy", "diversity", "hybrid"}


def test_ranked_scores_put_the_chosen_first_then_the_rest_by_uncertainty() -> None:
    scores = ranked_scores([3, 0], np.array([0.9, 0.1, 0.5, 0.8]))
    assert list(np.argsort(scores)) == [3, 0, 1, 2] and scores.max() < 1.0


def test_batch_scores_diversity_avoids_the_labelled_and_near_duplicates() -> None:
    # tasks 0-2 are near-duplicates of the one labelled point; task 3 is far from everything
    labelled = np.array([[0.0, 0.0]])
    embeddings = np.array([[0.01, 0.0], [0.0, 0.01], [0.02, 0.01], [5.0, 5.0]])
    uncertainty = np.array([0.1, 0.2, 0.3, 0.9])
    pointwise_order = np.argsort(batch_scores("least-confidence", uncertainty, embeddings, k=2))
    assert list(pointwise_order) == [0, 1, 2, 3]
    diverse = batch_scores("diversity", uncertainty, embeddings, k=1, labelled_embeddings=labelled)
    assert int(np.argmin(diverse)) == 3  # the far task is served first, then the rest by uncertainty
    assert list(np.argsort(diverse)) == [3, 0, 1, 2]
    # hybrid: among the 2 most uncertain (0, 1: near-duplicates) k-center picks both, the rest follow
    hybrid_scores = batch_scores("hybrid", uncertainty, embeddings, k=2, pool_factor=1)
    assert set(np.argsort(hybrid_scores)[:2]) == {0, 1}
    # without embeddings (images) the batch strategies fall back to the pointwise order
    assert np.array_equal(batch_scores("hybrid", uncertainty, None, k=2), uncertainty)
