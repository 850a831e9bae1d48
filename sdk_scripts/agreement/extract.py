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

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sdk_scripts.agreement.controls import ControlSpec
from sdk_scripts.labelstudio.annotations import NOT_AN_OBJECT, annotator_of, choices, count_annotations, newness
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


@dataclass
class Extraction:
    ratings: list[Ratings]
    counts: Counter
    names: dict[int, str]
    annotation_flags: list[dict]
    problems: list[str]
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


def _number(value: object) -> float | None:
    """A finite real number, or None (bools, NaN and infinities are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _box(value: dict) -> tuple[tuple[float, float, float, float] | None, str]:
    """(x, y, width, height) of a rectangle or a polygon's bounding box, or (None, why it cannot be scored)."""
    if "points" in value:
        points = value["points"]
        if not isinstance(points, list) or len(points) < 3:
            return None, "a polygon needs at least 3 points"
        coords = [(_number(p[0]), _number(p[1])) if isinstance(p, list) and len(p) == 2 else (None, None)
                  for p in points]
        if any(x is None or y is None for x, y in coords):
            return None, "a polygon point is not a pair of finite numbers"
        xs, ys = [x for x, _ in coords], [y for _, y in coords]
        box = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    elif all(k in value for k in ("x", "y", "width", "height")):
        numbers = [_number(value[k]) for k in ("x", "y", "width", "height")]
        if any(n is None for n in numbers):
            shown = ", ".join(f"{k}={value[k]!r}"[:40] for k in ("x", "y", "width", "height"))
            return None, f"geometry that is not finite numbers ({shown})"
        box = tuple(numbers)  # type: ignore[assignment]
    else:
        return None, "a region has no geometry"
    if not math.isfinite(box[2] * box[3]) or box[2] <= 0 or box[3] <= 0:
        return None, f"a degenerate region (width {box[2]:g}, height {box[3]:g})"
    return box, ""


def _in_range(spec: ControlSpec, number: float) -> bool:
    return (spec.low is None or number >= spec.low) and (spec.high is None or number <= spec.high)


def _range_text(spec: ControlSpec) -> str:
    if spec.low is not None and spec.high is not None:
        return f"{spec.low:g}..{spec.high:g}"
    return f">= {spec.low:g}" if spec.low is not None else f"<= {spec.high:g}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _span(value: dict) -> tuple[tuple[int, int] | None, str]:
    """(start, end) character offsets of a text span, or (None, why it cannot be scored).

    Text regions carry integer `start`/`end`. HyperText regions (Label Studio 1.23's RichTextRegion) carry XPaths
    in `start`/`end` with `startOffset`/`endOffset` inside those nodes, and `globalOffsets` {start, end}: the
    offsets in the document's whole text, which is what spans of different nodes are compared on.
    """
    start, end = value.get("start"), value.get("end")
    if isinstance(start, str) or isinstance(end, str) or "globalOffsets" in value:
        offsets = value.get("globalOffsets")
        if not isinstance(offsets, dict):
            return None, "a HyperText span without globalOffsets (XPaths alone cannot be compared across nodes)"
        start, end = offsets.get("start"), offsets.get("end")
        if not _is_int(start) or not _is_int(end):
            return None, "a HyperText span whose globalOffsets are not integer start/end"
    elif not _is_int(start) or not _is_int(end):
        return None, "a span without integer start/end"
    if start < 0 or end <= start:
        return None, f"a degenerate span (start {start}, end {end})"
    return (start, end), ""


@lru_cache(maxsize=256)
def _known(labels: tuple[str, ...]) -> frozenset[str]:
    return frozenset(labels)


def _plain_boxes(regions: list[dict], key: str, known: frozenset[str]) -> tuple | None:
    """Rectangles the common way (one known label, four finite numbers, positive size), or None to take the
    general path (which reports whatever is wrong)."""
    boxes = []
    for region in regions:
        value = region.get("value")
        if type(value) is not dict:
            return None
        labels = value.get(key)
        x, y, w, h = value.get("x"), value.get("y"), value.get("width"), value.get("height")
        if type(labels) is not list or len(labels) != 1 or type(labels[0]) is not str or \
                (known and labels[0] not in known) or "points" in value:
            return None
        if not (type(x) is float or type(x) is int) or not (type(y) is float or type(y) is int) or \
                not (type(w) is float or type(w) is int) or not (type(h) is float or type(h) is int):
            return None
        if not (w > 0 and h > 0 and math.isfinite(x) and math.isfinite(y) and math.isfinite(w * h)):
            return None
        boxes.append((labels[0], float(x), float(y), float(w), float(h)))
    return tuple(boxes)


def parse_value(spec: ControlSpec, regions: list[dict], where: object, problems: list[str]) -> Any:
    """The control's value in one annotation, or None when the annotator gave none.

    What cannot be read (an unknown label, a value of the wrong type, degenerate geometry) is
    reported in `problems` and left out; the rest of the annotation is still used.
    """
    known = _known(spec.labels)
    if spec.kind == "single" and len(regions) == 1:  # the common case, without the general machinery
        value = regions[0].get("value")
        found = value.get(spec.value_key) if isinstance(value, dict) else None
        if isinstance(found, list) and len(found) == 1 and isinstance(found[0], str) \
                and (not known or found[0] in known):
            return found[0]
    if spec.kind == "boxes":
        fast = _plain_boxes(regions, spec.value_key, known)
        if fast is not None:
            return fast

    def value_of(region: dict) -> dict:
        value = region.get("value")
        if not isinstance(value, dict):
            problems.append(f"{where}: {spec.name}: a region without a value object; ignored")
            return {}
        return value

    def labels_of(value: dict) -> list[str]:
        found = value.get(spec.value_key)
        if found is None:
            return []
        if not isinstance(found, list) or not all(isinstance(label, str) for label in found):
            problems.append(f"{where}: {spec.name}: {spec.value_key} is not a list of label names; ignored")
            return []
        unknown = [label for label in found if known and label not in known]
        if unknown:
            problems.append(f"{where}: {spec.name}: label {unknown[0]!r} is not in the config; ignored")
        return [label for label in found if not known or label in known]

    values = [value_of(region) for region in regions]
    kind = spec.kind
    if kind in ("single", "multi"):
        chosen = [label for value in values for label in labels_of(value)]
        if kind == "multi":
            return frozenset(chosen)
        if len(chosen) > 1:
            problems.append(f"{where}: {spec.name}: {len(chosen)} choices in a single-choice control; ignored")
            return None
        return chosen[0] if chosen else None
    if kind in ("rating", "number"):
        numbers = [_number(value.get(spec.value_key)) for value in values]
        numbers = [n for n in numbers if n is not None]
        if regions and not numbers:
            problems.append(f"{where}: {spec.name}: no finite {spec.value_key} value; ignored")
        if numbers and not _in_range(spec, numbers[0]):
            problems.append(f"{where}: {spec.name}: {spec.value_key} {numbers[0]:g} is outside "
                            f"{_range_text(spec)} (the config's); left out of the scores")
            return None
        return numbers[0] if numbers else None
    if kind == "text":
        texts = []
        for value in values:
            text = value.get("text")
            text = [text] if isinstance(text, str) else text
            if text is None:
                continue
            if not isinstance(text, list) or not all(isinstance(t, str) for t in text):
                problems.append(f"{where}: {spec.name}: text is not a list of strings; ignored")
                continue
            texts += text
        return "\n".join(texts) if texts else None
    if kind == "boxes":
        boxes = []
        for value in values:
            labels = labels_of(value)
            if not labels:
                continue
            box, why = _box(value)
            if box is None:
                problems.append(f"{where}: {spec.name}: {why}; left out of the scores")
                continue
            boxes += [(label, *box) for label in labels]
        return tuple(boxes)
    if kind == "spans":
        spans = []
        for value in values:
            position, why = _span(value)
            if position is None:
                problems.append(f"{where}: {spec.name}: {why}; left out of the scores")
                continue
            spans += [(label, *position) for label in labels_of(value)]
        return tuple(spans)
    raise ValueError(f"unknown kind {kind}")


def _name(annotation: dict) -> str | None:
    created = annotation.get("created_username")
    email = created.split(",")[0].strip() if isinstance(created, str) else ""
    return email or None


class _Where:
    """Where a value comes from, for problem messages: formatted only when a problem is reported."""

    __slots__ = ("task", "annotation", "user")

    def __init__(self, task: object, annotation: dict, user: object = None) -> None:
        self.task, self.annotation, self.user = task, annotation, user

    def __str__(self) -> str:
        if self.user is None:
            return f"task {self.task}, ground truth {self.annotation.get('id')!r}"
        return f"task {self.task}, annotation {self.annotation.get('id')!r} by annotator {self.user}"


def _result_of(annotation: dict, where: object, problems: list[str]) -> list[dict]:
    result = annotation.get("result")
    if type(result) is list and all(type(r) is dict for r in result):  # the common case first
        return result
    if result is None:
        return []
    if not isinstance(result, list):
        problems.append(f"{where}: its result is not a list; ignored")
        return []
    regions = [r for r in result if isinstance(r, dict)]
    if len(regions) < len(result):
        problems.append(f"{where}: {len(result) - len(regions)} result item(s) are not objects; ignored")
    return regions


def _valid_tasks(tasks: Iterable, problems: list[str]) -> Iterator[dict]:
    """Tasks that are objects with an id seen once; the others are reported."""
    seen: set = set()
    for index, task in enumerate(tasks, start=1):
        task_id = task.get("id") if isinstance(task, dict) else None
        if not _is_id(task_id):
            problems.append(f"task #{index}: not a task object with an id; ignored")
        elif task_id in seen:
            problems.append(f"task {task_id}: listed twice; the second copy is ignored")
        else:
            seen.add(task_id)
            yield task


def extract(controls: list[ControlSpec], tasks: Iterable[dict]) -> Extraction:
    """Ratings of every control from Label Studio task JSON; anything malformed becomes a problem, never an error.

    `tasks` is read once, in order (an iterator is fine: nothing keeps a task after its ratings are taken).
    Only annotations with a flag or a "might be" are listed in `annotation_flags`.
    """
    problems: list[str] = []
    counts: Counter = Counter()
    task_ids: list = []
    names: dict[int, str] = {}
    ratings = [Ratings(spec) for spec in controls]
    flags: list[dict] = []
    n_annotations = n_cancelled = n_gold = n_duplicates = 0
    tables = [(table, table.control, table.control.name) for table in ratings]
    for task in _valid_tasks(tasks, problems):
        task_id = task["id"]
        task_ids.append(task_id)
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            problems.append(f"task {task_id}: its annotations are not a list; ignored")
            annotations = []
        counted = count_annotations(annotations, newest_per_annotator=True)
        for reason, item in counted.skipped:
            problems.append(f"task {task_id}: an annotation that is not an object; ignored" if reason == NOT_AN_OBJECT
                            else f"task {task_id}, annotation {item.get('id')!r}: no annotator (completed_by); ignored")
        n_annotations += counted.seen
        n_cancelled += counted.cancelled
        n_gold += len(counted.ground_truth)
        n_duplicates += counted.superseded
        gold: dict | None = None
        for annotation in counted.ground_truth:  # the newest; of equally new ones the later in the task
            gold = annotation if gold is None or newness(annotation) >= newness(gold) else gold
        for annotation in counted.interpretations:
            user = annotator_of(annotation)
            if user not in names and annotation.get("created_username"):
                name = _name(annotation)
                if name:
                    names[user] = name
            where = _Where(task_id, annotation, user)
            grouped = _by_control(_result_of(annotation, where, problems))
            flag_regions, confidence_regions = grouped.get(FLAG), grouped.get(CONFIDENCE)
            low = bool(confidence_regions) and LOW_CONFIDENCE in choices(confidence_regions, CONFIDENCE)
            set_flags = choices(flag_regions, FLAG) if flag_regions else []
            if set_flags or low:
                flags.append({"task": task_id, "annotator": user, "flags": set_flags, "low_confidence": low})
            week = _week(annotation.get("created_at"))
            for table, spec, name in tables:
                value = parse_value(spec, grouped.get(name, []), where, problems)
                if value is None:
                    continue
                table.task.append(task_id)
                table.annotator.append(user)
                table.week.append(week)
                table.value.append(value)
        if gold is not None:
            where = _Where(task_id, gold)
            grouped = _by_control(_result_of(gold, where, problems))
            for table, spec, name in tables:
                value = parse_value(spec, grouped.get(name, []), where, problems)
                if value is not None:
                    table.gold[task_id] = value
    counts.update(tasks=len(task_ids), annotations=n_annotations, cancelled=n_cancelled, ground_truth=n_gold,
                  duplicates=n_duplicates)
    return Extraction(ratings, counts, names, flags, problems, task_ids)


def group_by_task(table: Ratings) -> dict[int, dict[int, Any]]:
    """task -> {annotator: value}."""
    grouped: dict[int, dict[int, Any]] = defaultdict(dict)
    for task, annotator, value in zip(table.task, table.annotator, table.value, strict=True):
        grouped[task][annotator] = value
    return dict(grouped)
