"""Per-annotator figures: agreement with the others, gold accuracy, by week (pure).

Group-by sums over every control's integer columns (`coded`): a rating's agreement is its mean
similarity to the other ratings of its task, summed from the within-task pairs.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sdk_scripts.agreement.coded import Coded, Scored
from sdk_scripts.agreement.extract import FlaggedAnnotation
from sdk_scripts.agreement.report import AnnotatorScore, WeekScore


def annotator_figures(scored: list[Scored], names: dict,
                      flags: list[FlaggedAnnotation]) -> tuple[list[AnnotatorScore], list[WeekScore]]:
    """(per-annotator rows, per-annotator-and-week rows), group-by sums over every control's ratings; gold accuracy
    by the similarity each control's kind defines (`gold_similarity`)."""
    annotators = sorted({a for s in scored for a in s.coded.rater_ids}, key=str)
    index = {a: i for i, a in enumerate(annotators)}
    weeks = sorted({w for s in scored for w in s.coded.week_names})
    week_index = {w: i for i, w in enumerate(weeks)}
    n_a, n_w = len(annotators), max(len(weeks), 1)
    agree_sum, agree_n = np.zeros(n_a), np.zeros(n_a)
    week_sum, week_n = np.zeros(n_a * n_w), np.zeros(n_a * n_w)
    gold_sum, gold_n = np.zeros(n_a), np.zeros(n_a)
    done: list[np.ndarray] = []
    task_index: dict = {}
    for s in scored:
        coded = s.coded
        to_global = np.array([index[a] for a in coded.rater_ids], np.int64)[coded.rater] if len(coded.rater) \
            else np.zeros(0, np.int64)
        tasks = np.array([task_index.setdefault(t, len(task_index)) for t in coded.task_ids], np.int64)
        done.append(tasks[coded.unit] * n_a + to_global)
        score = s.rating_agreement()
        ok = np.isfinite(score)
        agree_sum += np.bincount(to_global[ok], score[ok], n_a)
        agree_n += np.bincount(to_global[ok], minlength=n_a)
        week = np.array([week_index[w] for w in coded.week_names], np.int64)[coded.week] if len(coded.week) \
            else np.zeros(0, np.int64)
        key = to_global[ok] * n_w + week[ok]
        week_sum += np.bincount(key, score[ok], n_a * n_w)
        week_n += np.bincount(key, minlength=n_a * n_w)
        rows, similarity = coded.kind.gold_similarity(coded, s.span)
        gold_sum += np.bincount(to_global[rows], similarity, n_a)
        gold_n += np.bincount(to_global[rows], minlength=n_a)
    tasks_done = np.bincount(np.unique(np.concatenate(done)) % n_a, minlength=n_a) if done and n_a else np.zeros(n_a)
    flagged: dict = defaultdict(int)
    low: dict = defaultdict(int)
    for item in flags:
        flagged[item.annotator] += bool(item.flags)
        low[item.annotator] += item.low_confidence
    rows_out = [AnnotatorScore(annotator, names.get(annotator), int(tasks_done[i]),
                               float(agree_sum[i] / agree_n[i]) if agree_n[i] else None, int(gold_n[i]),
                               float(gold_sum[i] / gold_n[i]) if gold_n[i] else None, flagged[annotator],
                               low[annotator])
                for i, annotator in enumerate(annotators)]
    week_rows = [WeekScore(annotators[k // n_w], names.get(annotators[k // n_w]), weeks[k % n_w], int(week_n[k]),
                           float(week_sum[k] / week_n[k]))
                 for k in np.flatnonzero(week_n).tolist()]
    week_rows.sort(key=lambda row: (str(row.annotator), row.week))
    return rows_out, week_rows


def raters_per_task(coded: list[Coded]) -> dict:
    """task id -> how many annotators rated any of its controls."""
    annotators = {a: i for i, a in enumerate({a for c in coded for a in c.rater_ids})}
    tasks: dict = {}
    keys = []
    for c in coded:
        if len(c.unit) == 0:
            continue
        to_global = np.array([annotators[a] for a in c.rater_ids], np.int64)
        task = np.array([tasks.setdefault(t, len(tasks)) for t in c.task_ids], np.int64)
        keys.append(task[c.unit] * len(annotators) + to_global[c.rater])
    if not keys:
        return {}
    per_task = np.bincount(np.unique(np.concatenate(keys)) // len(annotators), minlength=len(tasks)).tolist()
    return dict(zip(tasks, per_task, strict=True))
