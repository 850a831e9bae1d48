"""Lead time (Label Studio's `lead_time`: seconds an annotator spent on an annotation) of a group of annotations,
and how a group made from predictions compares with one made without, with percentile bootstrap intervals (pure).

Each group is resampled on its own (its annotations drawn with replacement, as many as it has) `replicates` times;
the interval is the (1 - level) / 2 and (1 + level) / 2 percentiles of the replicates' statistic: the mean, the
difference of means (with - without, seconds) and the speed-up (mean without / mean with). A group of fewer than
two annotations gets no interval. The same seed gives the same intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sdk_scripts.agreement.bootstrap import percentile_interval

REPLICATES = 1000


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def to_json(self) -> dict:
        return {"low": self.low, "high": self.high}


def _interval(values: np.ndarray, level: float) -> Interval | None:
    found = percentile_interval(values, level)
    return None if found is None else Interval(found["low"], found["high"])


@dataclass(frozen=True)
class LeadTime:
    """A group's lead times: how many annotations had one, their mean and median (s), the mean's interval."""

    annotations: int
    mean: float | None
    median: float | None
    interval: Interval | None

    def to_json(self) -> dict:
        return {"annotations": self.annotations, "mean": self.mean, "median": self.median,
                "interval": None if self.interval is None else self.interval.to_json()}


@dataclass(frozen=True)
class Speedup:
    """Annotations made from a prediction against annotations made without one."""

    difference: float | None  # mean with - mean without, seconds (negative: faster with)
    difference_interval: Interval | None
    speedup: float | None  # mean without / mean with (2.0: twice as fast with)
    speedup_interval: Interval | None

    def to_json(self) -> dict:
        def each(found: Interval | None) -> dict | None:
            return None if found is None else found.to_json()

        return {"difference": self.difference, "difference_interval": each(self.difference_interval),
                "speedup": self.speedup, "speedup_interval": each(self.speedup_interval)}


def lead_times(annotations: Sequence[dict]) -> np.ndarray:
    """The positive, finite lead times of these annotations (others are unknown: left out)."""
    found = [a.get("lead_time") for a in annotations]
    return np.array([float(t) for t in found if isinstance(t, int | float) and not isinstance(t, bool)
                     and math.isfinite(t) and t > 0], float)


def _resampled_means(values: np.ndarray, rng: np.random.Generator, replicates: int) -> np.ndarray:
    draws = rng.integers(0, len(values), (replicates, len(values)))
    return values[draws].mean(axis=1)


def lead_time_figures(values: np.ndarray, level: float = 0.95, seed: int = 0,
                      replicates: int = REPLICATES) -> LeadTime:
    """The group's figures (see the module docstring)."""
    if not len(values):
        return LeadTime(0, None, None, None)
    interval = None
    if len(values) >= 2:
        interval = _interval(_resampled_means(values, np.random.default_rng(seed), replicates), level)
    return LeadTime(len(values), float(values.mean()), float(np.median(values)), interval)


def compare_lead_times(with_prediction: np.ndarray, without: np.ndarray, level: float = 0.95, seed: int = 0,
                       replicates: int = REPLICATES) -> Speedup:
    """Difference and ratio of the groups' means, each with its interval (None where a group is empty)."""
    if not len(with_prediction) or not len(without):
        return Speedup(None, None, None, None)
    mean_with, mean_without = float(with_prediction.mean()), float(without.mean())
    if len(with_prediction) < 2 or len(without) < 2:
        return Speedup(mean_with - mean_without, None, mean_without / mean_with, None)
    rng = np.random.default_rng(seed)
    resampled_with = _resampled_means(with_prediction, rng, replicates)
    resampled_without = _resampled_means(without, rng, replicates)
    return Speedup(mean_with - mean_without, _interval(resampled_with - resampled_without, level),
                   mean_without / mean_with, _interval(resampled_without / resampled_with, level))
