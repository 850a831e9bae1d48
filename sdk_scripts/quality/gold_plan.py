"""What `labelops gold import` will write, decided before anything is written (pure).

Every row of the gold file must name one task of the project (by id, or by data equal to exactly one task's) and
give an answer the labeling config accepts; a task that already has a different ground truth is a conflict unless
`replace`. Any problem stops the import before its first write, all problems listed.

Each gold task Label Studio is to serve gets: its `overlap` raised to `overlap` (so Label Studio serves it to every
annotator, not only to the first N: Label Studio counts a task done once that many users annotated it) with
`is_labeled` set as Label Studio's own rule gives it for the new overlap, the gold marker and policy in its `meta`
(`gold_tasks`), and a ground-truth annotation holding the answer. Rows are made gold in file order: the first
`onboarding` at once, the rest at `rate` (`activation_target`).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sdk_scripts.agreement.controls import read_controls
from sdk_scripts.agreement.kinds.registry import kind_of
from sdk_scripts.agreement.report import Problem
from sdk_scripts.agreement.results import Where
from sdk_scripts.labelstudio.annotations import annotator_of, count_annotations
from sdk_scripts.quality.gold_file import GoldRow
from sdk_scripts.quality.gold_tasks import GoldPolicy, gold_annotation, is_gold_task, with_marker
from sdk_scripts.quality.results import label_key


@dataclass(frozen=True)
class GoldOptions:
    """How the gold set is served: `onboarding` rows at once (None: all), the rest at `rate` (None: none of them
    until rerun without it), the policy the markers carry, the overlap gold tasks get, and `now` (ISO time)."""

    policy: GoldPolicy
    overlap: int
    now: str
    onboarding: int | None = None
    rate: float | None = None
    replace: bool = False


@dataclass
class TaskWrite:
    """What is written to one gold task: task fields (may be none) and its ground truth (`annotation`: "create",
    "replace" the annotation `replaces`, or "keep")."""

    task: int
    line: int
    fields: dict
    annotation: str
    result: list[dict]
    replaces: int | None = None


@dataclass
class GoldPlan:
    """The writes, how many rows wait for `rate`, whether Label Studio's annotator evaluation is to be turned on."""

    writes: list[TaskWrite] = field(default_factory=list)
    waiting: int = 0
    enable_evaluation: bool = False

    def count(self, annotation: str) -> int:
        return sum(w.annotation == annotation for w in self.writes)

    @property
    def updated_tasks(self) -> int:
        return sum(bool(w.fields) for w in self.writes)


def _canonical(data: object) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


def resolve_rows(rows: Sequence[GoldRow], tasks: Sequence[dict], source: str) -> tuple[dict[int, GoldRow], list[str]]:
    """task id -> its row (rows naming the same task with the same answer count once), and the problems."""
    ids = {t["id"] for t in tasks}
    by_data: dict[str, list[int]] = {}
    for task in tasks:
        by_data.setdefault(_canonical(task.get("data")), []).append(task["id"])
    found: dict[int, GoldRow] = {}
    problems = []
    for row in rows:
        if row.task is not None:
            task_id = row.task if row.task in ids else None
        else:
            matches = by_data.get(_canonical(row.data), [])
            if len(matches) > 1:
                listed = ", ".join(map(str, matches[:5]))
                problems.append(f"{source}:{row.line}: its data matches {len(matches)} tasks ({listed}); name the task "
                                "by id")
                continue
            task_id = matches[0] if matches else None
        if task_id is None:
            problems.append(f"{source}:{row.line}: {row.names} is not in the project")
        elif task_id in found and label_key(found[task_id].result) != label_key(row.result):
            problems.append(f"{source}:{row.line}: task {task_id} already has another answer (line "
                            f"{found[task_id].line})")
        else:
            found.setdefault(task_id, row)
    return found, problems


def answer_problems(label_config: str, rows: Iterable[tuple[int, GoldRow]], source: str) -> list[str]:
    """What the labeling config does not accept in the answers: controls it lacks, labels it does not list,
    values its kinds cannot read."""
    from label_studio_sdk.label_interface import LabelInterface

    names = {c.name for c in LabelInterface(label_config).controls}
    kinds = [kind_of(spec) for spec in read_controls(label_config).specs]
    problems = []
    for task_id, row in rows:
        unknown = sorted({str(r.get("from_name")) for r in row.result} - names)
        if unknown:
            problems.append(f"{source}:{row.line}: no control named {', '.join(unknown)} in the labeling config")
            continue
        found: list[Problem] = []
        for kind in kinds:
            kind.parse([r for r in row.result if r.get("from_name") == kind.spec.name],
                       Where(task_id, {"id": f"line {row.line}"}), found)
        problems += [f"{source}:{row.line}: {p.text.split(': ', 1)[-1]}" for p in found]
    return problems


def activation_target(options: GoldOptions, rows: int, busiest: int) -> int:
    """How many of the file's rows are to be gold now: the first `onboarding` (None: all), plus, at `rate`,
    ceil(rate / (1 - rate) x busiest) more, where `busiest` is the most other tasks any one annotator has done: so
    gold tasks make up about `rate` of what the busiest annotator is served (the others at least that)."""
    if options.rate is None:
        return rows if options.onboarding is None else min(rows, options.onboarding)
    extra = math.ceil(options.rate / (1.0 - options.rate) * busiest - 1e-9)
    return min(rows, (options.onboarding or 0) + extra)


def busiest_annotator(tasks: Iterable[dict]) -> int:
    """The most tasks outside the gold set that one annotator has submitted."""
    done: Counter = Counter()
    for task in tasks:
        if not is_gold_task(task):
            done.update({annotator_of(a) for a in count_annotations(task.get("annotations") or []).interpretations}
                        - {None})
    return max(done.values(), default=0)


def _annotators(task: dict) -> int:
    """Distinct users with a submitted annotation on the task (Label Studio's count for `is_labeled`; it counts
    again itself when the ground truth is created)."""
    users = {annotator_of(a) for a in task.get("annotations") or [] if isinstance(a, dict)
             and not a.get("was_cancelled")}
    return len(users - {None})


def _task_fields(task: dict, options: GoldOptions) -> dict:
    overlap = max(int(task.get("overlap") or 1), options.overlap)
    wanted = {"overlap": overlap, "is_labeled": _annotators(task) >= overlap,
              "meta": with_marker(task.get("meta"), options.policy, options.now)}
    return {k: v for k, v in wanted.items() if task.get(k) != v}


def _write(task: dict, row: GoldRow, options: GoldOptions, conflicts: list[str], source: str) -> TaskWrite:
    existing = gold_annotation(task)
    if existing is None:
        action, replaces = "create", None
    elif label_key(existing.get("result")) == label_key(row.result):
        action, replaces = "keep", None
    else:
        action, replaces = "replace", existing.get("id")
        if not options.replace:
            conflicts.append(f"{source}:{row.line}: task {task['id']} already has a different ground truth "
                             f"(annotation {replaces}); --replace overwrites it")
    return TaskWrite(task["id"], row.line, _task_fields(task, options), action, row.result,
                     replaces)


def plan_gold(label_config: str, project: dict, tasks: Sequence[dict], rows: Sequence[GoldRow],
              options: GoldOptions, source: str) -> tuple[GoldPlan, list[str]]:
    """(the plan, the problems: when there are any, nothing is to be written)."""
    found, problems = resolve_rows(rows, tasks, source)
    problems += answer_problems(label_config, found.items(), source)
    by_id = {t["id"]: t for t in tasks}
    ordered = sorted(found.items(), key=lambda item: item[1].line)
    active = [task_id for task_id, _ in ordered if is_gold_task(by_id[task_id])]
    target = activation_target(options, len(ordered), busiest_annotator(tasks))
    chosen = set(active)
    for task_id, _ in ordered:
        if len(chosen) >= target:
            break
        chosen.add(task_id)
    plan = GoldPlan(waiting=len(ordered) - len(chosen))
    for task_id, row in ordered:
        if task_id in chosen:
            plan.writes.append(_write(by_id[task_id], row, options, problems, source))
    plan.enable_evaluation = bool(plan.writes) and not project.get("annotator_evaluation_enabled")
    return plan, problems
