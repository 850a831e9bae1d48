"""Turning Label Studio task JSON into per-control ratings (pure).

A rating is one annotator's value for one control on one task. Only submitted annotations count:
cancelled (skipped) ones are excluded and counted, ground-truth annotations become the gold value of
their task, and when an annotator has several annotations on a task the latest one is used (the
others are counted as duplicates). Values that do not match the config (an unknown label, a
missing value) are dropped with a note naming the task and annotation; the rest is still scored.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sdk_scripts.agreement.controls import ControlSpec

CONFIDENCE_LOW = "might be"


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


def _week(timestamp: str | None) -> str:
    if not timestamp:
        return "unknown"
    year, week, _ = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).isocalendar()
    return f"{year}-W{week:02d}"


def _regions(result: list[dict], name: str) -> list[dict]:
    return [r for r in result if r.get("from_name") == name]


def parse_value(spec: ControlSpec, regions: list[dict], where: str, problems: list[str]) -> Any:
    """The control's value in one annotation, or None when the annotator gave none."""
    known = set(spec.labels)

    def labels_of(region: dict) -> list[str]:
        found = (region.get("value") or {}).get(spec.value_key) or []
        unknown = [label for label in found if known and label not in known]
        if unknown:
            problems.append(f"{where}: {spec.name}: label {unknown[0]!r} is not in the config; ignored")
        return [label for label in found if not known or label in known]

    kind = spec.kind
    if kind in ("single", "multi"):
        chosen = [label for region in regions for label in labels_of(region)]
        if kind == "multi":
            return frozenset(chosen)
        if len(chosen) > 1:
            problems.append(f"{where}: {spec.name}: {len(chosen)} choices in a single-choice control; ignored")
            return None
        return chosen[0] if chosen else None
    if kind in ("rating", "number"):
        values = [(r.get("value") or {}).get(spec.value_key) for r in regions]
        values = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if regions and not values:
            problems.append(f"{where}: {spec.name}: no {spec.value_key} value; ignored")
        return float(values[0]) if values else None
    if kind == "text":
        texts = [t for r in regions for t in ((r.get("value") or {}).get("text") or [])]
        return "\n".join(map(str, texts)) if texts else None
    if kind == "boxes":
        boxes = []
        for region in regions:
            value = region.get("value") or {}
            for label in labels_of(region):
                if "points" in value:
                    xs = [p[0] for p in value["points"]]
                    ys = [p[1] for p in value["points"]]
                    boxes.append((label, min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
                elif all(k in value for k in ("x", "y", "width", "height")):
                    boxes.append((label, value["x"], value["y"], value["width"], value["height"]))
                else:
                    problems.append(f"{where}: {spec.name}: a region has no geometry; ignored")
        return tuple(boxes)
    if kind == "spans":
        spans = []
        for region in regions:
            value = region.get("value") or {}
            start, end = value.get("start"), value.get("end")
            if not isinstance(start, int) or not isinstance(end, int):
                problems.append(f"{where}: {spec.name}: a span without integer start/end; ignored")
                continue
            spans += [(label, start, end) for label in labels_of(region)]
        return tuple(spans)
    raise ValueError(f"unknown kind {kind}")


def _name(annotation: dict) -> str | None:
    created = annotation.get("created_username") or ""
    email = created.split(",")[0].strip()
    return email or None


def extract(controls: list[ControlSpec], tasks: list[dict]) -> Extraction:
    counts: Counter = Counter(tasks=len(tasks))
    problems: list[str] = []
    names: dict[int, str] = {}
    ratings = [Ratings(spec) for spec in controls]
    flags: list[dict] = []
    for task in tasks:
        latest: dict[Any, dict] = {}
        gold: dict | None = None
        for annotation in task.get("annotations") or []:
            counts["annotations"] += 1
            if annotation.get("was_cancelled"):
                counts["cancelled"] += 1
                continue
            if annotation.get("ground_truth"):
                counts["ground_truth"] += 1
                gold = max(gold or annotation, annotation, key=lambda a: a.get("updated_at") or "")
                continue
            user = annotation.get("completed_by")
            if isinstance(user, dict):
                user = user.get("id")
            if user in latest:
                counts["duplicates"] += 1
                if (annotation.get("updated_at") or "") < (latest[user].get("updated_at") or ""):
                    continue
            latest[user] = annotation
            if _name(annotation):
                names.setdefault(user, _name(annotation))
        for user, annotation in latest.items():
            result = annotation.get("result") or []
            where = f"task {task['id']}, annotation {annotation.get('id')}"
            set_flags = [c for r in _regions(result, "flag") for c in (r.get("value") or {}).get("choices") or []]
            confidence = [c for r in _regions(result, "confidence")
                          for c in (r.get("value") or {}).get("choices") or []]
            flags.append({"task": task["id"], "annotator": user, "flags": set_flags,
                          "low_confidence": CONFIDENCE_LOW in confidence})
            week = _week(annotation.get("created_at"))
            for table in ratings:
                value = parse_value(table.control, _regions(result, table.control.name), where, problems)
                if value is None:
                    continue
                table.task.append(task["id"])
                table.annotator.append(user)
                table.week.append(week)
                table.value.append(value)
        if gold is not None:
            for table in ratings:
                where = f"task {task['id']}, ground truth {gold.get('id')}"
                value = parse_value(table.control, _regions(gold.get("result") or [], table.control.name), where,
                                    problems)
                if value is not None:
                    table.gold[task["id"]] = value
    return Extraction(ratings, counts, names, flags, problems)


def group_by_task(table: Ratings) -> dict[int, dict[int, Any]]:
    """task -> {annotator: value}."""
    grouped: dict[int, dict[int, Any]] = defaultdict(dict)
    for task, annotator, value in zip(table.task, table.annotator, table.value, strict=True):
        grouped[task][annotator] = value
    return dict(grouped)
