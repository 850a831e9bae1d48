"""The agreement report: every control scored with the measure that fits it (pure).

`agreement_report(label_config, tasks)` returns a JSON-ready dict (schema in the README):
overall and per-label figures per control, a score per task, per-annotator agreement with the
others (leave-one-out), accuracy against ground truth, the same per annotator and week, consensus
labels, and the annotations annotators flagged. `per_task_scores` is the part the review loop uses.

Per-task score of a control = mean over annotator pairs of a similarity in [0, 1]:
single choice: equal or not; multiple choice: Jaccard similarity of the sets; Rating/Number:
1 - |a - b| / scale range; boxes and spans: F1 of matched regions (see `geometry`); TextArea:
1 - normalised character edit distance (beside it, the control's semantic similarity: `semantic`).
A task's score is the mean over its scored controls; only tasks with at least `min_annotators`
ratings get one, and boxes/spans left empty by every annotator get none (`coded.empty_units`).
The coefficients (alpha, kappa, AC1...) use every task with at least two ratings, whatever
`min_annotators` is.

Ratings are integer columns (`coded`); per-task and per-annotator figures are group-by sums over
the pairs of ratings within tasks, so the work is linear in the ratings for every kind of control.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from sdk_scripts.agreement import alpha as kernels
from sdk_scripts.agreement import chance_corrected as cc
from sdk_scripts.agreement import semantic
from sdk_scripts.agreement.annotators import annotator_figures, leave_one_out_alpha, raters_per_task
from sdk_scripts.agreement.bootstrap import bootstrap_coefficients, bootstrap_statistic, bootstrap_tables
from sdk_scripts.agreement.coded import CATEGORICAL, Coded, Scored, code_ratings, score_pairs
from sdk_scripts.agreement.consensus import consensus_labels
from sdk_scripts.agreement.controls import ControlSpec, read_controls, scorable_controls
from sdk_scripts.agreement.extract import Extraction, extract
from sdk_scripts.agreement.geometry import span_f1
from sdk_scripts.agreement.measures import binary_alphas, mean_pairwise, percent_agreement, percent_agreement_of_codes
from sdk_scripts.agreement.regions import label_f1, matched_units_alpha

REPLICATES = 1000
DENSE_CELLS = 1 << 24  # tasks x categories of a dense counts matrix (the kappa family and its bootstrap)
LOOP_BUDGET = 2 * 10**8  # replicates x work units allowed for a bootstrap that recomputes per replicate
PAIR_BOOTSTRAP_BUDGET = 2 * 10**9  # replicates x (pairs of ratings + table cells) for the per-pair kappa intervals


def _by_task(coded: Coded, units: np.ndarray) -> dict:
    """task -> {annotator: value} on the flagged units (the region kinds' matching works on these)."""
    grouped: dict = defaultdict(dict)
    for u, r, value in zip(coded.unit.tolist(), coded.rater.tolist(), coded.values, strict=True):
        if units[u]:
            grouped[coded.task_ids[u]][coded.rater_ids[r]] = value
    return dict(grouped)


def _label_alphas(coded: Coded, given, n: int, names: list, columns: list[int]) -> dict:
    """label -> {"count": pairable ratings giving it, "alpha": present/absent nominal alpha}. `given` is each
    rating's label column (single choice) or (ratings, columns) of every label given (multiple choice), of n."""
    rating, column = (np.arange(len(coded.unit)), np.asarray(given)) if not isinstance(given, tuple) else given
    n = max(n, 1)
    unit = np.concatenate([coded.unit, coded.unit[rating]])
    label = np.concatenate([np.full(len(coded.unit), -1), column])
    values, given_count = binary_alphas(unit, label, n)
    return {name: {"count": int(given_count[k]), "alpha": float(values[k]) if np.isfinite(values[k]) else None}
            for name, k in zip(names, columns, strict=True)}


def _too_many(control: str, coded: Coded) -> str:
    return (f"{control}: {coded.n_units:,} tasks x {len(coded.categories):,} categories is over {DENSE_CELLS:,} "
            "cells: Fleiss' kappa, AC1/AC2, Brennan-Prediger, Cohen's kappa and intervals not computed")


def _scale_coefficients(positions: list[float], weighted: bool) -> dict[str, cc.Coefficient]:
    q = len(positions)
    identity = np.eye(q)
    out = {"fleiss_kappa": cc.gwet_coefficient(identity, "fleiss"), "gwet_ac1": cc.gwet_coefficient(identity, "gwet")}
    if weighted:
        for kind in ("linear", "quadratic"):
            out[f"gwet_ac2_{kind}"] = cc.gwet_coefficient(cc.agreement_weights(positions, kind), "gwet")
    out["brennan_prediger"] = cc.gwet_coefficient(identity, "bp")
    return out


def _kappa_pairs(coded: Coded, positions: list[float], weighted: bool, ci: float | None = None, seed: int = 0,
                 replicates: int = REPLICATES, notes: list[str] | None = None) -> list[dict]:
    """Cohen's kappa (and weighted kappas) of every annotator pair on the tasks both rated; with `ci`, each pair's
    bootstrap intervals under "intervals" (the same resamples of tasks as the control's other intervals)."""
    q = len(coded.categories)
    found, index, unit, cell = cc.pair_entries(coded.unit, coded.rater, coded.code, q)
    tables = np.bincount(index * q * q + cell, minlength=len(found) * q * q).reshape(len(found), q, q)
    weights = {"cohen_kappa": None}
    for kind in ("linear", "quadratic") if weighted else ():
        weights[f"cohen_kappa_{kind}"] = cc.agreement_weights(positions, kind)
    kappas = {name: cc.cohen_kappa_tables(tables, w) for name, w in weights.items()}
    intervals: dict[str, list] = {}
    if ci is not None and len(found):
        cost = replicates * (len(index) + len(found) * q * q)
        if cost > PAIR_BOOTSTRAP_BUDGET:
            if notes is not None:
                notes.append(f"{coded.spec.name}: no intervals for Cohen's kappa per pair: {replicates} replicates x "
                             f"{cost // replicates:,} operations is over the budget of {PAIR_BOOTSTRAP_BUDGET:,}")
        else:
            statistics = {name: (lambda flat, w=w: cc.cohen_kappa_tables(flat.reshape(-1, q, q), w))
                          for name, w in weights.items()}
            intervals = bootstrap_tables(coded.n_units, index, unit, cell, (len(found), q * q), statistics, ci,
                                         replicates, seed)
    shared = tables.sum(axis=(1, 2)).tolist()
    rows = []
    for p, (a, b) in enumerate(found.tolist()):
        row = {"a": coded.rater_ids[a], "b": coded.rater_ids[b], "tasks": shared[p]}
        for name, values in kappas.items():
            row[name] = None if not np.isfinite(values[p]) else float(values[p])
        if ci is not None:
            row["intervals"] = {name: (per_pair[p] if row[name] is not None else None)
                                for name, per_pair in intervals.items()}
        rows.append(row)
    return rows


def _pairs_or_note(coded: Coded, positions: list[float], weighted: bool, notes: list[str],
                   ci: float | None = None, seed: int = 0, replicates: int = REPLICATES) -> list[dict]:
    try:
        return _kappa_pairs(coded, positions, weighted, ci, seed, replicates, notes)
    except kernels.NotComputed as exc:
        notes.append(f"{coded.spec.name}: Cohen's kappa per annotator pair not computed: {exc}")
        return []


def _measured_alphas(coded: Coded) -> dict[str, Any]:
    """Alpha levels of Rating/Number values through the linear-memory kernels: name -> statistic(weights).
    Ratio alpha needs a natural zero: with a negative value it is None (and says so)."""
    unit, x = coded.unit, coded.x

    def ratio(w=None):
        if len(x) and x.min() < 0:
            raise kernels.NotComputed("ratio alpha needs values >= 0 (a natural zero), and some are negative")
        return kernels.ratio_alpha(unit, x, w)

    return {"alpha_ordinal": lambda w=None: kernels.ordinal_alpha(unit, x, w),
            "alpha_interval": lambda w=None: kernels.interval_alpha(unit, x, w),
            "alpha_ratio": ratio}


def _set_alphas(coded: Coded) -> dict[str, Any]:
    """MASI and Jaccard alpha of label sets through the linear-memory kernel: name -> statistic(weights)."""
    def statistic(kind: str):
        distance = kernels.set_distance(coded.masks, kind)
        return lambda w=None: kernels.distance_alpha(coded.unit, coded.code, distance, w, len(coded.categories))

    return {"alpha_masi": statistic("masi"), "alpha_jaccard": statistic("jaccard")}


def _loop_cost(coded: Coded, name: str) -> int:
    """Work of one recomputation (to check the per-replicate bootstrap against LOOP_BUDGET)."""
    if name in ("alpha_ordinal", "alpha_interval"):
        return len(coded.unit)
    distinct = len(np.unique(coded.x)) if coded.x is not None else len(coded.categories)
    return len(coded.unit) + distinct * distinct


def score_control(spec: ControlSpec, coded: Coded, scored: Scored, box_threshold: float, ci: float | None = None,
                  seed: int = 0, replicates: int = REPLICATES, use_semantic: bool = True) -> dict:
    """Overall, per-label, per-pair and per-task figures of one control (and notes on what was not computed)."""
    m = coded.ratings_per_unit()
    values_scored = int(m[scored.scored].sum())
    task_scores = scored.task_scores()
    out: dict[str, Any] = {
        "name": spec.name, "tag": spec.tag, "kind": spec.kind,
        "tasks_scored": int(scored.scored.sum()), "ratings": values_scored,
        "mean_task_score": float(np.mean(list(task_scores.values()))) if task_scores else None,
        "measures": {}, "labels": {}, "pairs": [],
    }
    measures, notes = out["measures"], []
    statistics: dict[str, Any] = {}  # measure -> statistic(unit weights), for the per-replicate bootstrap
    coefficients: dict[str, cc.Coefficient] = {}  # measures on a category scale, for the vectorised bootstrap
    kind = spec.kind
    dense = kind in ("single", "rating") and coded.n_units * len(coded.categories) <= DENSE_CELLS
    counts = coded.counts() if dense else None
    if kind == "single":
        measures["percent_agreement"] = percent_agreement_of_codes(coded.unit, coded.code)
        measures["alpha_nominal"] = kernels.nominal_alpha_of_codes(coded.unit, coded.code)
        if dense:
            coefficients["alpha_nominal"] = cc.alpha_coefficient(1 - np.eye(len(coded.categories)))
            coefficients.update(_scale_coefficients(list(range(len(coded.categories))), weighted=False))
            measures.update(cc.evaluate(counts, {k: v for k, v in coefficients.items() if k != "alpha_nominal"}))
            out["pairs"] = _pairs_or_note(coded, [], False, notes, ci, seed, replicates)
        else:
            notes.append(_too_many(spec.name, coded))
            statistics = {"alpha_nominal": lambda w=None: kernels.nominal_alpha_of_codes(coded.unit, coded.code, w)}
        wanted = [k for k, label in enumerate(coded.categories) if not spec.labels or label in spec.labels]
        out["labels"] = _label_alphas(coded, coded.code, len(coded.categories),
                                      [coded.categories[k] for k in wanted], wanted)
    elif kind == "multi":  # as many columns as distinct label sets: no dense counts matrix
        measures["percent_agreement"] = percent_agreement_of_codes(coded.unit, coded.code)
        statistics = _set_alphas(coded)
        _run(statistics, measures, notes, spec.name)
        bits = [coded.labels.index(label) for label in spec.labels]
        masks = coded.masks[coded.code]
        present = np.stack([(masks[:, b // 64] >> np.uint64(b % 64)) & np.uint64(1) for b in bits], axis=1) \
            if bits else np.zeros((len(coded.unit), 0), np.uint64)
        rating, which = np.nonzero(present)
        out["labels"] = _label_alphas(coded, (rating, which), len(bits), list(spec.labels), list(range(len(bits))))
        per_label = [v["alpha"] for v in out["labels"].values() if v["alpha"] is not None]
        measures["alpha_binary_mean"] = float(np.mean(per_label)) if per_label else None
    elif kind == "rating" and not dense:
        statistics = _measured_alphas(coded)
        _run(statistics, measures, notes, spec.name)
        notes.append(_too_many(spec.name, coded))
    elif kind == "rating":
        statistics = _measured_alphas(coded)
        _run(statistics, measures, notes, spec.name)
        positions = [float(c) for c in coded.categories]
        coefficients = {"alpha_ordinal": cc.alpha_coefficient(cc.ordinal_distance),
                        "alpha_interval": cc.alpha_coefficient(cc.interval_distance(positions)),
                        "alpha_ratio": cc.alpha_coefficient(cc.ratio_distance(positions))}
        scale = _scale_coefficients(positions, weighted=True)
        measures["percent_agreement"] = percent_agreement(counts)
        coefficients.update(scale)
        measures.update(cc.evaluate(counts, scale))
        out["pairs"] = _pairs_or_note(coded, positions, True, notes, ci, seed, replicates)
    elif kind == "number":
        statistics = _measured_alphas(coded)
        _run(statistics, measures, notes, spec.name)
    elif kind in ("boxes", "spans"):
        measures["mean_pairwise_f1"] = out["mean_task_score"]
        threshold = box_threshold if kind == "boxes" else 1e-9
        measures["alpha_matched_units"] = matched_units_alpha(coded, scored.scored, threshold)
        if kind == "spans":
            by_task = _by_task(coded, scored.scored)
            exact = [mean_pairwise(list(v.values()), lambda a, b: span_f1(a, b, exact=True)) for v in by_task.values()]
            measures["mean_pairwise_f1_exact"] = float(np.mean(exact)) if exact else None
        out["labels"] = label_f1(coded, scored.scored, scored.pair_i, scored.pair_j, spec.labels, threshold)
    elif kind == "text":
        by_task = _by_task(coded, scored.scored)
        words = [mean_pairwise([v.split() for v in values.values()],
                               lambda a, b: 1.0 - Levenshtein.normalized_distance(a, b))
                 for values in by_task.values()]
        measures["char_similarity"] = out["mean_task_score"]
        measures["word_similarity"] = float(np.mean(words)) if words else None
        measures["semantic_similarity"] = _semantic_similarity(coded, scored, notes, seed) if use_semantic else None
        if not use_semantic:
            notes.append(f"{spec.name}: semantic_similarity not computed (--no-semantic)")
    if ci is not None:
        out["intervals"] = _intervals(coded, measures, coefficients, statistics, ci, seed, replicates, notes)
    out["notes"] = notes
    return out


def _semantic_similarity(coded: Coded, scored: Scored, notes: list[str], seed: int) -> float | None:
    """Mean cosine similarity of the annotators' texts in MiniLM embeddings (`semantic`), or None with a note
    where the model is not installed; on a seeded sample of tasks past `semantic.MAX_TEXTS` texts."""
    if len(scored.pair_i) == 0:
        return None
    try:
        encode = semantic.load_encoder()
    except semantic.NoModel as exc:
        notes.append(f"{coded.spec.name}: semantic_similarity not computed: {exc}")
        return None
    units = semantic.sample_units(scored.scored, coded.ratings_per_unit(), semantic.MAX_TEXTS, seed)
    if units is not scored.scored:
        notes.append(f"{coded.spec.name}: semantic_similarity on a random sample of {int(units.sum()):,} of "
                     f"{int(scored.scored.sum()):,} tasks (seed {seed}): at most {semantic.MAX_TEXTS:,} texts are "
                     "embedded")
    keep = units[coded.unit[scored.pair_i]]
    return semantic.mean_cosine(encode, coded.values, coded.unit, scored.pair_i[keep], scored.pair_j[keep],
                                coded.n_units)


def _run(statistics: dict, measures: dict, notes: list[str], control: str) -> None:
    """Point estimates of the statistics; one that would not fit its budget is None with a note."""
    for name, statistic in statistics.items():
        try:
            measures[name] = statistic()
        except kernels.NotComputed as exc:
            measures[name] = None
            notes.append(f"{control}: {name} not computed: {exc}")


def _intervals(coded: Coded, measures: dict, coefficients: dict, statistics: dict, ci: float, seed: int,
               replicates: int, notes: list[str]) -> dict:
    """Bootstrap intervals of every alpha and kappa of the control that has a value."""
    out: dict[str, dict | None] = {}
    wanted = {k: c for k, c in coefficients.items() if measures.get(k) is not None}
    if wanted:
        out.update(bootstrap_coefficients(coded.counts(), wanted, ci, replicates, seed))
    for name, statistic in statistics.items():
        if name in out or measures.get(name) is None:
            continue
        cost = replicates * _loop_cost(coded, name)
        if cost > LOOP_BUDGET:
            notes.append(f"{coded.spec.name}: no interval for {name}: {replicates} replicates x "
                         f"{cost // replicates:,} operations is over the budget of {LOOP_BUDGET:,}")
            out[name] = None
            continue
        out[name] = bootstrap_statistic(statistic, coded.n_units, ci, replicates, seed)
    return out


def agreement_report(label_config: str, tasks: Iterable[dict], *, min_annotators: int = 2, box_threshold: float = 0.5,
                     names: dict | None = None, ci: float | None = None, seed: int = 0,
                     replicates: int = REPLICATES, read_problems: list[str] | None = None,
                     semantic: bool = True, extractor: Callable[[list[ControlSpec]], Extraction] | None = None) -> dict:
    """The full report (see the module docstring and the README for the schema); `ci` adds bootstrap intervals,
    `semantic=False` leaves out TextArea's semantic similarity (which loads a sentence-embedding model).
    `extractor`, when given, takes the place of `extract(specs, tasks)` (a pull read in two processes:
    `parallel.extract_pull`), and `tasks` is not read.
    `read_problems` is a list the task source fills while `tasks` is read (damaged lines of a pull): it is read
    after the tasks and heads the report's problems."""
    config = read_controls(label_config)
    specs, notes = config.specs, config.notes
    extraction = extractor(specs) if extractor is not None else extract(specs, tasks)
    names = {**extraction.names, **(names or {})}
    coded = [code_ratings(table) for table in extraction.ratings]
    scored = [score_pairs(c, min_annotators, box_threshold) for c in coded]
    controls = []
    for spec, c, s in zip(specs, coded, scored, strict=True):
        control = score_control(spec, c, s, box_threshold, ci, seed, replicates, use_semantic=semantic)
        notes = notes + control.pop("notes")
        control["task_scores"] = s.task_scores()
        control["alpha_without_annotator"] = {str(k): v for k, v in leave_one_out_alpha(c).items()}
        controls.append(control)
    annotators, weeks = annotator_figures(scored, names, extraction.annotation_flags)

    flags_by_task: dict = defaultdict(list)
    low_by_task: dict = defaultdict(int)
    flag_totals: dict = defaultdict(int)
    for item in extraction.annotation_flags:
        flags_by_task[item["task"]] += item["flags"]
        low_by_task[item["task"]] += item["low_confidence"]
        for f in item["flags"]:
            flag_totals[f] += 1
    consensus = {spec.name: consensus_labels(c) for spec, c in zip(specs, coded, strict=True)
                 if spec.kind in CATEGORICAL}
    raters = raters_per_task(coded)
    task_rows = []
    score_maps = [(c["name"], c["task_scores"]) for c in controls]
    consensus_maps = list(consensus.items())
    for task_id in extraction.task_ids:
        per_control = {name: scores.get(task_id) for name, scores in score_maps}
        present = [v for v in per_control.values() if v is not None]
        flagged = flags_by_task.get(task_id)
        task_rows.append({
            "task": task_id,
            "score": sum(present) / len(present) if present else None,
            "annotators": raters.get(task_id, 0),
            "controls": per_control,
            "consensus": {name: c[task_id] for name, c in consensus_maps if task_id in c},
            "flags": sorted(set(flagged)) if flagged else [],
            "low_confidence": low_by_task.get(task_id, 0),
        })
    counts = extraction.counts
    scored_tasks = [row["score"] for row in task_rows if row["score"] is not None]
    return {
        "summary": {
            "tasks": counts["tasks"], "annotations": counts["annotations"],
            "cancelled": counts["cancelled"], "ground_truth": counts["ground_truth"],
            "duplicates": counts["duplicates"], "annotators": len(annotators),
            "tasks_scored": len(scored_tasks),
            "mean_task_score": float(np.mean(scored_tasks)) if scored_tasks else None,
            "flagged": dict(flag_totals),
            "low_confidence": sum(item["low_confidence"] for item in extraction.annotation_flags),
            "min_annotators": min_annotators,
        },
        "controls": [{k: v for k, v in c.items() if k != "task_scores"} for c in controls],
        "tasks": task_rows,
        "annotators": annotators,
        "weeks": weeks,
        "notes": notes,
        "problems": list(read_problems or []) + config.problems + extraction.problems,
    }


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
