"""The label model's output as Label Studio predictions, and what to write so a rerun replaces instead of adding (pure).

One prediction per covered task: the most probable class as the control's choice, score = its probability (Label
Studio's Uncertainty sampling serves the lowest scores first), model_version `lf-<hash of the functions>`. A task
whose prediction of that version already says the same (label, score to SCORE_DIGITS) is left alone; any other
prediction of that version on a task is deleted and the new one created; a task no function covers any more loses
its prediction of that version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sdk_scripts.weak.control import Target
from sdk_scripts.weak.gold import choice_of
from sdk_scripts.weak.label_model import LabelModelResult

SCORE_DIGITS = 6


@dataclass
class PredictionPlan:
    """Predictions to create, prediction ids to delete, and counts of tasks left as they were, tasks no function
    covers, and tasks of the matrix no longer in the project."""

    create: list[dict] = field(default_factory=list)
    delete: list[int] = field(default_factory=list)
    unchanged: int = 0
    uncovered: int = 0
    gone: int = 0


def prediction_result(target: Target, label: str) -> list[dict]:
    return [{"from_name": target.name, "to_name": target.to_name, "type": "choices", "value": {"choices": [label]}}]


def _same(existing: list[dict], control: str, label: str, score: float) -> bool:
    if len(existing) != 1:
        return False
    stored = existing[0].get("score")
    return (choice_of(existing[0].get("result") or [], control) == label and isinstance(stored, int | float)
            and round(float(stored), SCORE_DIGITS) == score)


def plan_predictions(model: LabelModelResult, target: Target, model_version: str,
                     existing: Mapping[int, list[dict]]) -> PredictionPlan:
    """What to write (see the module docstring). `existing`: every task of the project (task id -> its predictions
    of `model_version`, [] for none)."""
    plan = PredictionPlan()
    for i, task_id in enumerate(int(t) for t in model.task_ids):
        if task_id not in existing:
            plan.gone += 1
            continue
        label, probability = model.predicted(i)
        stored = existing[task_id]
        if label is None:
            plan.uncovered += 1
            plan.delete += [p["id"] for p in stored]
            continue
        score = round(probability, SCORE_DIGITS)
        if _same(stored, target.name, label, score):
            plan.unchanged += 1
            continue
        plan.delete += [p["id"] for p in stored]
        plan.create.append({"task": task_id, "result": prediction_result(target, label), "score": score,
                            "model_version": model_version})
    return plan
