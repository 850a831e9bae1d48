"""Label savings of the active-learning strategies: `make bench` (or `python bench/active_learning.py`).

Simulated labelling on scikit-learn's bundled handwritten digits (1,797 8x8 images, 10 classes,
offline): the same model (multinomial logistic regression on standardised pixels), the same seed
set (20 labels, two per class), batches of k = 20 labels chosen by each strategy, over several
seeds. For each strategy it prints the labels needed to reach 95% of the accuracy the model gets
with the whole pool labelled, and the savings against random order; learning curves are saved as
a PNG (bench/active_learning.png by default). Target: the best strategy needs >= 30% fewer labels
than random.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ml_backend.active_learning.strategies import (  # noqa: E402
    entropy,
    hybrid,
    k_center_greedy,
    least_confidence,
    margin,
)

warnings.filterwarnings("ignore", category=ConvergenceWarning)
BATCH = 20
SEED_LABELS_PER_CLASS = 2


def model() -> LogisticRegression:
    return LogisticRegression(max_iter=300, C=0.5)


def next_batch(strategy: str, clf, pool_x: np.ndarray, embed: np.ndarray, labelled: list[int],
               unlabelled: np.ndarray, rng: np.random.Generator) -> list[int]:
    if strategy == "random":
        return rng.choice(unlabelled, size=min(BATCH, len(unlabelled)), replace=False).tolist()
    if strategy == "k-center":
        return k_center_greedy(embed, BATCH, labelled)
    probs = clf.predict_proba(pool_x[unlabelled])
    if strategy == "hybrid":
        picks = hybrid(margin(probs), embed[unlabelled], BATCH, pool_factor=3)
        return unlabelled[picks].tolist()
    score = {"least-confidence": least_confidence, "margin": margin, "entropy": entropy}[strategy](probs)
    return unlabelled[np.argsort(score, kind="stable")[:BATCH]].tolist()


def run(strategy: str, seed: int, pool_x, pool_y, test_x, test_y, embed, budget: int) -> list[tuple[int, float]]:
    rng = np.random.default_rng(seed)
    labelled = [int(i) for c in range(10) for i in rng.choice(np.flatnonzero(pool_y == c), SEED_LABELS_PER_CLASS,
                                                               replace=False)]
    curve = []
    while True:
        clf = model().fit(pool_x[labelled], pool_y[labelled])
        curve.append((len(labelled), float((clf.predict(test_x) == test_y).mean())))
        if len(labelled) >= budget:
            return curve
        unlabelled = np.setdiff1d(np.arange(len(pool_x)), labelled)
        labelled += next_batch(strategy, clf, pool_x, embed, labelled, unlabelled, rng)


def labels_to_reach(curve: list[tuple[int, float]], target: float) -> int | None:
    return next((n for n, accuracy in curve if accuracy >= target), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=400, help="labels at which a run stops")
    parser.add_argument("--png", type=Path, default=Path(__file__).with_suffix(".png"))
    args = parser.parse_args()

    x, y = load_digits(return_X_y=True)
    started = time.perf_counter()
    results: dict[str, list[list[tuple[int, float]]]] = {}
    targets = []
    strategies = ["random", "least-confidence", "margin", "entropy", "k-center", "hybrid"]
    for seed in range(args.seeds):
        pool_x, test_x, pool_y, test_y = train_test_split(x, y, test_size=0.3, random_state=seed, stratify=y)
        scaler = StandardScaler().fit(pool_x)
        pool_x, test_x = scaler.transform(pool_x), scaler.transform(test_x)
        embed = PCA(n_components=20, random_state=seed).fit_transform(pool_x)
        full = float((model().fit(pool_x, pool_y).predict(test_x) == test_y).mean())
        targets.append(0.95 * full)
        for strategy in strategies:
            results.setdefault(strategy, []).append(run(strategy, seed, pool_x, pool_y, test_x, test_y, embed,
                                                        args.budget))
    print(f"digits: {len(x)} images, pool/test 70/30, {args.seeds} seeds, batches of {BATCH}, target = 95% of "
          f"full-pool accuracy (mean target {np.mean(targets):.3f}); {time.perf_counter() - started:.0f} s")
    needed = {s: [labels_to_reach(curve, target) for curve, target in zip(runs, targets, strict=True)]
              for s, runs in results.items()}
    base = np.mean([n if n is not None else args.budget for n in needed["random"]])
    print(f"{'strategy':<18} {'labels to target (mean)':>24} {'per seed':>28} {'savings vs random':>18}")
    for strategy in strategies:
        values = [n if n is not None else args.budget for n in needed[strategy]]
        mean = float(np.mean(values))
        print(f"{strategy:<18} {mean:>24.0f} {str(values):>28} {1 - mean / base:>17.0%}")
    best = min((s for s in strategies if s != "random"),
               key=lambda s: np.mean([n or args.budget for n in needed[s]]))
    best_mean = np.mean([n or args.budget for n in needed[best]])
    print(f"best: {best}, {1 - best_mean / base:.0%} fewer labels than random (target >= 30%)")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for strategy in strategies:
        sizes = [n for n, _ in results[strategy][0]]
        accuracy = np.mean([[a for _, a in curve] for curve in results[strategy]], axis=0)
        ax.plot(sizes, accuracy, label=strategy)
    ax.axhline(np.mean(targets), color="grey", linestyle="--", label="95% of full pool")
    ax.set_xlabel("labelled images")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"Active learning on digits ({args.seeds} seeds)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.png, dpi=100)
    print(f"learning curves: {args.png}")


if __name__ == "__main__":
    main()
