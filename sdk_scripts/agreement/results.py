"""Reading values out of Label Studio result regions, each doubt a `Problem` naming where it is (pure).

The kinds (`kinds`) parse their control's regions with these: label lists, finite numbers, a box or a
polygon's bounding box, a text or HyperText span. What cannot be read is reported and left out, never an
exception.
"""

from __future__ import annotations

import math

from sdk_scripts.agreement.report import Problem

Box = tuple[float, float, float, float]  # x, y, width, height


class Where:
    """Where a value comes from, for problem messages: formatted only when a problem is reported."""

    __slots__ = ("task", "annotation", "user")

    def __init__(self, task: object, annotation: dict, user: object = None) -> None:
        self.task, self.annotation, self.user = task, annotation, user

    def __str__(self) -> str:
        if self.user is None:
            return f"task {self.task}, ground truth {self.annotation.get('id')!r}"
        return f"task {self.task}, annotation {self.annotation.get('id')!r} by annotator {self.user}"

    def problem(self, detail: str, control: str | None = None) -> Problem:
        """`detail` here (in control `control`, named in the text)."""
        text = f"{self}: {control}: {detail}" if control is not None else f"{self}: {detail}"
        return Problem(text, self.task, self.annotation.get("id"), self.user, control)


def number(value: object) -> float | None:
    """A finite real number, or None (bools, NaN and infinities are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    found = float(value)
    return found if math.isfinite(found) else None


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def values_of(regions: list[dict], where: Where, control: str, problems: list[Problem]) -> list[dict]:
    """Each region's value object ({} with a problem where a region has none)."""
    values = []
    for region in regions:
        value = region.get("value")
        if not isinstance(value, dict):
            problems.append(where.problem("a region without a value object; ignored", control))
            value = {}
        values.append(value)
    return values


def labels_of(value: dict, key: str, allowed: frozenset[str], where: Where, control: str,
              problems: list[Problem]) -> list[str]:
    """The label names under `key` that the config knows (`allowed`; all when it lists none); the rest a problem."""
    found = value.get(key)
    if found is None:
        return []
    if not isinstance(found, list) or not all(isinstance(label, str) for label in found):
        problems.append(where.problem(f"{key} is not a list of label names; ignored", control))
        return []
    unknown = [label for label in found if allowed and label not in allowed]
    if unknown:
        problems.append(where.problem(f"label {unknown[0]!r} is not in the config; ignored", control))
    return [label for label in found if not allowed or label in allowed]


def box(value: dict) -> tuple[Box | None, str]:
    """(x, y, width, height) of a rectangle or a polygon's bounding box, or (None, why it cannot be scored)."""
    if "points" in value:
        points = value["points"]
        if not isinstance(points, list) or len(points) < 3:
            return None, "a polygon needs at least 3 points"
        coords = [(number(p[0]), number(p[1])) if isinstance(p, list) and len(p) == 2 else (None, None)
                  for p in points]
        if any(x is None or y is None for x, y in coords):
            return None, "a polygon point is not a pair of finite numbers"
        xs, ys = [x for x, _ in coords], [y for _, y in coords]
        found = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    elif all(k in value for k in ("x", "y", "width", "height")):
        numbers = [number(value[k]) for k in ("x", "y", "width", "height")]
        if any(n is None for n in numbers):
            shown = ", ".join(f"{k}={value[k]!r}"[:40] for k in ("x", "y", "width", "height"))
            return None, f"geometry that is not finite numbers ({shown})"
        found = tuple(numbers)  # type: ignore[assignment]
    else:
        return None, "a region has no geometry"
    if not math.isfinite(found[2] * found[3]) or found[2] <= 0 or found[3] <= 0:
        return None, f"a degenerate region (width {found[2]:g}, height {found[3]:g})"
    return found, ""


def plain_boxes(regions: list[dict], key: str, allowed: frozenset[str]) -> tuple | None:
    """Rectangles the common way (one known label, four finite numbers, positive size) as (label, x, y, w, h)
    tuples, or None to take the general path (which reports whatever is wrong)."""
    boxes = []
    for region in regions:
        value = region.get("value")
        if type(value) is not dict:
            return None
        names = value.get(key)
        x, y, w, h = value.get("x"), value.get("y"), value.get("width"), value.get("height")
        if type(names) is not list or len(names) != 1 or type(names[0]) is not str or \
                (allowed and names[0] not in allowed) or "points" in value:
            return None
        if not (type(x) is float or type(x) is int) or not (type(y) is float or type(y) is int) or \
                not (type(w) is float or type(w) is int) or not (type(h) is float or type(h) is int):
            return None
        if not (w > 0 and h > 0 and math.isfinite(x) and math.isfinite(y) and math.isfinite(w * h)):
            return None
        boxes.append((names[0], float(x), float(y), float(w), float(h)))
    return tuple(boxes)


def span(value: dict) -> tuple[tuple[int, int] | None, str]:
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
        if not is_int(start) or not is_int(end):
            return None, "a HyperText span whose globalOffsets are not integer start/end"
    elif not is_int(start) or not is_int(end):
        return None, "a span without integer start/end"
    if start < 0 or end <= start:
        return None, f"a degenerate span (start {start}, end {end})"
    return (start, end), ""
