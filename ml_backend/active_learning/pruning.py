"""Which of labelops' own predictions leave Label Studio when their version is no longer kept (pure, no I/O).

A version leaves when it falls out of KEEP_VERSIONS (or its run failed after storing some
predictions). Its predictions go from every task still waiting for annotations. On an annotated task
the prediction each annotation was made against stays (model-vs-human figures need it): the one the
annotation names as its `parent_prediction`, else the newest labelops prediction created before the
annotation. Only predictions whose model_version is one of labelops' names for this project
(`<prefix>-p<project>-v<N>`) are ever considered.

Label Studio deletes a version's predictions in one request (`DELETE /api/projects/<id>/model-versions/`) but
has no bulk delete of some of them, and one request per prediction on 100,000 waiting tasks takes as long as
the training run itself many times over. So the few predictions an annotated task keeps are set aside first
under a parked name (`<version>-kept`, same ids, same created_at: the annotations' `parent_prediction` links
hold), the version is deleted in one request, and they get their name back. A run cut off in between leaves
them parked; the next plan finds them (`parked`) and names them back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

PARKED_SUFFIX = "-kept"


@dataclass
class PrunePlan:
    """What to delete: the stale versions (one request each), the predictions of theirs to keep (set aside while
    their version is deleted), the stragglers of an interrupted run to delete one by one or to name back."""

    whole_versions: list[str] = field(default_factory=list)
    keep: dict[str, list[int]] = field(default_factory=dict)  # version -> ids of the predictions kept
    prediction_ids: list[int] = field(default_factory=list)  # parked earlier, no longer kept: deleted one by one
    parked: dict[int, str] = field(default_factory=dict)  # id -> version, found parked by an interrupted run

    @property
    def kept(self) -> dict[str, int]:
        """Version -> how many of its predictions stay on annotated tasks."""
        return {version: len(ids) for version, ids in self.keep.items() if ids}


def parked_name(version: str) -> str:
    """The name a kept prediction carries while its version is deleted."""
    return f"{version}{PARKED_SUFFIX}"


def our_version_pattern(prefix: str, project: str) -> re.Pattern[str]:
    """labelops' model_version names for this project: `<prefix>-p<project>-v<N>` (N captured)."""
    return re.compile(rf"{re.escape(prefix)}-p{re.escape(str(project))}-v(\d+)")


def stale_versions(present: Iterable[str], prefix: str, project: str, kept_numbers: Iterable[int]) -> set[str]:
    """labelops versions of this project found in Label Studio whose run is no longer kept on disk."""
    pattern, kept = our_version_pattern(prefix, project), set(kept_numbers)
    out = set()
    for name in present:
        match = pattern.fullmatch(str(name))
        if match and int(match.group(1)) not in kept:
            out.add(str(name))
    return out


def _annotations(task: dict) -> list[dict]:
    return [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]


def _made_against(annotation: dict, ours: list[dict]) -> int | None:
    """The id of the labelops prediction this annotation was made against, if any."""
    parent = annotation.get("parent_prediction")
    if isinstance(parent, int) and any(p.get("id") == parent for p in ours):
        return parent
    created = str(annotation.get("created_at") or "")
    before = [p for p in ours if str(p.get("created_at") or "") <= created]
    return max(before, key=lambda p: str(p.get("created_at") or ""))["id"] if created and before else None


def plan_pruning(tasks: Iterable[dict], stale: set[str], ours: re.Pattern[str]) -> PrunePlan:
    """The deletions that remove the `stale` versions' predictions, keeping what annotations were made against.

    `tasks` in Label Studio's JSON with their predictions and annotations; `ours` matches labelops'
    model_version names for the project (the only predictions ever deleted). A prediction found parked counts
    as its version's.
    """
    plan = PrunePlan(whole_versions=sorted(stale))
    for task in tasks:
        predictions = []
        for p in task.get("predictions") or []:
            if not isinstance(p, dict) or not isinstance(p.get("id"), int):
                continue
            name = str(p.get("model_version") or "")
            if name.endswith(PARKED_SUFFIX) and ours.fullmatch(name[:-len(PARKED_SUFFIX)]):
                name = name[:-len(PARKED_SUFFIX)]
                plan.parked[p["id"]] = name
            if ours.fullmatch(name):
                predictions.append({**p, "model_version": name})
        keep = {_made_against(a, predictions) for a in _annotations(task)} - {None}
        for p in predictions:
            version = p["model_version"]
            if p["id"] in keep and version in stale:
                plan.keep.setdefault(version, []).append(p["id"])
            elif p["id"] in plan.parked and version in stale:
                plan.prediction_ids.append(p["id"])  # parked, no longer kept: not reached by its version's delete
    return plan
