"""The agreement report: every control scored by its kind, then per task, annotator and week (pure).

`build_report(label_config, tasks)` returns an `AgreementReport` (`report`; its JSON Schema in
docs/agreement.md): overall and per-label figures per control, a score per task, per-annotator agreement
with the others (leave-one-out), accuracy against ground truth, the same per annotator and week,
consensus labels, and the annotations annotators flagged; `agreement_report` is its JSON.
`per_task_scores` is the part the review loop uses, `pairwise_matrix` the annotator x annotator table.

Each control is scored by its kind (`kinds`: the registry says which kind takes which tag): its per-task
score is the mean over annotator pairs of the kind's similarity in [0, 1]; a task's score is the mean over
its scored controls. Only tasks with at least `min_annotators` ratings get one, and boxes/spans left empty
by every annotator get none (the kind's `empty_units`). The coefficients (alpha, kappa, AC1...) use every
task with at least two ratings, whatever `min_annotators` is.

Ratings are integer columns (`coded`); per-task and per-annotator figures are group-by sums over the pairs
of ratings within tasks, so the work is linear in the ratings for every kind of control.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from sdk_scripts.agreement.annotators import annotator_figures, raters_per_task
from sdk_scripts.agreement.coded import Coded, Scored, score_pairs
from sdk_scripts.agreement.controls import read_controls, scorable_controls
from sdk_scripts.agreement.extract import Extraction, extract
from sdk_scripts.agreement.intervals import control_intervals
from sdk_scripts.agreement.kinds.base import Options
from sdk_scripts.agreement.kinds.registry import code_ratings
from sdk_scripts.agreement.report import AgreementReport, ControlReport, Problem, Summary, TaskScore
from sdk_scripts.agreement.spec import ControlSpec

REPLICATES = 1000
DENSE_CELLS = 1 << 24  # tasks x categories of a dense counts matrix (the kappa family and its bootstrap)


def score_control(coded: Coded, scored: Scored, options: Options) -> tuple[ControlReport, list[str]]:
    """One control's report by its kind, and the notes on what was not computed."""
    kind = coded.kind
    figures = kind.figures(coded, scored, options)
    intervals = control_intervals(coded, figures, options) if options.ci is not None else None
    report = ControlReport(
        coded.spec.name, coded.spec.tag, kind.name, int(scored.scored.sum()),
        int(coded.ratings_per_unit()[scored.scored].sum()), scored.mean_task_score(), figures.measures,
        figures.labels, figures.pairs, {str(k): v for k, v in kind.alpha_without(coded).items()}, intervals)
    return report, figures.notes


def _task_scores(extraction: Extraction, scored: list[Scored], coded: list[Coded]) -> list[TaskScore]:
    """One row per task read, in order: its score per control and overall, raters, consensus and flags."""
    flags_by_task: dict = defaultdict(list)
    low_by_task: dict = defaultdict(int)
    for item in extraction.annotation_flags:
        flags_by_task[item.task] += item.flags
        low_by_task[item.task] += item.low_confidence
    raters = raters_per_task(coded)
    score_maps = [(s.coded.spec.name, s.task_scores()) for s in scored]
    consensus_maps = [(c.spec.name, found) for c in coded if (found := c.kind.consensus(c))]
    rows = []
    for task_id in extraction.task_ids:
        per_control = {name: scores.get(task_id) for name, scores in score_maps}
        present = [v for v in per_control.values() if v is not None]
        flagged = flags_by_task.get(task_id)
        rows.append(TaskScore(task_id, sum(present) / len(present) if present else None, raters.get(task_id, 0),
                              per_control, {name: c[task_id] for name, c in consensus_maps if task_id in c},
                              sorted(set(flagged)) if flagged else [], low_by_task.get(task_id, 0)))
    return rows


def _summary(extraction: Extraction, tasks: list[TaskScore], annotators: int, min_annotators: int) -> Summary:
    counts = extraction.counts
    flag_totals: dict = defaultdict(int)
    for item in extraction.annotation_flags:
        for flag in item.flags:
            flag_totals[flag] += 1
    scored_tasks = [row.score for row in tasks if row.score is not None]
    return Summary(counts["tasks"], counts["annotations"], counts["cancelled"], counts["ground_truth"],
                   counts["duplicates"], annotators, len(scored_tasks),
                   float(np.mean(scored_tasks)) if scored_tasks else None, dict(flag_totals),
                   sum(item.low_confidence for item in extraction.annotation_flags), min_annotators)


def build_report(label_config: str, tasks: Iterable[dict], *, min_annotators: int = 2, box_threshold: float = 0.5,
                 names: dict | None = None, ci: float | None = None, seed: int = 0, replicates: int = REPLICATES,
                 read_problems: list[str] | None = None, semantic: bool = True,
                 extractor: Callable[[list[ControlSpec]], Extraction] | None = None) -> AgreementReport:
    """The full report (see the module docstring); `ci` adds bootstrap intervals, `semantic=False` leaves out
    TextArea's semantic similarity (which loads a sentence-embedding model).
    `extractor`, when given, takes the place of `extract(specs, tasks)` (a pull read in two processes:
    `parallel.extract_pull`), and `tasks` is not read.
    `read_problems` is a list the task source fills while `tasks` is read (damaged lines of a pull): it is read
    after the tasks and heads the report's problems."""
    options = Options(box_threshold, ci, seed, replicates, semantic, DENSE_CELLS)
    config = read_controls(label_config)
    extraction = extractor(config.specs) if extractor is not None else extract(config.specs, tasks)
    names = {**extraction.names, **(names or {})}
    coded = [code_ratings(table) for table in extraction.ratings]
    scored = [score_pairs(c, min_annotators, box_threshold) for c in coded]
    controls, notes = [], list(config.notes)
    for c, s in zip(coded, scored, strict=True):
        control, control_notes = score_control(c, s, options)
        controls.append(control)
        notes += control_notes
    annotators, weeks = annotator_figures(scored, names, extraction.annotation_flags)
    task_rows = _task_scores(extraction, scored, coded)
    problems = [Problem(text) for text in read_problems or []] + config.problems + extraction.problems
    return AgreementReport(_summary(extraction, task_rows, len(annotators), min_annotators), controls, task_rows,
                           annotators, weeks, notes, problems)


def agreement_report(label_config: str, tasks: Iterable[dict], **options: Any) -> dict:
    """`build_report(label_config, tasks, **options)` as JSON (the command's `--json`)."""
    return build_report(label_config, tasks, **options).to_json()


def per_task_scores(label_config: str, tasks: list[dict], min_annotators: int = 2) -> dict[int, float | None]:
    """task id -> agreement score in [0, 1] (None when fewer than `min_annotators` rated it)."""
    specs, _ = scorable_controls(label_config)
    extraction = extract(specs, tasks)
    scores: dict = defaultdict(list)
    for table in extraction.ratings:
        for task, score in score_pairs(code_ratings(table), min_annotators, 0.5).task_scores().items():
            scores[task].append(score)
    return {t: (sum(scores[t]) / len(scores[t]) if scores.get(t) else None) for t in extraction.task_ids}


def pairwise_matrix(label_config: str, tasks: list[dict], min_annotators: int = 2) -> dict:
    """Annotator x annotator agreement: mean similarity over the tasks both rated, all controls.

    {"annotators": [ids], "names": {id: name}, "matrix": [[float | None]], "tasks": [[int]]}; the
    diagonal is 1.0 for annotators with at least one shared task.
    """
    specs, _ = scorable_controls(label_config)
    extraction = extract(specs, tasks)
    sums: dict = defaultdict(float)
    counts: dict = defaultdict(int)
    for table in extraction.ratings:
        s = score_pairs(code_ratings(table), min_annotators, 0.5)
        coded = s.coded
        a, b = coded.rater[s.pair_i], coded.rater[s.pair_j]
        n_r = len(coded.rater_ids)
        key = np.minimum(a, b) * n_r + np.maximum(a, b)
        if len(key) == 0:
            continue
        found, inverse = np.unique(key, return_inverse=True)
        total = np.bincount(inverse, s.similarity)
        number = np.bincount(inverse)
        for k, pair_key in enumerate(found.tolist()):
            x, y = coded.rater_ids[pair_key // n_r], coded.rater_ids[pair_key % n_r]
            for pair in ((x, y), (y, x)):
                sums[pair] += float(total[k])
                counts[pair] += int(number[k])
    annotators = sorted({a for a, _ in counts}, key=str)
    matrix = [[(1.0 if a == b else (sums[(a, b)] / counts[(a, b)] if counts[(a, b)] else None)) for b in annotators]
              for a in annotators]
    shared = [[counts[(a, b)] for b in annotators] for a in annotators]
    return {"annotators": annotators, "names": {a: extraction.names.get(a) for a in annotators},
            "matrix": matrix, "tasks": shared}
