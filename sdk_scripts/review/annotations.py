"""Reading annotators' work out of pulled tasks for the review loop (pure): interpretations, confidence, fingerprints.

An annotation counts as an annotator's interpretation when it was submitted (not cancelled/skipped)
and is not a ground-truth annotation (those are adjudications, e.g. written back by `review pull`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from sdk_scripts.labelstudio.annotations import choices, count_annotations
from sdk_scripts.labelstudio.quality_fields import CONFIDENCE, CONFIDENCE_VALUES

# How much an annotator's own rating says about a label (documented in the README).
CONFIDENCE_WEIGHTS = dict(zip(CONFIDENCE_VALUES, (1.0, 0.7, 0.4), strict=True))


def interpretations(task: dict) -> list[dict]:
    """The task's submitted, non-ground-truth annotations (every one, not only each annotator's newest), oldest
    first by `created_at`."""
    annotations = count_annotations(task.get("annotations") or []).interpretations
    return sorted(annotations, key=lambda a: (a.get("created_at") or "", a.get("id") or 0))


def ground_truth(task: dict) -> list[dict]:
    """The task's submitted ground-truth annotations, in the task's order."""
    return count_annotations(task.get("annotations") or []).ground_truth


def rated_confidence(annotation: dict) -> float | None:
    """The annotator's own confidence as a weight in (0, 1]; per-region ratings are averaged."""
    ratings = [CONFIDENCE_WEIGHTS[v] for v in choices(annotation.get("result") or [], CONFIDENCE)
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
