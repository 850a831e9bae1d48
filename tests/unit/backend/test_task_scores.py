"""The task score each control kind gives (lower = label sooner) is what its `score_definition` says."""

from __future__ import annotations

import numpy as np
import pytest

from ml_backend.active_learning.strategies import pointwise
from ml_backend.controls.base import ControlModel
from ml_backend.controls.detection import RectangleDetector
from ml_backend.controls.image_choices import ImageClassifier
from ml_backend.controls.registry import REGISTRY
from ml_backend.controls.segmentation import PolygonSegmenter
from ml_backend.regions import task_score


def _regions(*scores: float) -> list[dict]:
    return [{"score": s} for s in scores]


def test_every_served_kind_states_its_score() -> None:
    for cls in REGISTRY:
        assert cls.served_as and cls.score_definition, cls.__name__


@pytest.mark.parametrize("cls", [RectangleDetector, PolygonSegmenter])
def test_boxes_and_masks_mean_two_c_minus_one_and_zero_without_a_confident_one(cls: type[ControlModel]) -> None:
    score = cls.uncertainty_for  # reads only the regions
    assert score(None, []) == 0.0  # nothing found: worth a look
    assert score(None, _regions(0.3, 0.45)) == 0.0  # no region reaches 0.5
    assert score(None, _regions(0.9, 0.6)) == pytest.approx((0.8 + 0.2) / 2)
    assert "mean |2c − 1|" in cls.score_definition and "0.5" in cls.score_definition


def test_image_classes_take_the_lowest_region_score() -> None:
    assert ImageClassifier.uncertainty_for(None, _regions(0.7)) is None  # falls back to the task score
    assert task_score(_regions(0.7, 0.4)) == 0.4 and task_score([]) == 0.0
    assert ImageClassifier.score_definition == ControlModel.score_definition
    assert "lowest region score" in ControlModel.score_definition


def test_text_scores_follow_the_strategy() -> None:
    probs = np.array([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]])
    assert pointwise(probs, "least-confidence") == pytest.approx([0.7, 0.4])
    assert pointwise(probs, "margin") == pytest.approx([0.5, 0.05])
    entropy = pointwise(probs, "entropy")
    assert entropy[0] > entropy[1] and 0 <= entropy.min() <= entropy.max() <= 1
