"""Held-out accuracy: the backend's zero-shot model vs a project's trained version on the same labelled texts (pure).

The held-out texts are never imported: nobody labels them and no training run sees them. Both models
answer the backend's /predict for the same texts — without a project (the shipped zero-shot model, what
pre-annotated the project before its first run) and with the project (its served version). Accuracy is
the share of texts whose top predicted choice (the first of the choices: the most probable) is the true one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class HeldOutFigures:
    """How many held-out texts each model got right."""

    texts: int
    zero_shot_version: str
    zero_shot_correct: int
    trained_version: str
    trained_correct: int

    @property
    def zero_shot_accuracy(self) -> float | None:
        return self.zero_shot_correct / self.texts if self.texts else None

    @property
    def trained_accuracy(self) -> float | None:
        return self.trained_correct / self.texts if self.texts else None


def top_choice(result: Sequence[Mapping], control: str) -> str | None:
    """The first choice of the result's region of `control` (the most probable one), or None."""
    for region in result:
        choices = (region.get("value") or {}).get("choices") or []
        if region.get("from_name") == control and choices:
            return str(choices[0])
    return None


def correct(predictions: Sequence[Mapping], labels: Sequence[str], control: str) -> int:
    """How many of the backend's per-task predictions (`{"result": [...]}`) have the true label as top choice."""
    if len(predictions) != len(labels):
        raise ValueError(f"{len(predictions)} predictions for {len(labels)} labels")
    return sum(top_choice(p.get("result") or [], control) == label for p, label in zip(predictions, labels,
                                                                                       strict=True))
