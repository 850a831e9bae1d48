"""Which tasks go to review, and why (pure).

A task is picked when its per-task agreement is below the threshold, when any annotator flagged it
ambiguous / out of scope, or when it falls in the QA sample of agreed tasks. A task adaptive overlap
holds back (`held`: it waits for another annotator, `review.overlap`) is picked only when flagged.
The QA sample is a seeded hash of the task id, so a task's membership never changes between pushes (a
growing project does not reshuffle it) and the same seed reproduces the same sample.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sdk_scripts.labelstudio.annotations import flags
from sdk_scripts.review.annotations import interpretations

REASON_LOW_AGREEMENT = "low agreement"
REASON_FLAGGED = "flagged"
REASON_QA = "QA sample"


@dataclass(frozen=True)
class ReviewPick:
    task_id: int
    agreement: float | None
    reasons: tuple[str, ...]

    def describe(self) -> str:
        return "; ".join(self.reasons)


def in_qa_sample(task_id: int, fraction: float, seed: int) -> bool:
    digest = hashlib.sha256(f"{seed}:{task_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def select_for_review(
    tasks: Sequence[dict],
    scores: Mapping[int, float | None],
    *,
    threshold: float = 0.8,
    qa_fraction: float = 0.05,
    seed: int = 0,
    min_annotations: int = 2,
    held: Collection[int] = (),
) -> list[ReviewPick]:
    """Picks in task-id order. Tasks with too few interpretations, or `held` ones, wait unless flagged."""
    picks: list[ReviewPick] = []
    for task in sorted(tasks, key=lambda t: t["id"]):
        versions = interpretations(task)
        score = scores.get(task["id"])
        reasons: list[str] = []
        flagged = sorted({f for a in versions for f in flags(a)})
        if flagged:
            reasons.append(f"{REASON_FLAGGED} {' / '.join(flagged)}")
        enough = len(versions) >= min_annotations and task["id"] not in held
        if enough and score is not None and score < threshold:
            reasons.append(f"{REASON_LOW_AGREEMENT} ({score:.2f} < {threshold:.2f})")
        if not reasons and enough and score is not None and in_qa_sample(task["id"], qa_fraction, seed):
            reasons.append(REASON_QA)
        if reasons:
            picks.append(ReviewPick(task["id"], score, tuple(reasons)))
    return picks
