"""Weak supervision measured: `python bench/weak_supervision.py` (also run by `make bench`).

Labelled text sets available offline (bench/text_sets.py): the repo's emotion texts (72, real, 3 classes) and a
larger synthetic set generated from templates (`--per-class`, default 150 a class: 1,050 texts, 7 classes). No
installed package ships a labelled text set (nltk's corpora and Hugging Face datasets are downloads), so no public
one is used. On each, fifteen plausible labeling functions (below: keyword lexicons a team would write in an hour,
a strong and a weak one per emotion, an admin-words rule for neutral, two punctuation rules), written with
labelops' `@labeling_function`, make a label matrix; the script reports:

- coverage: the share of texts at least one function votes on, and each function's mean coverage;
- accuracy on the covered texts of labelops' label model (`fit_label_model(method="auto")`: chosen per run by
  accuracy on the labelled slice), of majority vote, and of the best single function (on the texts it covers);
- the human labels auto-labeling saves at 95% audited precision, simulated as `labelops autolabel` runs it, over
  `--seeds` shuffles: a labelled slice (`--labelled`, default 20% of the set, at least 30) calibrates the threshold to
  precision 0.95 (`autolabel.calibration.calibrate`); every other covered text at or above it is auto-labelled;
  a 5% audit sample (`autolabel.audit.audit_sample`) is checked against the truth, its Wilson interval and the
  stop rule computed as `review pull` does. Saved = auto-labelled minus audited, of the texts not in the slice;
  the true precision of all the auto-labels is reported beside the audited one.

Prints a table with the machine and the date; docs/autolabel.md quotes it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from text_sets import repo_texts, template_texts  # noqa: E402

from sdk_scripts.autolabel.audit import audit_sample  # noqa: E402
from sdk_scripts.autolabel.calibration import calibrate  # noqa: E402
from sdk_scripts.autolabel.interval import wilson  # noqa: E402
from sdk_scripts.errors import LabelopsError  # noqa: E402
from sdk_scripts.weak import LabelMatrix, fit_label_model, labeling_function  # noqa: E402

TARGET = 0.95
AUDIT = 0.05
CONTROL = "emotion"


LABEL_OF: dict[str, str] = {}  # function name -> the label it votes


def _rule(label: str, pattern: str, name: str):
    """A labeling function voting `label` when the text matches `pattern` (case-insensitive)."""
    compiled = re.compile(pattern, re.IGNORECASE)

    def vote(data: dict) -> str | None:
        return label if compiled.search(data.get("text") or "") else None

    LABEL_OF[name] = label
    return labeling_function(control=CONTROL, name=name)(vote)


# Keyword lexicons as a team would write them (word stems, no look at the evaluation sets' phrasing).
FUNCTIONS = [
    _rule("joy", r"\b(happ|thrill|delight|overjoy|smil|grin|celebrat|wonderful|fantastic|great day|bliss|cheerful"
                 r"|hooray|excit|glad|pleased)", "joy_words"),
    _rule("joy", r"\b(love|fun|best|laugh|good news|grateful|lovely|amazing)", "joy_weak"),
    _rule("sadness", r"\b(sad|cried|cry|tears|tearing|heartbr|grief|hopeless|miserable|lonely|gloomy|sorrow)",
          "sadness_words"),
    _rule("sadness", r"\b(miss|empty|alone|down|loss|lost|wish|let .* down|disappoint|hurts)", "sadness_weak"),
    _rule("anger", r"\b(angry|anger|furious|livid|fuming|enraged|outrag|rage|infuriat|unacceptable|how dare"
                   r"|blood (is )?boil)", "anger_words"),
    _rule("anger", r"\b(mad|hate|sick of|fed up|enough|scream|rude|annoy|irritat|complain|excuses)", "anger_weak"),
    _rule("fear", r"\b(scared|afraid|terrif|panic|fear|dread|frighten)", "fear_words"),
    _rule("fear", r"\b(worr|anxious|nervous|shaking|chills|froze|what if|the worst|pounding)", "fear_weak"),
    _rule("surprise", r"\b(surpris|shock|stunned|unexpected|jaw|did not see|never expected|caught .* off guard)",
          "surprise_words"),
    _rule("surprise", r"\b(wow|no idea|believe|amazed|twist|out of nowhere|guess)", "surprise_weak"),
    _rule("disgust", r"\b(disgust|revolting|gross|vile|yuck|eww|nause|repuls|gag|filthy|maggot|threw up)",
          "disgust_words"),
    _rule("disgust", r"\b(smell|grease|grimy|foul|mould|stomach turn|sicken)", "disgust_weak"),
    _rule("neutral", r"\b(calendar|spreadsheet|form|reference number|summary|paperwork|confirm|forwarded|for the "
                     r"record|next step|reception)", "neutral_admin"),
    _rule("joy", r"!", "exclamation_joy"),
    _rule("surprise", r"\?", "question_surprise"),
]


@dataclass(frozen=True)
class Dataset:
    name: str
    texts: list[str]
    labels: list[str]
    provenance: str


@dataclass
class Figures:
    """One data set's figures (the savings averaged over the seeds)."""

    name: str
    tasks: int
    classes: int
    functions: int
    coverage: float
    mean_function_coverage: float
    methods: dict[str, float]  # accuracy on the covered texts of each label model method, majority vote included
    chosen: str  # the methods "auto" chose in the savings runs
    best_function: str
    best_function_accuracy: float
    best_function_coverage: float
    labelled: int
    threshold: float
    auto_labelled: float
    audited: float
    saved: float
    pool: int
    audited_precision: float
    true_precision: float
    stopped: int
    failed: int
    seeds: int
    seconds: float


def matrix_of(dataset: Dataset) -> LabelMatrix:
    """The label matrix of the functions whose label the data set's classes have (as `lf apply` makes it)."""
    classes = sorted(set(dataset.labels))
    functions = [f for f in FUNCTIONS if LABEL_OF[f.name] in classes]
    codes = np.full((len(dataset.texts), len(functions)), -1, dtype=np.int16)
    for j, function in enumerate(functions):
        for i, text in enumerate(dataset.texts):
            vote = function.vote({"id": i, "data": {"text": text}})
            if vote is not None:
                codes[i, j] = classes.index(vote)
    return LabelMatrix(np.arange(len(dataset.texts)), [f.name for f in functions], codes, classes, CONTROL, "bench")


def accuracy_on_covered(codes: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """(accuracy where the column votes, its coverage) of one function."""
    voted = codes >= 0
    return (float((codes[voted] == truth[voted]).mean()) if voted.any() else 0.0), float(voted.mean())


def predicted(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(covered rows, argmax class, its probability) of a label model's output."""
    covered = ~np.isnan(probabilities).any(axis=1)
    filled = np.where(covered[:, None], probabilities, 0.0)
    return covered, filled.argmax(axis=1), filled.max(axis=1)


def simulate(matrix: LabelMatrix, truth: np.ndarray, labelled: int, seed: int) -> dict:
    """One `labelops autolabel` run on a shuffle: calibrate on the labelled slice, auto-label, audit."""
    order = list(range(matrix.n_tasks))
    random.Random(seed).shuffle(order)
    slice_ids, pool = order[:labelled], order[labelled:]
    gold = {i: matrix.classes[truth[i]] for i in slice_ids}
    model = fit_label_model(matrix, "auto", gold=gold)
    covered, label, score = predicted(model.probabilities)
    pairs = [(float(score[i]), bool(label[i] == truth[i])) for i in slice_ids if covered[i]]
    try:
        threshold = calibrate(pairs, TARGET).threshold  # at least 20 labelled, as `labelops autolabel`
    except LabelopsError:
        return {"failed": 1, "method": model.method, "pool": len(pool)}
    auto = [i for i in pool if covered[i] and score[i] >= threshold]
    audited = audit_sample(auto, in_round=0, audited=0, fraction=AUDIT, seed=seed)
    right = [i for i in audited if label[i] == truth[i]]
    measured = wilson(len(right), len(audited))
    true = float(np.mean([label[i] == truth[i] for i in auto])) if auto else float("nan")
    return {"failed": 0, "method": model.method, "pool": len(pool), "threshold": threshold, "auto": len(auto),
            "audited": len(audited), "saved": len(auto) - len(audited), "true": true,
            "measured": measured.estimate if measured.estimate is not None else float("nan"),
            "stopped": int(measured.estimate is not None and measured.estimate < TARGET)}


def measure(dataset: Dataset, seeds: int, labelled_share: float) -> Figures:
    started = time.perf_counter()
    matrix = matrix_of(dataset)
    truth = np.array([matrix.classes.index(label) for label in dataset.labels])
    votes = matrix.codes >= 0
    everything = {i: matrix.classes[t] for i, t in enumerate(truth)}
    model = fit_label_model(matrix, "auto", gold=everything)  # every method's accuracy on the covered texts
    singles = {name: accuracy_on_covered(matrix.codes[:, j], truth) for j, name in enumerate(matrix.functions)}
    best = max(singles, key=lambda n: (singles[n][0], singles[n][1]))
    labelled = max(30, round(labelled_share * matrix.n_tasks))
    runs = [simulate(matrix, truth, labelled, seed) for seed in range(seeds)]
    done = [r for r in runs if not r["failed"]]

    def mean(key: str) -> float:
        values = [r[key] for r in done if not np.isnan(r[key])]
        return float(np.mean(values)) if values else float("nan")

    methods = sorted({r["method"] for r in runs})
    return Figures(
        dataset.name, matrix.n_tasks, len(matrix.classes), len(matrix.functions), float(votes.any(axis=1).mean()),
        float(votes.mean()), dict(model.accuracies), ", ".join(methods), best, singles[best][0], singles[best][1],
        labelled, mean("threshold"), mean("auto"), mean("audited"),
        mean("saved"), runs[0]["pool"], mean("measured"), mean("true"), sum(r["stopped"] for r in done),
        len(runs) - len(done), seeds, time.perf_counter() - started)


def table(rows: list[Figures]) -> str:
    lines = ["| | " + " | ".join(r.name for r in rows) + " |", "|---|" + "---|" * len(rows)]

    def row(title: str, cell) -> None:
        lines.append(f"| {title} | " + " | ".join(cell(r) for r in rows) + " |")

    row("texts, classes, functions", lambda r: f"{r.tasks}, {r.classes}, {r.functions}")
    row("coverage (any function votes)", lambda r: f"{r.coverage:.1%}")
    row("mean coverage of one function", lambda r: f"{r.mean_function_coverage:.1%}")
    for method in ("dawid-skene", "mace", "glad", "majority"):
        title = "majority vote accuracy (covered)" if method == "majority" else f"label model {method} (covered)"
        row(title, lambda r, m=method: f"{r.methods[m]:.1%}" if m in r.methods else "-")
    row("label model chosen by the slice (runs)", lambda r: r.chosen)
    row("best single function (on what it covers)",
        lambda r: f"{r.best_function_accuracy:.1%} `{r.best_function}`, covers {r.best_function_coverage:.1%}")
    row("labelled slice (calibration)", lambda r: f"{r.labelled}")
    row("calibrated threshold (mean)", lambda r: f"{r.threshold:.3f}")
    row("auto-labelled of the rest (mean)", lambda r: f"{r.auto_labelled:.1f} of {r.pool}")
    row("audited (5%, mean)", lambda r: f"{r.audited:.1f}")
    row("**human labels saved** (mean)", lambda r: f"**{r.saved:.1f} ({r.saved / r.pool:.0%} of the rest)**")
    row("audited precision (mean)", lambda r: f"{r.audited_precision:.3f}")
    row("true precision of the auto-labels (mean)", lambda r: f"{r.true_precision:.3f}")
    row("runs the audit stopped / calibration failed", lambda r: f"{r.stopped} / {r.failed} of {r.seeds}")
    row("time", lambda r: f"{r.seconds:.1f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="shuffles per data set (default 10)")
    parser.add_argument("--per-class", type=int, default=150, help="synthetic texts per class (default 150)")
    parser.add_argument("--labelled", type=float, default=0.2, help="labelled slice share (default 0.2)")
    args = parser.parse_args(argv)
    sets = [Dataset("repo texts", *repo_texts()), Dataset("synthetic", *template_texts(args.per_class))]
    rows = [measure(d, args.seeds, args.labelled) for d in sets]
    cpu = platform.processor() or platform.machine()
    print(f"bench/weak_supervision.py, {datetime.date.today().isoformat()}, {platform.system()} {cpu}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}; target precision {TARGET}, audit {AUDIT:.0%}, "
          f"{args.seeds} seeds\n")
    print(table(rows))
    print("\n" + "\n".join(f"- {d.provenance}" for d in sets))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
