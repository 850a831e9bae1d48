"""Everything the review-loop commands need about a source project, gathered once from Label Studio.

`load_project_state` reads the source project, its review project (when one exists) and those of the
review tiers its tasks were routed to, the per-task agreement scores and every task's state; `review
pull`, `export`, `edge-cases` and `status` start from it. States: `adjudicated` (a reviewer decided a
label), `quarantined` (a reviewer found no clear label), `pending` (waiting for annotations, for a
review, or for `review push`), `agreed` (enough annotations, agreement at or above the threshold,
nobody flagged it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sdk_scripts.labelstudio.annotations import flags
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.export_snapshots import read_project
from sdk_scripts.review.annotations import interpretations
from sdk_scripts.review.placement import linked_tier_titles
from sdk_scripts.review.push import LINK_FIELD, default_review_title, orphaned_review_tasks
from sdk_scripts.review.review_config import DECISION_QUARANTINE
from sdk_scripts.review.reviews import Review, read_reviews

ScoresFor = Callable[[str, list[dict]], Mapping[int, float | None]]
STATES = ("agreed", "adjudicated", "quarantined", "pending")


def min_interpretations(project: dict) -> int:
    """Annotations a task needs before its agreement means anything (1 for single-pass projects)."""
    return 2 if (project.get("maximum_annotations") or 1) > 1 else 1


def task_states(tasks: list[dict], reviews: Mapping[int, Review], under_review: set[int],
                scores: Mapping[int, float | None], threshold: float, min_annotations: int) -> dict[int, str]:
    """The state of every source task (pure)."""
    states = {}
    for task in tasks:
        review = reviews.get(task["id"])
        versions = interpretations(task)
        score = scores.get(task["id"])
        needs_review = any(flags(a) for a in versions) or (score is not None and score < threshold)
        if review is not None and review.decision == DECISION_QUARANTINE:
            states[task["id"]] = "quarantined"
        elif review is not None and review.decision:
            states[task["id"]] = "adjudicated"
        elif task["id"] in under_review or needs_review or len(versions) < min_annotations:
            states[task["id"]] = "pending"
        else:
            states[task["id"]] = "agreed"
    return states


@dataclass
class ProjectState:
    source: dict
    tasks: list[dict]
    scores: Mapping[int, float | None]
    review_project: dict | None
    review_tasks: list[dict]
    reviews: dict[int, Review]
    states: dict[int, str]
    emails: dict[int, str]
    review_projects: list[dict] = field(default_factory=list)  # the default one first, then the tiers'

    def __post_init__(self) -> None:
        if self.review_project is not None and not self.review_projects:
            self.review_projects = [self.review_project]

    @property
    def open_reviews(self) -> list[int]:
        """Source tasks whose review task has no submitted review yet."""
        linked = {(t["data"].get(LINK_FIELD) or {}).get("source_task") for t in self.review_tasks}
        return sorted(t for t in linked - set(self.reviews) if t is not None)

    @property
    def orphaned(self) -> list[int]:
        """Review tasks whose source task no longer exists."""
        return orphaned_review_tasks(self.review_tasks, self.source["id"], {t["id"] for t in self.tasks})

    def counts(self) -> dict[str, int]:
        counted = Counter(self.states.values())
        return {state: counted.get(state, 0) for state in STATES}


def load_project_state(client: LabelStudioClient, source_ref: str | int, scores_for: ScoresFor, *,
                       threshold: float = 0.8, review_title: str | None = None, overlap: bool = True) -> ProjectState:
    """The state of the source project; `overlap=False` leaves the tasks' `overlap` and `is_labeled` out (one
    listing less: `status` and the dataset commands never read them)."""
    source = client.project(source_ref)
    tasks = read_project(client, source["id"], overlap=overlap)
    default = review_title or default_review_title(source["title"])
    titles = [default, *(t for t in linked_tier_titles(tasks) if t != default)]
    review_projects = [found[0] for found in map(client.projects_titled, titles) if found]
    review_project = next((p for p in review_projects if p["title"] == default), None)
    review_tasks = [t for p in review_projects for t in read_project(client, p["id"], overlap=False)]
    task_ids = {t["id"] for t in tasks}
    reviews = {r.source_task: r for r in read_reviews(review_tasks, source["id"]) if r.source_task in task_ids}
    under_review = {(t["data"].get(LINK_FIELD) or {}).get("source_task") for t in review_tasks}
    scores = scores_for(source["label_config"], tasks)
    states = task_states(tasks, reviews, under_review, scores, threshold, min_interpretations(source))
    return ProjectState(source, tasks, scores, review_project, review_tasks, reviews, states, client.user_emails(),
                        review_projects)
