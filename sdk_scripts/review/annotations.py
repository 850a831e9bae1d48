"""Reading annotators' work out of pulled tasks (pure): valid annotations, flags, confidence, fingerprints.

An annotation counts as an annotator's interpretation when it was submitted (not cancelled/skipped)
and is not a ground-truth annotation (those are adjudications, e.g. written back by `review pull`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from sdk_scripts.label_config_library import CONFIDENCE_VALUES

FLAG_CONTROL = "flag"
CONFIDENCE_CONTROL = "confidence"
# How much an annotator's own rating says about a label (documented in the README).
CONFIDENCE_WEIGHTS = dict(zip(CONFIDENCE_VALUES, (1.0, 0.7, 0.4), strict=True))


def interpretations(task: dict) -> list[dict]:
    """The task's submitted, non-ground-truth annotations, oldest first."""
    annotations = [
        a for a in task.get("annotations") or []
        if not a.get("was_cancelled") and not a.get("ground_truth")
    ]
    return sorted(annotations, key=lambda a: (a.get("created_at") or "", a.get("id") or 0))


def ground_truth(task: dict) -> list[dict]:
    return [a for a in task.get("annotations") or [] if a.get("ground_truth") and not a.get("was_cancelled")]


def _choices(result: Iterable[dict], control: str) -> list[str]:
    values: list[str] = []
    for region in result:
        if region.get("from_name") == control:
            values += (region.get("value") or {}).get("choices") or []
    return values


def flags(annotation: dict) -> list[str]:
    """The "ambiguous" / "out of scope" flags an annotator set."""
    return _choices(annotation.get("result") or [], FLAG_CONTROL)


def rated_confidence(annotation: dict) -> float | None:
    """The annotator's own confidence as a weight in (0, 1]; per-region ratings are averaged."""
    ratings = [CONFIDENCE_WEIGHTS[v] for v in _choices(annotation.get("result") or [], CONFIDENCE_CONTROL)
               if v in CONFIDENCE_WEIGHTS]
    return sum(ratings) / len(ratings) if ratings else None


def fingerprint(annotations: Iterable[dict]) -> str:
    """Changes when any interpretation is added, removed or edited."""
    canonical = sorted(
        (a.get("id"), a.get("updated_at") or "", json.dumps(a.get("result") or [], sort_keys=True))
        for a in annotations
    )
    return hashlib.sha1(json.dumps(canonical).encode()).hexdigest()[:16]


def label_result(result: Iterable[dict], skip: Iterable[str]) -> list[dict]:
    """Result regions minus the named controls (e.g. quality fields), ids and order kept."""
    skipped = set(skip)
    return [r for r in result if r.get("from_name") not in skipped]
