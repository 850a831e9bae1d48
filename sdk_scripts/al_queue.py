"""Which tasks Label Studio's "Uncertainty sampling" will serve next, and why (pure; no I/O).

Label Studio 1.23 (projects/functions/next_task.py) serves, among tasks not yet labeled, those with a
prediction whose model_version equals the project's, by ascending prediction score (a user's own
annotated, skipped or locked tasks aside); tasks without such a prediction come only after, at random.
"""

from __future__ import annotations

from dataclasses import dataclass

UNCERTAINTY_SAMPLING = "Uncertainty sampling"


@dataclass(frozen=True)
class QueuedTask:
    task_id: int
    score: float
    predicted: str
    text: str


def _summary(result: list[dict]) -> str:
    labels = []
    for region in result:
        value = region.get("value") or {}
        for key in ("choices", "rectanglelabels", "polygonlabels", "labels"):
            labels.extend(value.get(key) or [])
    return ", ".join(dict.fromkeys(str(x) for x in labels)) or "(nothing proposed)"


def next_tasks(tasks: list[dict], model_version: str, limit: int = 10) -> tuple[list[QueuedTask], int]:
    """The first `limit` tasks in serving order, and how many unlabeled tasks lack a current prediction."""
    queued, missing = [], 0
    for task in tasks:
        if task.get("is_labeled"):
            continue
        current = [p for p in task.get("predictions") or [] if p.get("model_version") == model_version]
        if not current or current[0].get("score") is None:
            missing += 1
            continue
        data = task.get("data") or {}
        text = next((str(v) for v in data.values() if isinstance(v, str)), "")
        queued.append(QueuedTask(int(task["id"]), float(current[0]["score"]), _summary(current[0].get("result") or []),
                                 text))
    queued.sort(key=lambda q: (q.score, q.task_id))
    return queued[:limit], missing
