"""The active-learning strategies our ML backend accepts (`strategy`), by name; stdlib only for the CLI parser."""

# diversity and hybrid order whole batches (at re-prediction after a training run); a single task
# predicted on its own gets the pointwise score of POINTWISE_FALLBACK.
ALL_STRATEGIES = ("least-confidence", "margin", "entropy", "diversity", "hybrid")
POINTWISE_FALLBACK = {"diversity": "least-confidence", "hybrid": "margin"}
