"""Which tasks are gold, their answer, and the gold policy they carry (pure readers of Label Studio task JSON).

A gold task is a task of the project that `labelops gold import` marked (its `meta` holds `labelops_gold`) and
that has a submitted ground-truth annotation: its answer is the newest one (a reviewer's later ground truth
replaces it, as Label Studio keeps one per task). Ground truth on unmarked tasks (review adjudications) is not
gold: annotators are evaluated on the gold set only. The marker also carries the policy (`GoldPolicy`): the
minimum gold accuracy and how many gold tasks an annotator needs before it applies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sdk_scripts.labelstudio.annotations import count_annotations, newness

META_KEY = "labelops_gold"


@dataclass(frozen=True)
class GoldPolicy:
    """Who is flagged: an annotator with at least `min_tasks` gold tasks whose accuracy is below `min_score`
    (None: nobody is)."""

    min_score: float | None = None
    min_tasks: int = 1

    def reason(self, accuracy: float | None, tasks: int) -> str | None:
        """Why an annotator with this gold accuracy on this many gold tasks is flagged, or None."""
        if self.min_score is None or accuracy is None or tasks < self.min_tasks or accuracy >= self.min_score:
            return None
        return f"gold accuracy {accuracy:.2f} < {self.min_score:.2f} on {tasks} gold task{'s' * (tasks != 1)}"

    def to_json(self) -> dict:
        return {"min_score": self.min_score, "min_tasks": self.min_tasks}


def marker(task: dict) -> dict | None:
    """The task's gold marker (`meta.labelops_gold`), or None."""
    meta = task.get("meta") if isinstance(task, dict) else None
    found = meta.get(META_KEY) if isinstance(meta, dict) else None
    return found if isinstance(found, dict) else None


def gold_annotation(task: dict) -> dict | None:
    """The task's newest submitted ground-truth annotation, or None."""
    annotations = task.get("annotations") if isinstance(task, dict) else None
    truths = count_annotations(annotations if isinstance(annotations, list) else []).ground_truth
    return max(truths, key=newness) if truths else None


def is_gold_task(task: dict) -> bool:
    return marker(task) is not None and gold_annotation(task) is not None


def gold_tasks(tasks: Iterable[dict]) -> list[dict]:
    return [t for t in tasks if isinstance(t, dict) and is_gold_task(t)]


def _policy(found: dict) -> GoldPolicy:
    score = found.get("min_score")
    tasks = found.get("min_tasks")
    return GoldPolicy(float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None,
                      tasks if isinstance(tasks, int) and not isinstance(tasks, bool) and tasks >= 1 else 1)


def policy_of(tasks: Iterable[dict]) -> GoldPolicy:
    """The gold set's policy: the one most of its markers carry (an import stopped half-way may leave two); the
    default (nobody flagged) without gold tasks."""
    counted: Counter[GoldPolicy] = Counter(_policy(found) for t in tasks if (found := marker(t)) is not None)
    return counted.most_common(1)[0][0] if counted else GoldPolicy()


def with_marker(meta: Any, policy: GoldPolicy, since: str) -> dict:
    """A task's meta with the gold marker set (its other keys kept; `since`: when the task became gold, kept from
    an earlier marker)."""
    meta = dict(meta) if isinstance(meta, dict) else {}
    previous = meta.get(META_KEY) if isinstance(meta.get(META_KEY), dict) else {}
    meta[META_KEY] = {"since": previous.get("since") or since, **policy.to_json()}
    return meta
