"""Entity-level precision, recall and F1, the CoNLL shared tasks' exact-match definition (pure, no I/O).

Tjong Kim Sang & De Meulder 2003, "Introduction to the CoNLL-2003 Shared Task: Language-Independent
Named Entity Recognition" (arXiv cs/0306050), evaluation: precision is the share of the entities a
system found that are correct, recall the share of the entities in the data that it found, and an
entity is correct only as an exact match of one in the data — same type, same first and last word.
Micro-averaged over all entities; F1 = 2PR / (P + R). Degenerate cases as the shared task's `conlleval`
script: precision 0 with nothing predicted, recall 0 with nothing to find, F1 0 when P + R = 0.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

# an entity: (document, start, end, label); what `start`/`end` count (words, characters) is the caller's
Entity = tuple[Hashable, int, int, str]


@dataclass(frozen=True)
class EntityScores:
    precision: float
    recall: float
    f1: float
    correct: int
    predicted: int
    gold: int
    per_label: dict[str, dict[str, float | int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _prf(correct: int, predicted: int, gold: int) -> tuple[float, float, float]:
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def entity_scores(gold: Iterable[Entity], predicted: Iterable[Entity]) -> EntityScores:
    """Exact-match entity scores of `predicted` against `gold` (each entity counted once), overall and per label."""
    gold_set, predicted_set = set(gold), set(predicted)
    correct = gold_set & predicted_set
    per_label: dict[str, dict[str, float | int]] = {}
    for label in sorted({e[3] for e in gold_set | predicted_set}):
        counts = [sum(1 for e in s if e[3] == label) for s in (correct, predicted_set, gold_set)]
        precision, recall, f1 = _prf(*counts)
        per_label[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                            "gold": counts[2]}
    precision, recall, f1 = _prf(len(correct), len(predicted_set), len(gold_set))
    return EntityScores(precision, recall, f1, len(correct), len(predicted_set), len(gold_set), per_label)
