"""The confidence threshold that reaches a target precision on labelled tasks (pure).

Each labelled task that has a scored prediction of the model version is one pair (score, the prediction agrees
with the task's final label). The threshold is the smallest score whose pairs at or above it reach the target
precision; the count it rests on is reported with the precision's Wilson interval. Precision need not rise with
the threshold, so a lower threshold that reaches the target wins over a higher one that does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sdk_scripts.autolabel.interval import Proportion, wilson
from sdk_scripts.autolabel.predictions import candidate, same_label
from sdk_scripts.errors import LabelopsError

MIN_LABELLED = 20
LABELLED_SOURCES = frozenset({"adjudicated", "majority", "consensus", "representative"})


@dataclass(frozen=True)
class Calibration:
    """The calibrated threshold, the precision at it (with its interval) and how many labelled tasks it rests on."""

    threshold: float
    target: float
    precision: Proportion  # of the labelled tasks at or above the threshold
    labelled: int  # labelled tasks with a scored prediction of the model version

    def describe(self) -> str:
        return (f"{self.threshold:.4g}, calibrated to precision >= {self.target:g}: "
                f"{self.precision.describe()} labelled tasks at or above it (of {self.labelled} labelled)")

    def to_json(self) -> dict:
        return {"threshold": self.threshold, "target": self.target, "labelled": self.labelled,
                "precision": self.precision.to_json()}


def labelled_pairs(records: Iterable[dict], tasks: Mapping[int, dict], model_version: str) -> list[tuple[float, bool]]:
    """(score, correct) for each task with a human final (ground truth, adjudication or the annotators' consensus)
    and a scored classification prediction of `model_version` (export records as `review.export` gives them)."""
    pairs = []
    for record in records:
        if record.get("final") is None or record.get("final_source") not in LABELLED_SOURCES:
            continue
        found = candidate(tasks[record["task"]], model_version)
        if found is None or found.score is None or not found.is_classification:
            continue
        pairs.append((found.score, same_label(found.result, record["final"])))
    return pairs


def calibrate(pairs: Sequence[tuple[float, bool]], target: float, *, min_labelled: int = MIN_LABELLED,
              model_version: str = "the model version") -> Calibration:
    """The smallest threshold whose precision on `pairs` at or above it is >= `target` (see the module docstring).

    Fewer than `min_labelled` pairs, or no threshold that reaches the target: one LabelopsError saying why.
    """
    if len(pairs) < min_labelled:
        raise LabelopsError(
            f"calibrating to precision {target:g} needs at least {min_labelled} labelled tasks (ground truth, "
            f"adjudicated or with the annotators' final label) that have a scored prediction of {model_version}; "
            f"there are {len(pairs)}. Label more tasks, or give the threshold with --min-confidence")
    ordered = sorted(pairs, key=lambda p: -p[0])
    correct = 0
    best: tuple[float, int, int] | None = None  # threshold, correct, count of the lowest threshold that qualifies
    top: tuple[float, float, int] = (0.0, 0.0, 0)  # the best precision seen: precision, threshold, count
    for i, (score, right) in enumerate(ordered):
        correct += right
        if i + 1 < len(ordered) and ordered[i + 1][0] == score:
            continue  # a threshold takes every pair with that score at once
        precision = correct / (i + 1)
        if precision >= target:
            best = (score, correct, i + 1)
        if precision > top[0]:
            top = (precision, score, i + 1)
    if best is None:
        raise LabelopsError(
            f"no threshold reaches precision {target:g} on the {len(pairs)} labelled tasks with a prediction of "
            f"{model_version}: the highest is {top[0]:.2f} at score >= {top[1]:.4g} ({top[2]} tasks). Lower "
            "--target-precision, or improve the model")
    threshold, right, count = best
    return Calibration(threshold, target, wilson(right, count), len(pairs))
