"""`labelops gold import`: a gold file written to a project as ground truth Label Studio serves first (I/O).

Reads the project and its tasks, plans every write (`gold_plan`: any problem is one error before the first
write), then per gold task raises its overlap and marks it, and creates (or, with `replace`, overwrites) its
ground-truth annotation; last, turns on the project's `annotator_evaluation_enabled`, the setting Label Studio
1.23's task queue reads to serve ground-truth tasks first (docs/quality.md). Rerunning it writes only what
differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.quality.gold_file import read_gold_file
from sdk_scripts.quality.gold_plan import GoldOptions, GoldPlan, plan_gold
from sdk_scripts.quality.gold_tasks import GoldPolicy, gold_tasks, policy_of

PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class GoldImportResult:
    """What an import did: the project, ground truths created / replaced / already there, tasks updated, rows
    waiting for --rate, whether evaluation was turned on, and the overlap gold tasks have."""

    project: dict
    created: int
    replaced: int
    unchanged: int
    updated_tasks: int
    waiting: int
    evaluation_enabled: bool
    overlap: int

    def summary(self) -> str:
        gold = self.created + self.replaced + self.unchanged
        line = (f"project {self.project['id']} {self.project['title']!r}: {gold} gold tasks served first "
                f"({self.created} ground truths created, {self.replaced} replaced, {self.unchanged} already there; "
                f"{self.updated_tasks} tasks updated, overlap {self.overlap})")
        if self.waiting:
            line += f"; {self.waiting} more wait for --rate (rerun as annotators progress)"
        if self.evaluation_enabled:
            line += "; annotator evaluation turned on"
        return line


def _raise_problems(problems: list[str]) -> None:
    shown = problems[:PROBLEMS_SHOWN]
    more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    head = f"{len(problems)} problems in the gold file; nothing was written" if len(problems) > 1 else \
        "the gold file has a problem; nothing was written"
    raise LabelopsError(head + ":\n  " + "\n  ".join(shown) + more)


def gold_overlap(project: dict, users: int) -> int:
    """The overlap that lets every member of the organization get a gold task (one more for its ground truth)."""
    return max(int(project.get("maximum_annotations") or 1), users + 1)


def _apply(client: LabelStudioClient, plan: GoldPlan) -> None:
    for write in plan.writes:
        if write.fields:
            client.update_task(write.task, **write.fields)
        if write.annotation == "create":
            client.create_annotation(write.task, write.result, ground_truth=True)
        elif write.annotation == "replace" and write.replaces is not None:
            client.update_annotation(write.replaces, result=write.result, ground_truth=True)


def import_gold(client: LabelStudioClient, project_ref: str | int, path: Path, *, min_score: float | None = None,
                min_tasks: int | None = None, onboarding: int | None = None, rate: float | None = None,
                replace: bool = False, dry_run: bool = False) -> GoldImportResult:
    """Write the gold file `path` to the project (see the module docstring); `dry_run` plans and checks only.
    `min_score` / `min_tasks` set the policy; None keeps the gold set's own (none at first)."""
    rows, problems = read_gold_file(path)
    project = client.project(project_ref)
    tasks = list(client.iter_tasks(project["id"]))
    stored = policy_of(gold_tasks(tasks))
    policy = GoldPolicy(stored.min_score if min_score is None else min_score,
                        stored.min_tasks if min_tasks is None else min_tasks)
    overlap = gold_overlap(project, len(client.user_emails()))
    options = GoldOptions(policy, overlap, datetime.now(UTC).isoformat(timespec="seconds"), onboarding, rate, replace)
    plan, found = plan_gold(project["label_config"], project, tasks, rows, options, str(path))
    if problems or found:
        _raise_problems(problems + found)
    if not dry_run:
        _apply(client, plan)
        if plan.enable_evaluation:
            client.update_project(project["id"], annotator_evaluation_enabled=True)
    return GoldImportResult(project, plan.count("create"), plan.count("replace"), plan.count("keep"),
                            plan.updated_tasks, plan.waiting, plan.enable_evaluation, overlap)
