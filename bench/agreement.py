"""Agreement engine benchmark: `make bench` (or `python bench/agreement.py [--quick]`).

Prints, on synthetic data generated here with a fixed seed:
1. wall time for 1,000,000 nominal annotations (333,334 tasks x 3 annotators, 5 labels): the
   vectorised core (counts matrix, Krippendorff's alpha, Fleiss' kappa, percent agreement and
   every per-task score);
2. the ratio against NLTK's `AnnotationTask.alpha` on a subset both can do, timed in this process,
   with both alphas printed (they must agree);
3. the full engine from Label Studio task JSON (`agreement_report`) on a smaller project, for the
   per-annotation cost of the whole pipeline;
4. box matching for 100,000 tasks x 3 annotators x 10 boxes (300,000 annotator pairs), IoU 0.5;
5. peak memory (resident set size) of the process.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sdk_scripts.agreement.engine import agreement_report  # noqa: E402
from sdk_scripts.agreement.geometry import batched_box_f1  # noqa: E402
from sdk_scripts.agreement.measures import (  # noqa: E402
    counts_matrix,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    unit_agreement,
)

RNG = np.random.default_rng(20261123)


def nominal_ratings(n_tasks: int, n_annotators: int = 3, n_labels: int = 5, agree: float = 0.7):
    """Each task has a true label; each annotator gives it with probability `agree`, else a random one."""
    truth = RNG.integers(0, n_labels, n_tasks)
    values = np.where(RNG.random((n_tasks, n_annotators)) < agree, truth[:, None],
                      RNG.integers(0, n_labels, (n_tasks, n_annotators)))
    units = np.repeat(np.arange(n_tasks), n_annotators)
    return units, values.ravel(), n_labels


def nominal_core(units: np.ndarray, values: np.ndarray, n_tasks: int, n_labels: int) -> dict:
    counts = counts_matrix(units, values, n_tasks, n_labels)
    return {
        "alpha": krippendorff_alpha(counts, "nominal"),
        "fleiss": fleiss_kappa(counts),
        "percent": percent_agreement(counts),
        "task_scores": unit_agreement(counts),
    }


def timed(fn, *args, repeat: int = 3):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def bench_nominal(n_tasks: int) -> None:
    units, values, n_labels = nominal_ratings(n_tasks)
    seconds, result = timed(nominal_core, units, values, n_tasks, n_labels)
    print(f"1. nominal, {len(values):,} annotations ({n_tasks:,} tasks x 3): {seconds:.3f} s "
          f"(target <= 2 s); alpha {result['alpha']:.4f}, Fleiss {result['fleiss']:.4f}, "
          f"percent {result['percent']:.4f}")


def bench_nltk(n_tasks: int) -> None:
    """Alpha against alpha: the same ratings in, one coefficient out, both timed here."""
    from nltk.metrics.agreement import AnnotationTask

    units, values, n_labels = nominal_ratings(n_tasks)
    triples = [(str(i % 3), str(u), str(v)) for i, (u, v) in enumerate(zip(units, values, strict=True))]

    def ours():
        return krippendorff_alpha(counts_matrix(units, values, n_tasks, n_labels), "nominal")

    ours_s, ours_alpha = timed(ours)
    nltk_s, nltk_alpha = timed(lambda: AnnotationTask(data=triples).alpha(), repeat=1)
    print(f"2. alpha vs NLTK {__import__('nltk').__version__} AnnotationTask.alpha, {len(values):,} annotations: "
          f"NLTK {nltk_s:.3f} s, ours {ours_s * 1000:.1f} ms -> {nltk_s / ours_s:,.1f}x faster (target >= 50x); "
          f"alpha NLTK {nltk_alpha:.6f} vs ours {ours_alpha:.6f}")


def bench_engine(n_tasks: int) -> None:
    labels = ["a", "b", "c", "d", "e"]
    config = ('<View><Text name="text" value="$text"/><Choices name="answer" toName="text">'
              + "".join(f'<Choice value="{v}"/>' for v in labels) + "</Choices></View>")
    units, values, _ = nominal_ratings(n_tasks)
    tasks = [{"id": t + 1, "data": {"text": ""}, "annotations": []} for t in range(n_tasks)]
    for i, (u, v) in enumerate(zip(units, values, strict=True)):
        tasks[u]["annotations"].append({
            "id": i, "completed_by": i % 3 + 1, "created_at": "2026-11-16T09:00:00Z",
            "result": [{"from_name": "answer", "to_name": "text", "type": "choices",
                        "value": {"choices": [labels[v]]}}]})
    seconds, _ = timed(agreement_report, config, tasks, repeat=1)
    print(f"3. full engine from task JSON, {len(values):,} annotations: {seconds:.2f} s "
          f"({seconds / len(values) * 1e6:.1f} us per annotation, everything incl. Dawid-Skene)")


def bench_boxes(n_tasks: int, n_boxes: int = 10) -> None:
    # Three annotators per task, each drawing the same 10 objects with some jitter and 5% wrong labels.
    base = np.concatenate([RNG.uniform(0, 80, (n_tasks, n_boxes, 2)), RNG.uniform(5, 20, (n_tasks, n_boxes, 2))], 2)
    labels = RNG.integers(0, 3, (n_tasks, n_boxes))
    annotators = []
    for _ in range(3):
        jitter = base + RNG.normal(0, 1.0, base.shape)
        flipped = np.where(RNG.random(labels.shape) < 0.05, (labels + 1) % 3, labels)
        annotators.append((jitter, flipped))
    counts = np.full(n_tasks, n_boxes)

    def all_pairs():
        scores = [batched_box_f1(annotators[i][0], annotators[j][0], annotators[i][1], annotators[j][1], counts,
                                 counts) for i, j in ((0, 1), (0, 2), (1, 2))]
        return np.mean(scores, axis=0)

    seconds, per_task = timed(all_pairs, repeat=1)
    print(f"4. boxes, {n_tasks:,} tasks x 3 annotators x {n_boxes} boxes ({3 * n_tasks:,} pairs): {seconds:.2f} s "
          f"(target <= 10 s); mean per-task F1 {per_task.mean():.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes (a smoke run)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    cores = len(os.sched_getaffinity(0))
    print(f"machine: {platform.machine()}, {cores} cores available, Python {platform.python_version()}, "
          f"numpy {np.__version__}")
    bench_nominal(333_334 // scale)
    bench_nltk(50_000 // scale)
    bench_engine(30_000 // scale)
    bench_boxes(100_000 // scale)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"5. peak memory (max resident set size): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
