"""Where each picked task's review task lives across the review tiers of one push (pure).

Every review project of a push is a `TierPush` (the default one first), holding the review tasks it already
has by their `labelops_key`. A source task reviewed in one tier stays there; an unreviewed one goes where
the routing rules send it now. Each source task's meta records its review task per review project title
(`labelops_review_tasks`); a routing tier's link also names the tier, which is how `review pull` finds
every tier's review project without the spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sdk_scripts.review.annotations import ground_truth
from sdk_scripts.review.review_project import LINK_FIELD
from sdk_scripts.review.selection import ReviewPick

SOURCE_META_FIELD = "labelops_review_tasks"  # {review project title: {"project": id, "task": id[, "tier": name]}}


@dataclass
class TierPush:
    """One review project of a push: its tier (`default` unless a routing rule sent tasks there) and its tasks."""

    name: str
    project: dict
    rule: str  # the tier's conditions in words ("" for the default tier)
    existing: dict[str, dict] = field(default_factory=dict, repr=False)  # labelops_key -> review task
    picks: list[int] = field(default_factory=list)  # source tasks whose review task is here
    created: list[int] = field(default_factory=list)
    refreshed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"tier": self.name, "rule": self.rule or None, "project": self.project.get("id"),
                "title": self.project.get("title"), "need_review": len(self.picks), "created": self.created,
                "refreshed": self.refreshed, "unchanged": self.unchanged}


def review_key(source_project_id: int, source_task_id: int) -> str:
    return f"review:{source_project_id}:{source_task_id}"


def linked_tier_titles(tasks: list[dict]) -> list[str]:
    """Titles of the routing tiers' review projects the source tasks link to (a push records them), sorted."""
    titles = set()
    for task in tasks:
        meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
        links = meta.get(SOURCE_META_FIELD) if isinstance(meta.get(SOURCE_META_FIELD), dict) else {}
        titles.update(str(title) for title, link in links.items() if isinstance(link, dict) and link.get("tier"))
    return sorted(titles)


def is_reviewed(review_task: dict) -> bool:
    """A review task that holds a review (one submitted annotation or more)."""
    return bool(review_task.get("annotations") or review_task.get("total_annotations"))


def decided_sources(tasks: list[dict], tiers: list[TierPush]) -> set[int]:
    """Source tasks a reviewer decided (a submitted review in any tier) or that carry ground truth."""
    reviewed = {((t.get("data") or {}).get(LINK_FIELD) or {}).get("source_task")
                for tier in tiers for t in tier.existing.values() if is_reviewed(t)}
    return reviewed | {t["id"] for t in tasks if ground_truth(t)}


def place(picks: list[ReviewPick], routed: Mapping[int, str], tiers: list[TierPush],
           source_id: int) -> dict[int, tuple[TierPush, list[tuple[TierPush, dict]]]]:
    """source task -> (the tier that holds its review task, unreviewed copies in other tiers to remove).

    A task already reviewed in one tier stays there; otherwise it goes where the rules route it now, and an
    unreviewed review task in another tier (the rules or its annotations changed) is removed once the new one
    exists.
    """
    by_name = {t.name: t for t in tiers}
    placed = {}
    for pick in picks:
        key = review_key(source_id, pick.task_id)
        copies = [(tier, tier.existing[key]) for tier in tiers if key in tier.existing]
        reviewed = [tier for tier, copy in copies if is_reviewed(copy)]
        target = reviewed[0] if reviewed else by_name[routed[pick.task_id]]
        placed[pick.task_id] = (target, [(t, c) for t, c in copies if t is not target and not is_reviewed(c)])
    return placed
