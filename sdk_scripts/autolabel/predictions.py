"""A task's stored prediction of one model version as an auto-label candidate, and label comparison (pure).

Auto-labels are classification labels: a prediction qualifies when its label regions (quality fields left
out) are all Choices. Two results carry the same label when, on every control of the auto-label, they pick
the same set of choices.
"""

from __future__ import annotations

from dataclasses import dataclass

from sdk_scripts.review.annotations import ground_truth, interpretations
from sdk_scripts.review.final_labels import label_names, label_regions

CHOICES = "choices"


@dataclass(frozen=True)
class Candidate:
    """A task's prediction of the model version: its id, score and label regions."""

    task_id: int
    prediction: int | None
    score: float | None
    result: list[dict]

    @property
    def is_classification(self) -> bool:
        return bool(self.result) and all(r.get("type") == CHOICES for r in self.result)


def label_result(result: list[dict]) -> list[dict]:
    """A result's label regions (quality and reviewer fields left out), each reduced to what a label needs."""
    return [{k: region[k] for k in ("from_name", "to_name", "type", "value") if k in region}
            for regions in label_regions(result).values() for region in regions]


def _newness(prediction: dict) -> tuple[str, int]:
    ident = prediction.get("id")
    return str(prediction.get("created_at") or ""), ident if isinstance(ident, int) else -1


def candidate(task: dict, model_version: str) -> Candidate | None:
    """The task's newest prediction of `model_version` (None when it has none)."""
    found = [p for p in task.get("predictions") or []
             if isinstance(p, dict) and p.get("model_version") == model_version]
    if not found:
        return None
    newest = max(found, key=_newness)
    score = newest.get("score")
    score = float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None
    ident = newest.get("id")
    return Candidate(task["id"], ident if isinstance(ident, int) else None, score,
                     label_result(newest.get("result") or []))


def has_human_labels(task: dict) -> bool:
    """A submitted annotation of any kind (an annotator's or a ground truth); skips do not count."""
    return bool(interpretations(task) or ground_truth(task))


def same_label(auto: list[dict], other: list[dict] | None) -> bool:
    """Whether `other` picks the same choices as the auto-label on each of the auto-label's controls."""
    if other is None:
        return False
    theirs = label_regions(other)
    for control, regions in label_regions(auto).items():
        if sorted(label_names(regions)) != sorted(label_names(theirs.get(control, []))):
            return False
    return True
