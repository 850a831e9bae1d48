"""Turning Label Studio task JSON into per-control ratings (pure).

A rating is one annotator's value for one control on one task. Only submitted annotations count:
cancelled (skipped) ones are excluded and counted, ground-truth annotations become the gold value of
their task, and when an annotator has several annotations on a task the newest one is used (`newness`:
the parsed `updated_at`, else `created_at`, offsets honoured, ties by id; the others are counted as
duplicates). An annotation without an annotator (`completed_by`) is a problem and left out, never
merged with others. Values that do not match the config (an unknown label, a missing value, a rating
outside 1..maxRating) and regions that cannot be measured (a box of width -20, NaN or 0 x 0, a span
ending before it starts) are dropped with a problem naming the task, annotation and annotator;
the rest is still scored. Malformed JSON of any shape becomes problems, never an exception.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sdk_scripts.agreement.kinds.registry import kind_of
from sdk_scripts.agreement.report import Problem
from sdk_scripts.agreement.results import Where
from sdk_scripts.agreement.spec import ControlSpec
from sdk_scripts.labelstudio.annotations import (
    NOT_AN_OBJECT,
    Counted,
    annotator_of,
    choices,
    count_annotations,
    newness,
)
from sdk_scripts.labelstudio.quality_fields import CONFIDENCE, FLAG, LOW_CONFIDENCE


@dataclass
class Ratings:
    """All ratings of one control, as parallel lists, plus gold values per task."""

    control: ControlSpec
    task: list[int] = field(default_factory=list)
    annotator: list[int] = field(default_factory=list)
    week: list[str] = field(default_factory=list)
    value: list[Any] = field(default_factory=list)
    gold: dict[int, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FlaggedAnnotation:
    """An annotation its annotator flagged (ambiguous, out of scope) or rated "might be"."""

    task: Any
    annotator: Any
    flags: list[str]
    low_confidence: bool


@dataclass
class Extraction:
    """Every control's ratings, the counts of what was read, annotators' names, flagged annotations, problems."""

    ratings: list[Ratings]
    counts: Counter
    names: dict[int, str]
    annotation_flags: list[FlaggedAnnotation]
    problems: list[Problem]
    task_ids: list = field(default_factory=list)  # ids of the tasks that could be read (objects with an id), in order


def _week(timestamp: object) -> str:
    if not isinstance(timestamp, str) or not timestamp:
        return "unknown"
    return _week_of(timestamp)


@lru_cache(maxsize=4096)
def _week_of(timestamp: str) -> str:
    try:
        year, week, _ = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).isocalendar()
    except ValueError:
        return "unknown"
    return f"{year}-W{week:02d}"


def _is_id(value: object) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def _by_control(result: list[dict]) -> dict[Any, list[dict]]:
    """The result's regions grouped by control name (one pass instead of one per control)."""
    grouped: dict[Any, list[dict]] = {}
    for region in result:
        name = region.get("from_name")
        if isinstance(name, str):
            grouped.setdefault(name, []).append(region)
    return grouped


def _name(annotation: dict) -> str | None:
    created = annotation.get("created_username")
    email = created.split(",")[0].strip() if isinstance(created, str) else ""
    return email or None


def _result_of(annotation: dict, where: Where, problems: list[Problem]) -> list[dict]:
    result = annotation.get("result")
    if type(result) is list and all(type(r) is dict for r in result):  # the common case first
        return result
    if result is None:
        return []
    if not isinstance(result, list):
        problems.append(where.problem("its result is not a list; ignored"))
        return []
    regions = [r for r in result if isinstance(r, dict)]
    if len(regions) < len(result):
        problems.append(where.problem(f"{len(result) - len(regions)} result item(s) are not objects; ignored"))
    return regions


def _valid_tasks(tasks: Iterable, problems: list[Problem]) -> Iterator[dict]:
    """Tasks that are objects with an id seen once; the others are reported."""
    seen: set = set()
    for index, task in enumerate(tasks, start=1):
        task_id = task.get("id") if isinstance(task, dict) else None
        if not _is_id(task_id):
            problems.append(Problem(f"task #{index}: not a task object with an id; ignored"))
        elif task_id in seen:
            problems.append(Problem(f"task {task_id}: listed twice; the second copy is ignored", task_id))
        else:
            seen.add(task_id)
            yield task


def _counted(task: dict, task_id: Any, problems: list[Problem]) -> Counted:
    """The task's annotations sorted by whether they count (`count_annotations`, newest per annotator)."""
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        problems.append(Problem(f"task {task_id}: its annotations are not a list; ignored", task_id))
        annotations = []
    counted = count_annotations(annotations, newest_per_annotator=True)
    for reason, item in counted.skipped:
        if reason == NOT_AN_OBJECT:
            problems.append(Problem(f"task {task_id}: an annotation that is not an object; ignored", task_id))
        else:
            problems.append(Problem(f"task {task_id}, annotation {item.get('id')!r}: no annotator (completed_by); "
                                    "ignored", task_id, item.get("id")))
    return counted


Parser = tuple[Ratings, Callable[[list[dict], Where, list[Problem]], Any], str]  # table, its kind's parse, control


def _read_annotation(out: Extraction, parsers: list[Parser], task_id: Any, annotation: dict) -> None:
    """One annotator's annotation of a task: its flags, the annotator's name, every control's value."""
    user = annotator_of(annotation)
    if user not in out.names and annotation.get("created_username"):
        name = _name(annotation)
        if name:
            out.names[user] = name
    where = Where(task_id, annotation, user)
    problems = out.problems
    grouped = _by_control(_result_of(annotation, where, problems))
    flag_regions, confidence_regions = grouped.get(FLAG), grouped.get(CONFIDENCE)
    low = bool(confidence_regions) and LOW_CONFIDENCE in choices(confidence_regions, CONFIDENCE)
    set_flags = choices(flag_regions, FLAG) if flag_regions else []
    if set_flags or low:
        out.annotation_flags.append(FlaggedAnnotation(task_id, user, set_flags, low))
    week = _week(annotation.get("created_at"))
    for table, parse, name in parsers:
        value = parse(grouped.get(name, []), where, problems)
        if value is None:
            continue
        table.task.append(task_id)
        table.annotator.append(user)
        table.week.append(week)
        table.value.append(value)


def _read_gold(out: Extraction, parsers: list[Parser], task_id: Any, ground_truth: list[dict]) -> None:
    """The newest ground truth of a task (of equally new ones the later in the task) as every control's gold."""
    gold: dict | None = None
    for annotation in ground_truth:
        gold = annotation if gold is None or newness(annotation) >= newness(gold) else gold
    if gold is None:
        return
    where = Where(task_id, gold)
    grouped = _by_control(_result_of(gold, where, out.problems))
    for table, parse, name in parsers:
        value = parse(grouped.get(name, []), where, out.problems)
        if value is not None:
            table.gold[task_id] = value


def extract(controls: list[ControlSpec], tasks: Iterable[dict]) -> Extraction:
    """Ratings of every control from Label Studio task JSON; anything malformed becomes a problem, never an error.

    `tasks` is read once, in order (an iterator is fine: nothing keeps a task after its ratings are taken).
    Only annotations with a flag or a "might be" are listed in `annotation_flags`. Each control's kind
    (`kinds`) parses its values.
    """
    out = Extraction([Ratings(spec) for spec in controls], Counter(), {}, [], [])
    parsers = [(table, kind_of(table.control).parse, table.control.name) for table in out.ratings]
    n_annotations = n_cancelled = n_gold = n_duplicates = 0
    for task in _valid_tasks(tasks, out.problems):
        task_id = task["id"]
        out.task_ids.append(task_id)
        counted = _counted(task, task_id, out.problems)
        n_annotations += counted.seen
        n_cancelled += counted.cancelled
        n_gold += len(counted.ground_truth)
        n_duplicates += counted.superseded
        for annotation in counted.interpretations:
            _read_annotation(out, parsers, task_id, annotation)
        _read_gold(out, parsers, task_id, counted.ground_truth)
    out.counts.update(tasks=len(out.task_ids), annotations=n_annotations, cancelled=n_cancelled, ground_truth=n_gold,
                      duplicates=n_duplicates)
    return out


def group_by_task(table: Ratings) -> dict[int, dict[int, Any]]:
    """task -> {annotator: value}."""
    grouped: dict[int, dict[int, Any]] = defaultdict(dict)
    for task, annotator, value in zip(table.task, table.annotator, table.value, strict=True):
        grouped[task][annotator] = value
    return dict(grouped)
