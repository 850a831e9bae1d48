"""What one `labelops autolabel` run marks, samples and withdraws (pure: tasks and reviews in, a plan out).

A task is auto-labelled when nobody has labelled it (no submitted annotation, no ground truth), it carries no
auto-label in force, and its newest prediction of the model version is a scored classification at or above
the threshold. Every other task is counted under the reason it was passed over. A reset (`--reset-audit`)
closes the open round first: an audited label a reviewer decided is kept (closed), every other is withdrawn.
An auto-labelled task Label Studio put back in the annotators' stream (it recomputes `is_labeled` for every task
when the project's overlap settings change) and nobody labelled since is taken out again (`restore`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from sdk_scripts.autolabel.audit import audit_sample, current_round, is_audit_review, open_marks
from sdk_scripts.autolabel.marks import AutoMark, mark_of
from sdk_scripts.autolabel.predictions import candidate, has_human_labels
from sdk_scripts.review.reviews import Review

ANNOTATED = "labelled by people"
MARKED = "already auto-labelled"
NO_PREDICTION = "no prediction of the model version"
NO_SCORE = "prediction without a score"
NOT_CLASSIFICATION = "prediction is not a classification (Choices)"
BELOW = "below the threshold"


@dataclass(frozen=True)
class Settings:
    """How a run accepts and samples: the model version, threshold and target, the audit fraction and seed."""

    model_version: str
    threshold: float
    target: float
    audit: float
    seed: int
    at: str = ""


@dataclass
class ResetPlan:
    """The open round a reset closes: labels kept closed (their audit was decided) and labels withdrawn."""

    round: int | None
    close: dict[int, AutoMark] = field(default_factory=dict)
    withdraw: dict[int, AutoMark] = field(default_factory=dict)


@dataclass
class AutolabelPlan:
    """The run's new auto-labels (task id -> mark, the audited ones flagged) and why other tasks were passed over."""

    round: int
    marks: dict[int, AutoMark] = field(default_factory=dict)
    passed_over: Counter[str] = field(default_factory=Counter)
    restore: list[int] = field(default_factory=list)  # auto-labelled tasks to take out of the stream again

    @property
    def audited(self) -> list[int]:
        return sorted(i for i, m in self.marks.items() if m.audit)


def plan_reset(tasks: Sequence[dict], reviews: Mapping[int, Review]) -> ResetPlan:
    """Close the open round: decided audits stay (closed), everything else in it is withdrawn."""
    marks = open_marks(tasks)
    plan = ResetPlan(max((m.round for m in marks.values()), default=None))
    for task_id, mark in marks.items():
        review = reviews.get(task_id)
        if mark.audit and is_audit_review(review) and review is not None and review.decision:
            plan.close[task_id] = mark.closing()
        else:
            plan.withdraw[task_id] = mark
    return plan


def _passed_over(task: dict, settings: Settings, marked: Collection[int]) -> tuple[str | None, AutoMark | None]:
    """(why the task is passed over, None) or (None, its new auto-label without the audit decided yet)."""
    if task["id"] in marked:
        return MARKED, None
    if has_human_labels(task):
        return ANNOTATED, None
    found = candidate(task, settings.model_version)
    if found is None:
        return NO_PREDICTION, None
    if found.score is None:
        return NO_SCORE, None
    if not found.is_classification:
        return NOT_CLASSIFICATION, None
    if found.score < settings.threshold:
        return BELOW, None
    return None, AutoMark(settings.model_version, found.prediction, found.score, settings.threshold,
                          settings.target, False, 0, found.result, settings.at)


def plan_autolabel(tasks: Sequence[dict], settings: Settings, *, reset: ResetPlan | None = None) -> AutolabelPlan:
    """The run's new auto-labels and audit sample (after `reset`, when given, has closed the open round).

    A task with an auto-label (in force or closed) is never labelled again, unless the reset withdraws it."""
    marked = {t["id"] for t in tasks if mark_of(t) is not None}
    in_force = open_marks(tasks)
    number = current_round(tasks)
    if reset is not None:
        marked -= set(reset.withdraw)
        in_force = {}
        number = max(number, (reset.round or 0) + 1)
    plan = AutolabelPlan(number)
    new: dict[int, AutoMark] = {}
    for task in sorted(tasks, key=lambda t: t["id"]):
        reason, mark = _passed_over(task, settings, marked)
        if mark is None:
            plan.passed_over[reason or MARKED] += 1
        else:
            new[task["id"]] = mark
    in_round = [m for m in in_force.values() if m.round == number]
    sample = audit_sample(new, in_round=len(in_round), audited=sum(m.audit for m in in_round),
                          fraction=settings.audit, seed=settings.seed)
    for task_id, mark in new.items():
        plan.marks[task_id] = replace(mark, audit=task_id in sample, round=number)
    kept = open_marks(tasks) if reset is None else {}
    plan.restore = sorted(t["id"] for t in tasks if t["id"] in kept and not t.get("is_labeled")
                          and not has_human_labels(t))
    return plan
