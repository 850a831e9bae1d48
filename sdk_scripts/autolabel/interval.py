"""The Wilson score interval of a proportion (pure): how precise an audited precision is.

Wilson, E. B. (1927), "Probable inference, the law of succession, and statistical inference", JASA 22:209-212;
recommended over the normal (Wald) interval and the conservative exact Clopper-Pearson one by Newcombe, R. G.
(1998), "Two-sided confidence intervals for the single proportion: comparison of seven methods", Statistics in
Medicine 17:857-872 (its method 3; its Table I gives 81/263 -> 0.2553-0.3662, which the unit tests check) and by
Brown, Cai & DasGupta (2001), Statistical Science 16:101-133. It stays inside [0, 1] and is sensible at 0/n and n/n,
which an audit of a few dozen mostly-right labels often is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class Proportion:
    """k successes of n, the point estimate and its Wilson interval at `confidence` (None when n is 0)."""

    successes: int
    total: int
    confidence: float
    low: float | None
    high: float | None

    @property
    def estimate(self) -> float | None:
        return self.successes / self.total if self.total else None

    def describe(self) -> str:
        """`0.92 (95% CI 0.80-0.97, Wilson; 46 of 50)`."""
        if self.estimate is None or self.low is None or self.high is None:
            return "not measured yet (nothing decided)"
        return (f"{self.estimate:.2f} ({self.confidence:.0%} CI {self.low:.2f}-{self.high:.2f}, Wilson; "
                f"{self.successes} of {self.total})")

    def to_json(self) -> dict:
        return {"successes": self.successes, "total": self.total, "estimate": self.estimate,
                "confidence": self.confidence, "low": self.low, "high": self.high, "method": "wilson"}


def wilson(successes: int, total: int, confidence: float = 0.95) -> Proportion:
    """The Wilson score interval of successes / total (no continuity correction)."""
    if not 0 <= successes <= total:
        raise ValueError(f"need 0 <= successes <= total, got {successes} of {total}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if total == 0:
        return Proportion(0, 0, confidence, None, None)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / total
    denominator = 1 + z * z / total
    centre = p + z * z / (2 * total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    low, high = (centre - half) / denominator, (centre + half) / denominator
    # exact at the ends (rounding would leave 1e-17 below 0 at 0/n)
    return Proportion(successes, total, confidence, 0.0 if successes == 0 else max(0.0, low),
                      1.0 if successes == total else min(1.0, high))
