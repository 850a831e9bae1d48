"""The agreement report: every control scored with the measure that fits it (pure).

`agreement_report(label_config, tasks)` returns a JSON-ready dict (schema in the README):
overall and per-label figures per control, a score per task, per-annotator agreement with the
others (leave-one-out), accuracy against ground truth, the same per annotator and week, consensus
labels, and the annotations annotators flagged. `per_task_scores` is the part the review loop uses.

Per-task score of a control = mean over annotator pairs of a similarity in [0, 1]:
single choice: equal or not; multiple choice: Jaccard similarity of the sets; Rating/Number:
1 - |a - b| / scale range; boxes and spans: F1 of matched regions (see `geometry`); TextArea:
1 - normalised character edit distance. A task's score is the mean over its scored controls.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from sdk_scripts.agreement.consensus import consensus_labels
from sdk_scripts.agreement.controls import ControlSpec, scorable_controls
from sdk_scripts.agreement.extract import Ratings, extract, group_by_task
from sdk_scripts.agreement.geometry import box_f1, iou_matrix, match, span_f1, span_overlap_matrix
from sdk_scripts.agreement.measures import (
    cohen_kappa,
    counts_matrix,
    fleiss_kappa,
    jaccard_similarity,
    krippendorff_alpha,
    masi_distance,
    mean_pairwise,
    percent_agreement,
)

MISSING = "<none>"


def similarity_for(spec: ControlSpec, values: list[Any], box_threshold: float = 0.5) -> Callable[[Any, Any], float]:
    """The pairwise similarity in [0, 1] used for per-task, per-annotator and gold figures."""
    kind = spec.kind
    if kind == "single":
        return lambda a, b: float(a == b)
    if kind == "multi":
        return jaccard_similarity
    if kind in ("rating", "number"):
        if kind == "rating" and spec.max_rating:
            span = max(spec.max_rating - 1, 1)
        else:
            span = (max(values) - min(values)) if values else 0
        return (lambda a, b: 1.0 - abs(a - b) / span) if span else (lambda a, b: float(a == b))
    if kind == "boxes":
        return lambda a, b: box_f1(a, b, box_threshold)
    if kind == "spans":
        return span_f1
    if kind == "text":
        return lambda a, b: 1.0 - Levenshtein.normalized_distance(a, b)
    raise ValueError(kind)


def _rated_tasks(table: Ratings, min_annotators: int) -> dict[int, dict[int, Any]]:
    """task -> {annotator: value}, for tasks with at least `min_annotators` ratings."""
    return {task: values for task, values in group_by_task(table).items() if len(values) >= min_annotators}


def task_scores_of(by_task: dict[int, dict[int, Any]], similarity: Callable[[Any, Any], float]) -> dict[int, float]:
    """Mean pairwise similarity per task. Tasks where every annotator left the control empty (no
    choice ticked, no region drawn) carry no information about it and get no score for it."""
    scores = {}
    for task, values in by_task.items():
        answers = list(values.values())
        if all(isinstance(v, frozenset | tuple) and not v for v in answers):
            continue
        score = mean_pairwise(answers, similarity)
        if score is not None:
            scores[task] = score
    return scores


def _nominal_counts(by_task: dict[int, dict[int, Any]], key: Callable[[Any], Any] = lambda v: v):
    keys = sorted({key(v) for values in by_task.values() for v in values.values()}, key=str)
    index = {k: i for i, k in enumerate(keys)}
    units, values = [], []
    for u, by_annotator in enumerate(by_task.values()):
        for v in by_annotator.values():
            units.append(u)
            values.append(index[key(v)])
    return counts_matrix(np.array(units), np.array(values), len(by_task), len(keys)), keys


def _region_units(by_task: dict[int, dict[int, Any]], kind: str, threshold: float):
    """Regions matched across annotators into units (label-blind, by optimal assignment per annotator).

    Each unit gets, from every annotator of the task, the label of their region in it or MISSING;
    alpha over these units measures agreement on what is there and what it is.
    """
    units: list[dict[int, str]] = []
    for by_annotator in by_task.values():
        clusters: list[tuple[tuple, dict[int, str]]] = []
        for annotator, regions in by_annotator.items():
            regions = list(regions)
            if clusters and regions:
                ref = np.array([c[0][1:] for c in clusters], float)
                mine = np.array([r[1:] for r in regions], float)
                overlap = iou_matrix(mine, ref) if kind == "boxes" else span_overlap_matrix(mine, ref)
                pairs = match(overlap, ["x"] * len(regions), ["x"] * len(clusters), threshold)
            else:
                pairs = []
            matched = set()
            for i, j in pairs:
                clusters[j][1][annotator] = regions[i][0]
                matched.add(i)
            for i, region in enumerate(regions):
                if i not in matched:
                    clusters.append((region, {annotator: region[0]}))
        for _, labels in clusters:
            units.append({a: labels.get(a, MISSING) for a in by_annotator})
    return units


def _alpha_of_units(units: list[dict[int, str]]) -> float | None:
    if not units:
        return None
    by_task = {i: u for i, u in enumerate(units)}
    counts, _ = _nominal_counts(by_task)
    return krippendorff_alpha(counts, "nominal")


def score_control(spec: ControlSpec, table: Ratings, min_annotators: int, box_threshold: float) -> dict:
    """Overall, per-label, per-pair and per-task figures of one control."""
    by_task = _rated_tasks(table, min_annotators)
    all_values = [v for values in by_task.values() for v in values.values()]
    similarity = similarity_for(spec, all_values, box_threshold)
    task_scores = task_scores_of(by_task, similarity)
    out: dict[str, Any] = {
        "name": spec.name, "tag": spec.tag, "kind": spec.kind,
        "tasks_scored": len(by_task), "ratings": len(all_values),
        "mean_task_score": float(np.mean(list(task_scores.values()))) if task_scores else None,
        "measures": {}, "labels": {}, "pairs": [],
    }
    measures = out["measures"]
    if spec.kind in ("single", "multi"):
        counts, keys = _nominal_counts(by_task)
        measures["percent_agreement"] = percent_agreement(counts)
    if spec.kind == "single":
        measures["alpha_nominal"] = krippendorff_alpha(counts, "nominal")
        measures["fleiss_kappa"] = fleiss_kappa(counts)
        for label in spec.labels or keys:
            binary, _ = _nominal_counts(by_task, key=lambda v, label=label: v == label)
            out["labels"][label] = {"count": sum(v == label for v in all_values),
                                    "alpha": krippendorff_alpha(binary, "nominal")}
        annotators = sorted({a for values in by_task.values() for a in values}, key=str)
        for a, b in combinations(annotators, 2):
            shared = [t for t, values in by_task.items() if a in values and b in values]
            if shared:
                kappa = cohen_kappa([by_task[t][a] for t in shared], [by_task[t][b] for t in shared])
                out["pairs"].append({"a": a, "b": b, "tasks": len(shared), "cohen_kappa": kappa})
    elif spec.kind == "multi":
        distances = np.array([[masi_distance(x, y) for y in keys] for x in keys]) if keys else np.zeros((0, 0))
        measures["alpha_masi"] = krippendorff_alpha(counts, distances) if keys else None
        jaccard = np.array([[1 - jaccard_similarity(x, y) for y in keys] for x in keys]) if keys else None
        measures["alpha_jaccard"] = krippendorff_alpha(counts, jaccard) if keys else None
        per_label = []
        for label in spec.labels:
            binary, _ = _nominal_counts(by_task, key=lambda v, label=label: label in v)
            alpha = krippendorff_alpha(binary, "nominal")
            out["labels"][label] = {"count": sum(label in v for v in all_values), "alpha": alpha}
            if alpha is not None:
                per_label.append(alpha)
        measures["alpha_binary_mean"] = float(np.mean(per_label)) if per_label else None
    elif spec.kind in ("rating", "number"):
        domain = sorted({float(v) for v in all_values})
        index = {v: i for i, v in enumerate(domain)}
        units, vals = [], []
        for u, values in enumerate(by_task.values()):
            for v in values.values():
                units.append(u)
                vals.append(index[float(v)])
        counts = counts_matrix(np.array(units), np.array(vals), len(by_task), len(domain))
        measures["alpha_ordinal"] = krippendorff_alpha(counts, "ordinal", domain)
        measures["alpha_interval"] = krippendorff_alpha(counts, "interval", domain)
    elif spec.kind in ("boxes", "spans"):
        measures["mean_pairwise_f1"] = out["mean_task_score"]
        threshold = box_threshold if spec.kind == "boxes" else 1e-9
        measures["alpha_matched_units"] = _alpha_of_units(_region_units(by_task, spec.kind, threshold))
        if spec.kind == "spans":
            exact = [mean_pairwise(list(v.values()), lambda a, b: span_f1(a, b, exact=True)) for v in by_task.values()]
            measures["mean_pairwise_f1_exact"] = float(np.mean(exact)) if exact else None
        for label in spec.labels:
            def only(regions, label=label):
                return tuple(r for r in regions if r[0] == label)

            scores = [mean_pairwise([only(v) for v in values.values()], similarity) for values in by_task.values()
                      if any(only(v) for v in values.values())]
            out["labels"][label] = {"count": sum(len(only(v)) for v in all_values),
                                    "f1": float(np.mean(scores)) if scores else None}
    elif spec.kind == "text":
        words = [mean_pairwise([v.split() for v in values.values()],
                               lambda a, b: 1.0 - Levenshtein.normalized_distance(a, b))
                 for values in by_task.values()]
        measures["char_similarity"] = out["mean_task_score"]
        measures["word_similarity"] = float(np.mean(words)) if words else None
    out["task_scores"] = task_scores
    out["_by_task"] = by_task
    out["_similarity"] = similarity
    return out


def _annotator_figures(controls: list[dict], tables: list[Ratings], names: dict,
                       flags: list[dict]) -> tuple[list[dict], list[dict]]:
    """(per-annotator rows, per-annotator-and-week rows)."""
    agreement: dict[Any, list[float]] = defaultdict(list)
    tasks_done: dict[Any, set] = defaultdict(set)
    gold_scores: dict[Any, list[float]] = defaultdict(list)
    weekly: dict[tuple[Any, str], list[float]] = defaultdict(list)
    for control, table in zip(controls, tables, strict=True):
        similarity, by_task = control["_similarity"], control["_by_task"]
        week_of = {(t, a): w for t, a, w in zip(table.task, table.annotator, table.week, strict=True)}
        for task, values in group_by_task(table).items():
            for annotator, value in values.items():
                tasks_done[annotator].add(task)
                if task in table.gold:
                    gold_scores[annotator].append(similarity(value, table.gold[task]))
            if task not in by_task:
                continue
            for annotator, value in values.items():
                others = [similarity(value, v) for a, v in values.items() if a != annotator]
                if others:
                    score = float(np.mean(others))
                    agreement[annotator].append(score)
                    weekly[(annotator, week_of[(task, annotator)])].append(score)
    flagged = defaultdict(int)
    low = defaultdict(int)
    for item in flags:
        flagged[item["annotator"]] += bool(item["flags"])
        low[item["annotator"]] += item["low_confidence"]
    rows = []
    for annotator in sorted(tasks_done, key=str):
        rows.append({
            "annotator": annotator, "name": names.get(annotator), "tasks": len(tasks_done[annotator]),
            "agreement": float(np.mean(agreement[annotator])) if agreement[annotator] else None,
            "gold_tasks": len(gold_scores[annotator]),
            "gold_accuracy": float(np.mean(gold_scores[annotator])) if gold_scores[annotator] else None,
            "flagged": flagged[annotator], "low_confidence": low[annotator],
        })
    weeks = [{"annotator": a, "name": names.get(a), "week": w, "ratings": len(s), "agreement": float(np.mean(s))}
             for (a, w), s in sorted(weekly.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))]
    return rows, weeks


def _leave_one_out(control: dict, spec: ControlSpec) -> dict:
    """Alpha of the control without each annotator (nominal kinds): who lowers agreement."""
    if spec.kind not in ("single", "multi"):
        return {}
    by_task = control["_by_task"]
    annotators = sorted({a for values in by_task.values() for a in values}, key=str)
    result = {}
    for annotator in annotators:
        rest = {t: {a: v for a, v in values.items() if a != annotator} for t, values in by_task.items()}
        rest = {t: v for t, v in rest.items() if len(v) >= 2}
        if not rest:
            result[annotator] = None
            continue
        counts, keys = _nominal_counts(rest)
        if spec.kind == "single":
            result[annotator] = krippendorff_alpha(counts, "nominal")
        else:
            distances = np.array([[masi_distance(x, y) for y in keys] for x in keys])
            result[annotator] = krippendorff_alpha(counts, distances)
    return result


def agreement_report(label_config: str, tasks: list[dict], *, min_annotators: int = 2, box_threshold: float = 0.5,
                     names: dict | None = None) -> dict:
    """The full report (see the module docstring and the README for the schema)."""
    specs, notes = scorable_controls(label_config)
    extraction = extract(specs, tasks)
    names = {**extraction.names, **(names or {})}
    controls = [score_control(spec, table, min_annotators, box_threshold)
                for spec, table in zip(specs, extraction.ratings, strict=True)]
    annotators, weeks = _annotator_figures(controls, extraction.ratings, names, extraction.annotation_flags)
    for control, spec in zip(controls, specs, strict=True):
        control["alpha_without_annotator"] = {str(k): v for k, v in _leave_one_out(control, spec).items()}

    flags_by_task: dict[int, list[str]] = defaultdict(list)
    low_by_task: dict[int, int] = defaultdict(int)
    for item in extraction.annotation_flags:
        flags_by_task[item["task"]] += item["flags"]
        low_by_task[item["task"]] += item["low_confidence"]
    consensus = {spec.name: consensus_labels(spec, group_by_task(table)) for spec, table in
                 zip(specs, extraction.ratings, strict=True) if spec.kind in ("single", "multi", "rating", "number")}
    raters: dict[int, set] = defaultdict(set)
    for table in extraction.ratings:
        for task_id, annotator in zip(table.task, table.annotator, strict=True):
            raters[task_id].add(annotator)
    task_rows = []
    for task in extraction.tasks:
        per_control = {c["name"]: c["task_scores"].get(task["id"]) for c in controls}
        scored = [s for s in per_control.values() if s is not None]
        task_rows.append({
            "task": task["id"],
            "score": float(np.mean(scored)) if scored else None,
            "annotators": len(raters.get(task["id"], ())),
            "controls": per_control,
            "consensus": {name: c.get(task["id"]) for name, c in consensus.items() if c.get(task["id"])},
            "flags": sorted(set(flags_by_task.get(task["id"], []))),
            "low_confidence": low_by_task.get(task["id"], 0),
        })
    counts = extraction.counts
    flag_totals = defaultdict(int)
    for item in extraction.annotation_flags:
        for f in item["flags"]:
            flag_totals[f] += 1
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
        "controls": [{k: v for k, v in c.items() if not k.startswith("_") and k != "task_scores"} for c in controls],
        "tasks": task_rows,
        "annotators": annotators,
        "weeks": weeks,
        "notes": notes,
        "problems": extraction.problems,
    }


def per_task_scores(label_config: str, tasks: list[dict], min_annotators: int = 2) -> dict[int, float | None]:
    """task id -> agreement score in [0, 1] (None when fewer than `min_annotators` rated it)."""
    specs, _ = scorable_controls(label_config)
    extraction = extract(specs, tasks)
    scores: dict[int, list[float]] = defaultdict(list)
    for spec, table in zip(specs, extraction.ratings, strict=True):
        by_task = _rated_tasks(table, min_annotators)
        similarity = similarity_for(spec, [v for values in by_task.values() for v in values.values()])
        for task, score in task_scores_of(by_task, similarity).items():
            scores[task].append(score)
    return {t["id"]: (float(np.mean(scores[t["id"]])) if scores.get(t["id"]) else None) for t in extraction.tasks}



def pairwise_matrix(label_config: str, tasks: list[dict], min_annotators: int = 2) -> dict:
    """Annotator x annotator agreement: mean similarity over the tasks both rated, all controls.

    {"annotators": [ids], "names": {id: name}, "matrix": [[float | None]], "tasks": [[int]]}; the
    diagonal is 1.0 for annotators with at least one shared task.
    """
    specs, _ = scorable_controls(label_config)
    extraction = extract(specs, tasks)
    sums: dict[tuple, float] = defaultdict(float)
    counts: dict[tuple, int] = defaultdict(int)
    for spec, table in zip(specs, extraction.ratings, strict=True):
        by_task = _rated_tasks(table, min_annotators)
        similarity = similarity_for(spec, [v for values in by_task.values() for v in values.values()])
        for values in by_task.values():
            if all(isinstance(v, frozenset | tuple) and not v for v in values.values()):
                continue
            for (a, va), (b, vb) in combinations(sorted(values.items(), key=lambda kv: str(kv[0])), 2):
                score = similarity(va, vb)
                for key in ((a, b), (b, a)):
                    sums[key] += score
                    counts[key] += 1
    annotators = sorted({a for a, _ in counts}, key=str)
    matrix = [[(1.0 if a == b else (sums[(a, b)] / counts[(a, b)] if counts[(a, b)] else None)) for b in annotators]
              for a in annotators]
    shared = [[counts[(a, b)] for b in annotators] for a in annotators]
    return {"annotators": annotators, "names": {a: extraction.names.get(a) for a in annotators},
            "matrix": matrix, "tasks": shared}
