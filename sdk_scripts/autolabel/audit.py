"""The audit of auto-labels: which are sampled, what reviewers measured, and when auto-labeling stops (pure).

Audit rounds: every auto-label belongs to one (`AutoMark.round`); `labelops autolabel --reset-audit` closes the
open round and the next accepted labels start a new one, so a stopped audit's verdict does not weigh on labels
accepted under new settings.

Sample: over a round, ceil(fraction x the round's auto-labels) are audited. A run samples only among the labels it
adds, as many as the round is short of, taking the tasks in the order of a seeded hash of their id; so a rerun
with nothing new samples nothing, and the same seed on the same tasks picks the same ones.

Measured precision: an audited auto-label is accepted when the reviewer's decided label equals it on each of its
controls (`predictions.same_label`); "no clear label" counts against it (the auto-label was not clearly right).
The interval is Wilson's (`interval`).

Stop rule: auto-labeling stops when the point estimate of a round's measured precision is below the target
(the highest target its labels were accepted under, or the run's own if higher), from the first decided audit
on. Not the interval's lower bound: that is below 0.95 for any audit under 73 labels even when every one was
right (20 of 20: 0.84), so it would stop every project; nor its upper bound, which lets 4 of 5 (0.80) go on.
The interval is reported beside the estimate so a reader sees how much a small audit can say.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sdk_scripts.autolabel.interval import Proportion, wilson
from sdk_scripts.autolabel.marks import AutoMark, mark_of
from sdk_scripts.autolabel.predictions import same_label
from sdk_scripts.review.review_config import DECISION_QUARANTINE
from sdk_scripts.review.reviews import Review

REASON_AUDIT = "auto-label audit"
DEFAULT_TARGET = 0.95


@dataclass(frozen=True)
class AuditStatus:
    """Where one audit round stands: its auto-labels, the sampled ones, what reviewers decided, the verdict."""

    round: int
    target: float
    labelled: int  # the round's open auto-labels
    sampled: int  # of which in the audit sample
    precision: Proportion  # accepted of the decided audits
    undecided: int  # sampled, no decision yet

    @property
    def stopped(self) -> bool:
        estimate = self.precision.estimate
        return estimate is not None and estimate < self.target

    def describe(self) -> str:
        head = (f"auto-label audit, round {self.round}: {self.sampled} of {self.labelled} auto-labels sampled, "
                f"{self.precision.total} decided")
        if not self.precision.total:
            return f"{head}; precision not measured yet (target {self.target:g})"
        verdict = "below the target: auto-labeling stopped" if self.stopped else "at or above the target"
        return f"{head}; measured precision {self.precision.describe()}, target {self.target:g}: {verdict}"

    def stop_message(self, withdrawable: int) -> str:
        """What the next `labelops autolabel` says when the round stopped, and how to resume."""
        return (f"auto-labeling is stopped: the audit of round {self.round} measured precision "
                f"{self.precision.describe()}, below the target {self.target:g}; no auto-label was written. To "
                "resume, raise --min-confidence or --target-precision (or use a better --model-version) and rerun "
                f"with --reset-audit: it withdraws round {self.round}'s {withdrawable} auto-label(s) no reviewer "
                f"decided (their tasks go back to annotators) and starts round {self.round + 1} with a fresh audit "
                "sample")

    def to_json(self) -> dict:
        return {"round": self.round, "target": self.target, "auto_labels": self.labelled, "sampled": self.sampled,
                "decided": self.precision.total, "accepted": self.precision.successes, "undecided": self.undecided,
                "precision": self.precision.to_json(), "stopped": self.stopped}


def open_marks(tasks: Iterable[dict]) -> dict[int, AutoMark]:
    """task id -> its auto-label, for tasks whose auto-label is in force (not closed by a reset)."""
    return {t["id"]: m for t in tasks if (m := mark_of(t)) is not None and not m.closed}


def current_round(tasks: Iterable[dict]) -> int:
    """The round new auto-labels join: the open one, else one past every round so far (1 at first)."""
    marks = [m for t in tasks if (m := mark_of(t)) is not None]
    opened = [m.round for m in marks if not m.closed]
    return max(opened) if opened else max((m.round for m in marks), default=0) + 1


def is_audit_review(review: Review | None) -> bool:
    return review is not None and REASON_AUDIT in review.reasons_picked


def accepted(mark: AutoMark, review: Review) -> bool:
    """The reviewer kept the auto-label (see the module docstring)."""
    return review.decision != DECISION_QUARANTINE and same_label(mark.result, review.result)


def audit_status(tasks: Iterable[dict], reviews: Mapping[int, Review], *, target: float | None = None,
                 round_: int | None = None) -> AuditStatus:
    """The audit of `round_` (default: the current one); `target` raises the round's own when higher."""
    tasks = list(tasks)
    number = current_round(tasks) if round_ is None else round_
    marks = {i: m for i, m in open_marks(tasks).items() if m.round == number}
    sampled = {i: m for i, m in marks.items() if m.audit}
    decided = {i: reviews[i] for i in sampled if is_audit_review(reviews.get(i)) and reviews[i].decision}
    good = sum(accepted(sampled[i], review) for i, review in decided.items())
    wanted = max([m.target for m in marks.values()] + ([target] if target is not None else []),
                 default=DEFAULT_TARGET)
    return AuditStatus(number, wanted, len(marks), len(sampled), wilson(good, len(decided)),
                       len(sampled) - len(decided))


def _order(seed: int, task_id: int) -> bytes:
    return hashlib.sha256(f"autolabel-audit:{seed}:{task_id}".encode()).digest()


def audit_sample(new_ids: Iterable[int], *, in_round: int, audited: int, fraction: float, seed: int) -> set[int]:
    """Which of the newly auto-labelled tasks join the audit sample (see the module docstring).

    `in_round`: the round's auto-labels before these; `audited`: how many of those are sampled."""
    new = sorted(set(new_ids))
    wanted = math.ceil(fraction * (in_round + len(new)) - 1e-9) if fraction > 0 else 0
    need = max(0, min(len(new), wanted - audited))
    return set(sorted(new, key=lambda i: _order(seed, i))[:need])
