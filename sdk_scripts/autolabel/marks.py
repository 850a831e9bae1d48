"""The auto-label marker a task's meta carries (`labelops_auto`), read and written without touching other keys (pure).

    "labelops_auto": {"model_version": "lf-1a2b3c4d", "prediction": 812, "score": 0.97, "threshold": 0.9,
                      "target": 0.95, "audit": false, "round": 1, "closed": false, "at": "2026-...",
                      "result": [{"from_name": "sentiment", "to_name": "text", "type": "choices",
                                  "value": {"choices": ["positive"]}}]}

`result` is the accepted prediction's label regions, copied so the export does not depend on the prediction
staying in Label Studio; `audit` says whether the task is in the audit sample; `round` is the audit round the
label was accepted in (`labelops autolabel --reset-audit` starts the next one); `closed` marks a label kept
from an earlier round because its audit was decided (the review's label is its final then).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

META_KEY = "labelops_auto"


@dataclass(frozen=True)
class AutoMark:
    """One task's auto-label: where it came from, the threshold and target it was accepted under, its audit."""

    model_version: str
    prediction: int | None
    score: float
    threshold: float
    target: float
    audit: bool
    round: int
    result: list[dict] = field(default_factory=list)
    at: str = ""
    closed: bool = False

    def to_json(self) -> dict:
        return asdict(self)

    def closing(self) -> AutoMark:
        return replace(self, closed=True)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def mark_of(task: dict) -> AutoMark | None:
    """The task's auto-label marker, or None (none there, or not one labelops wrote)."""
    meta = task.get("meta") if isinstance(task, dict) else None
    found = meta.get(META_KEY) if isinstance(meta, dict) else None
    if not isinstance(found, dict):
        return None
    score, threshold, target = (_number(found.get(k)) for k in ("score", "threshold", "target"))
    result, model_version, rnd = found.get("result"), found.get("model_version"), found.get("round")
    if score is None or threshold is None or not isinstance(result, list) or not isinstance(model_version, str) \
            or not isinstance(rnd, int) or isinstance(rnd, bool):
        return None
    prediction = found.get("prediction")
    return AutoMark(model_version, prediction if isinstance(prediction, int) else None, score, threshold,
                    target if target is not None else threshold, bool(found.get("audit")), rnd, result,
                    str(found.get("at") or ""), bool(found.get("closed")))


def with_mark(meta: Any, mark: AutoMark) -> dict:
    """A task's meta with the marker set; every other key kept."""
    out = dict(meta) if isinstance(meta, dict) else {}
    out[META_KEY] = mark.to_json()
    return out


def without_mark(meta: Any) -> dict:
    """A task's meta without the marker; every other key kept."""
    out = dict(meta) if isinstance(meta, dict) else {}
    out.pop(META_KEY, None)
    return out
