"""Which of labelops' own predictions leave Label Studio when their version is no longer kept (pure, no I/O).

A version leaves when it falls out of KEEP_VERSIONS (or its run failed after storing some
predictions). Its predictions go from every task still waiting for annotations. On an annotated task
the prediction each annotation was made against stays (model-vs-human figures need it): the one the
annotation names as its `parent_prediction`, else the newest labelops prediction created before the
annotation. Only predictions whose model_version is one of labelops' names for this project
(`<prefix>-p<project>-v<N>`) are ever considered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class PrunePlan:
    """What to delete: whole versions (no prediction of theirs is kept) and single predictions of the others."""

    whole_versions: list[str] = field(default_factory=list)
    prediction_ids: list[int] = field(default_factory=list)
    kept: dict[str, int] = field(default_factory=dict)  # version -> predictions kept on annotated tasks


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
    model_version names for the project (the only predictions ever deleted).
    """
    plan = PrunePlan()
    if not stale:
        return plan
    per_version: dict[str, list[int]] = {v: [] for v in stale}
    for task in tasks:
        predictions = [p for p in task.get("predictions") or [] if isinstance(p, dict) and isinstance(p.get("id"), int)
                       and ours.fullmatch(str(p.get("model_version") or ""))]
        keep = {_made_against(a, predictions) for a in _annotations(task)} - {None}
        for p in predictions:
            version = str(p["model_version"])
            if version not in stale:
                continue
            if p["id"] in keep:
                plan.kept[version] = plan.kept.get(version, 0) + 1
            else:
                per_version[version].append(p["id"])
    for version, ids in sorted(per_version.items()):
        if plan.kept.get(version):
            plan.prediction_ids.extend(ids)
        else:
            plan.whole_versions.append(version)
    return plan
