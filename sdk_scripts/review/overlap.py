"""Adaptive overlap: one more annotator at a time for a task under the agreement threshold, up to a maximum (pure).

Label Studio 1.23 (open source) serves a task in the labeling stream while `is_labeled` is false, to users who
have not annotated it (`projects/functions/next_task.py`: `get_not_solved_tasks_qs`), and recomputes
`is_labeled` as "distinct annotators >= the task's `overlap`" whenever an annotation is saved
(`tasks/mixins.py`: `_get_is_labeled_value`). A task's `overlap` and `is_labeled` are plain fields of
`PATCH /api/tasks/ID`, which recomputes nothing; so raising a task means writing `overlap + 1` and
`is_labeled: false` together. The next annotator's submission makes Label Studio mark it labeled again.

A task is raised when every annotator it waits for has answered, its agreement is below the threshold,
nobody flagged it, nobody decided it (no ground truth, no submitted review) and it has fewer annotators
than the maximum. The raise is recorded in the task's meta (`labelops_overlap`: the overlap before the
first raise and the one labelops set), so a rerun sees the task waiting and raises nothing twice, and the
report can say what the extra annotations cost and what they saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.annotations import flags
from sdk_scripts.review.annotations import interpretations

META_FIELD = "labelops_overlap"  # {"base": overlap before labelops raised it, "raised_to": the overlap labelops set}

RAISE = "raise"  # one more annotator requested now
WAITING = "waiting"  # an extra annotator labelops requested has not answered yet
INCOMPLETE = "incomplete"  # below the threshold, but the annotators it was made for have not all answered
AT_MAX = "at max"  # still below the threshold with the maximum number of annotators: goes to review
RESOLVED = "resolved"  # reached the threshold after extra annotators: a review saved


@dataclass(frozen=True)
class OverlapDecision:
    task_id: int
    action: str
    annotators: int
    overlap: int
    agreement: float | None
    new_overlap: int | None = None


@dataclass
class OverlapSummary:
    """What adaptive overlap did in one push and cost so far (`extra_*` count annotations over the tasks' base)."""

    max_annotators: int | None
    raised: list[int] = field(default_factory=list)  # raised by this push
    waiting: list[int] = field(default_factory=list)  # wait for an extra annotator labelops requested
    reviews_saved: list[int] = field(default_factory=list)  # agreed after extra annotators: no review needed
    reviewed_anyway: list[int] = field(default_factory=list)  # extra annotators, still below at the maximum
    extra_requested: int = 0  # extra annotations labelops asked for, this push included
    extra_received: int = 0  # of which annotators have given

    def as_json(self) -> dict:
        return {"max_annotators": self.max_annotators, "raised_now": self.raised, "waiting": self.waiting,
                "extra_annotations_requested_now": len(self.raised),
                "extra_annotations_requested": self.extra_requested,
                "extra_annotations_received": self.extra_received,
                "reviews_saved": len(self.reviews_saved), "reviews_saved_tasks": self.reviews_saved,
                "reviewed_after_extra_annotations": self.reviewed_anyway}


@dataclass
class OverlapPlan:
    """Every task adaptive overlap has something to say about, in task-id order."""

    max_annotators: int | None
    decisions: list[OverlapDecision] = field(default_factory=list)

    def ids(self, *actions: str) -> list[int]:
        return [d.task_id for d in self.decisions if d.action in actions]

    @property
    def held(self) -> set[int]:
        """Tasks not sent to review for low agreement now: they wait for (more) annotators."""
        return set(self.ids(RAISE, WAITING, INCOMPLETE))

    @property
    def to_raise(self) -> list[OverlapDecision]:
        return [d for d in self.decisions if d.action == RAISE]


def distinct_annotators(task: dict) -> int:
    """Distinct annotators of the task's submitted, non-ground-truth annotations."""
    return len({a.get("completed_by") for a in interpretations(task)})


def task_overlap(task: dict) -> int:
    overlap = task.get("overlap")
    return overlap if isinstance(overlap, int) and not isinstance(overlap, bool) and overlap > 0 else 1


def raised_record(task: dict) -> dict | None:
    """What labelops recorded when it raised the task's overlap ({"base", "raised_to"}), or None."""
    meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
    record = meta.get(META_FIELD)
    return record if isinstance(record, dict) and isinstance(record.get("base"), int) else None


def check_max_annotators(max_annotators: int, project: Mapping, tasks: Iterable[dict]) -> None:
    """A maximum below the project's overlap or below the overlap a task already has is one error."""
    if isinstance(max_annotators, bool) or not isinstance(max_annotators, int) or max_annotators < 1:
        raise LabelopsError(f"--max-annotators must be a whole number of at least 1, got {max_annotators!r}")
    base = project.get("maximum_annotations") or 1
    if max_annotators < base:
        raise LabelopsError(f"--max-annotators {max_annotators} is below the current overlap: project "
                            f"{project.get('id')} asks {base} annotators per task")
    above = sorted(t["id"] for t in tasks if task_overlap(t) > max_annotators)
    if above:
        shown = ", ".join(map(str, above[:5])) + (f" and {len(above) - 5} more" if len(above) > 5 else "")
        raise LabelopsError(f"--max-annotators {max_annotators} is below the current overlap of task(s) {shown} "
                            "(raised by an earlier push); give at least their overlap")


def _decide(task: dict, score: float | None, threshold: float, max_annotators: int | None) -> OverlapDecision | None:
    annotators, overlap = distinct_annotators(task), task_overlap(task)
    record = raised_record(task)
    below = score is not None and score < threshold
    flagged = any(flags(a) for a in interpretations(task))

    def decision(action: str, new: int | None = None) -> OverlapDecision:
        return OverlapDecision(task["id"], action, annotators, overlap, score, new)

    if annotators < overlap:
        if record is not None and overlap > record["base"]:
            return decision(WAITING)
        return decision(INCOMPLETE) if max_annotators is not None and below else None
    if below and not flagged:
        if max_annotators is not None and annotators < max_annotators:
            return decision(RAISE, annotators + 1)
        return decision(AT_MAX) if record is not None or max_annotators is not None else None
    if record is not None and score is not None and not below and not flagged:
        return decision(RESOLVED)
    return None


def plan_overlap(tasks: Iterable[dict], scores: Mapping[int, float | None], *, threshold: float,
                 max_annotators: int | None, decided: set[int] = frozenset()) -> OverlapPlan:
    """What adaptive overlap does with each task; `decided` tasks (a review or ground truth) are left alone.

    Without `max_annotators` nothing is raised, but tasks waiting for an extra annotator an earlier push
    requested stay out of review until that annotator answers.
    """
    plan = OverlapPlan(max_annotators)
    for task in sorted(tasks, key=lambda t: t["id"]):
        if task["id"] in decided:
            continue
        made = _decide(task, scores.get(task["id"]), threshold, max_annotators)
        if made is not None:
            plan.decisions.append(made)
    return plan


def raise_fields(task: dict, new_overlap: int) -> dict:
    """The PATCH /api/tasks/ID fields that ask Label Studio for one more annotator (meta merged, not replaced)."""
    meta = dict(task.get("meta") if isinstance(task.get("meta"), dict) else {})
    record = raised_record(task)
    meta[META_FIELD] = {"base": record["base"] if record else task_overlap(task), "raised_to": new_overlap}
    return {"overlap": new_overlap, "is_labeled": False, "meta": meta}


def summarize(plan: OverlapPlan, tasks: Iterable[dict]) -> OverlapSummary:
    """The push's report: raised now, waiting, reviews saved, and the extra annotations asked for and given."""
    summary = OverlapSummary(plan.max_annotators, raised=plan.ids(RAISE), waiting=plan.ids(WAITING),
                             reviews_saved=plan.ids(RESOLVED))
    by_id = {d.task_id: d for d in plan.decisions}
    for task in tasks:
        record = raised_record(task)
        decision = by_id.get(task["id"])
        if record is None and (decision is None or decision.action != RAISE):
            continue
        base = record["base"] if record else task_overlap(task)
        overlap = decision.new_overlap if decision is not None and decision.new_overlap else task_overlap(task)
        summary.extra_requested += max(0, overlap - base)
        summary.extra_received += max(0, min(distinct_annotators(task), overlap) - base)
        if decision is not None and decision.action == AT_MAX:
            summary.reviewed_anyway.append(task["id"])
    return summary
