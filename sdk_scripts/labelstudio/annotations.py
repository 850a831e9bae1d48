"""Which of a task's annotations count, and the quality fields in them (pure readers of Label Studio JSON).

The rules, written once; callers choose where they legitimately differ:

* a cancelled (skipped) annotation never counts;
* a ground-truth annotation is an adjudication, kept apart from the annotators' interpretations;
* with `newest_per_annotator`, each annotator (`completed_by`) counts once, with their newest annotation
  by `newness`; an annotation without an annotator is then left out (reported in `skipped`);
  without it every submitted annotation counts (an annotator with two annotations counts twice);
* anything that is not an annotation object is left out (reported in `skipped`), never an exception.

"Newest" has two definitions in use: `newness` (the parsed `updated_at`, else `created_at`, then the id:
the last edit wins) and `id_order` (the highest id, i.e. the last created, then `updated_at` as text).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sdk_scripts.labelstudio.quality_fields import EXCLUDING_FLAGS, FLAG

NOT_AN_OBJECT = "not an object"
NO_ANNOTATOR = "no annotator"


@dataclass
class Counted:
    """A task's annotations sorted by whether they count; each list in the task's order."""

    interpretations: list[dict] = field(default_factory=list)  # submitted, not ground truth
    ground_truth: list[dict] = field(default_factory=list)  # submitted ground-truth annotations
    seen: int = 0  # annotation objects read
    cancelled: int = 0
    superseded: int = 0  # an annotator's further annotations (newest_per_annotator: only the newest counts)
    skipped: list[tuple[str, Any]] = field(default_factory=list)  # (NOT_AN_OBJECT | NO_ANNOTATOR, item), in order


def is_submitted(annotation: dict) -> bool:
    """Not cancelled (Label Studio's "skip" makes a cancelled annotation)."""
    return not annotation.get("was_cancelled")


def is_ground_truth(annotation: dict) -> bool:
    return bool(annotation.get("ground_truth"))


def annotator_of(annotation: dict) -> int | str | None:
    """The annotator's user id (`completed_by`, a number or a user object), or None."""
    user = annotation.get("completed_by")
    if type(user) is int:  # the common case first
        return user
    if isinstance(user, dict):
        user = user.get("id")
    return user if isinstance(user, int | str) and not isinstance(user, bool) else None


@lru_cache(maxsize=65536)
def _epoch(timestamp: str) -> float | None:
    """Seconds since the epoch of an ISO 8601 time (its offset honoured; one without an offset is UTC, as Label
    Studio writes them), or None when it is not one."""
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def newness(annotation: dict) -> tuple[float, int, str]:
    """Sort key of an annotator's annotations, newest last: the parsed `updated_at`, else `created_at` (a time
    that is missing or not ISO 8601 is older than any), then the annotation id (a higher id is newer)."""
    moment = -math.inf
    for key in ("updated_at", "created_at"):
        value = annotation.get(key)
        parsed = _epoch(value) if isinstance(value, str) else None
        if parsed is not None:
            moment = parsed
            break
    ident = annotation.get("id")
    number = ident if isinstance(ident, int) and not isinstance(ident, bool) else -1
    return moment, number, str(ident)


def id_order(annotation: dict) -> tuple[int, str]:
    """Sort key, last created last: the annotation id (none: -1), then `updated_at` as text."""
    annotation_id = annotation.get("id")
    return (annotation_id if isinstance(annotation_id, int) else -1, str(annotation.get("updated_at") or ""))


def count_annotations(annotations: Iterable[Any], *, newest_per_annotator: bool = False) -> Counted:
    """Sort a task's annotations by the rules in the module docstring.

    With `newest_per_annotator`, `interpretations` holds one annotation per annotator, in the order the
    annotators first appear; of two equally new annotations the later one in the task counts.
    """
    out = Counted()
    latest: dict[Any, dict] = {}
    for annotation in annotations:
        if not isinstance(annotation, dict):
            out.skipped.append((NOT_AN_OBJECT, annotation))
            continue
        out.seen += 1
        if not is_submitted(annotation):
            out.cancelled += 1
        elif is_ground_truth(annotation):
            out.ground_truth.append(annotation)
        elif not newest_per_annotator:
            out.interpretations.append(annotation)
        else:
            user = annotator_of(annotation)
            if user is None:
                out.skipped.append((NO_ANNOTATOR, annotation))
                continue
            if user in latest:
                out.superseded += 1
                if newness(annotation) < newness(latest[user]):
                    continue
            latest[user] = annotation
    if newest_per_annotator:
        out.interpretations = list(latest.values())
    return out


def choices(result: Iterable[Any], control: str) -> list[str]:
    """The choice names a result's regions of `control` hold (anything that is not a string is skipped)."""
    found: list[str] = []
    for region in result:
        if not isinstance(region, dict) or region.get("from_name") != control:
            continue
        value = region.get("value")
        names = value.get("choices") if isinstance(value, dict) else None
        if isinstance(names, list):
            found += [c for c in names if isinstance(c, str)]
    return found


def flags(annotation: dict) -> list[str]:
    """The flags ("ambiguous", "out of scope") an annotator set."""
    result = annotation.get("result")
    return choices(result, FLAG) if isinstance(result, list) else []


def excluded_by_flag(annotation: dict) -> bool:
    """Whether the annotator flagged the task in a way that keeps it out of training."""
    return any(flag in EXCLUDING_FLAGS for flag in flags(annotation))
