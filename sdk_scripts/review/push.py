"""`labelops review push`: send disagreements to a review project, once, refreshed when they change.

Each picked source task becomes one review task keyed `review:<source project>:<source task>` (its
`labelops_key`), carrying the source data, a `review_info` text saying why it is there, every
annotator's answer side by side (`review_versions`, with their names, self-rated confidence, flags and
comment; `review.versions`), its agreement and the reasons it was picked as Data Manager columns, a
machine-readable link back (`labelops_review`: source ids, annotation ids, agreement, reasons,
fingerprint), and every annotator's annotation as a prediction named after them plus the `consensus`
prediction the labeling stream pre-fills (blank unless everyone agreed). A review task and its
predictions are created in one import request, so a push cut off at any point leaves whole review
tasks only, and a rerun creates exactly the missing ones. A source task whose annotations changed
since its review task was made (or a review task made by an older labelops, without the table) gets
that review task refreshed in place. The review project carries reviewer instructions and a Data
Manager tab of its own (`review.review_project`).

Concurrent runs: on one machine `review.lock` lets one push of a source project run at a time. Runs
that still overlap (other machines) are made safe after the fact: after creating, a push lists the
review project again and removes duplicates, so every run keeps the same one (the review task that
has a review, else the lowest id; a reviewed duplicate is never deleted), and a review project
created twice is folded into the one with the lowest id. Each source task records its review task
per review project title in its meta (`labelops_review_tasks`), so pushing to another review
project (`--review-project`) neither repoints the first one's links nor reads as a deletion.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sdk_scripts.errors import LabelopsError, NotFoundError
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.project_titles import TITLE_MAX
from sdk_scripts.review.annotations import fingerprint, interpretations
from sdk_scripts.review.lock import project_lock
from sdk_scripts.review.review_config import REVIEW_INFO, REVIEW_VERSIONS, compose_review_config
from sdk_scripts.review.review_project import (
    AGREEMENT_FIELD,
    LINK_FIELD,
    PICKED_FOR_FIELD,
    review_project_fields,
    settle_review_project,
)
from sdk_scripts.review.selection import ReviewPick, select_for_review
from sdk_scripts.review.versions import review_predictions, versions_table
from sdk_scripts.task_files import KEY_FIELD

__all__ = ["LINK_FIELD", "PushReport", "push_reviews"]
SOURCE_META_FIELD = "labelops_review_tasks"  # {review project title: {"project": id, "task": id}}
LEGACY_META_FIELD = "labelops_review_task"  # before: {"project": id, "task": id}, default title only


@dataclass
class PushReport:
    review_project: dict
    picks: list[ReviewPick]
    created: list[int] = field(default_factory=list)
    refreshed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    orphaned: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    duplicates_removed: list[int] = field(default_factory=list)


def orphaned_review_tasks(review_tasks: list[dict], source_id: int, source_task_ids: set[int]) -> list[int]:
    """Review tasks of this source project whose source task no longer exists."""
    return [t["id"] for t in review_tasks
            if (t["data"].get(LINK_FIELD) or {}).get("source_project") == source_id
            and (t["data"].get(LINK_FIELD) or {}).get("source_task") not in source_task_ids]


def default_review_title(source_title: str) -> str:
    """`<title> [review]`, the source title shortened to fit Label Studio's 50-character limit."""
    suffix = " [review]"
    return f"{source_title[:TITLE_MAX - len(suffix)].rstrip()}{suffix}"


def review_key(source_project_id: int, source_task_id: int) -> str:
    return f"review:{source_project_id}:{source_task_id}"


def annotator_email(annotation: dict, users: Mapping[int, Mapping]) -> str:
    user = annotation.get("completed_by")
    if not isinstance(user, int):
        return str(user)
    return str((users.get(user) or {}).get("email") or f"user {user}")


def organization_users(client: LabelStudioClient) -> dict[int, dict]:
    """User id -> the user as Label Studio lists it (email, first_name, last_name) for the whole organization."""
    users = client._raw("GET", "api/users/", "list the organization's users")
    return {u["id"]: u for u in users or [] if isinstance(u, dict) and isinstance(u.get("id"), int)}


def build_review_task(source_project: dict, task: dict, pick: ReviewPick, users: Mapping[int, Mapping],
                      threshold: float) -> dict:
    """The import payload of one review task (data + one prediction per annotator + the consensus one)."""
    versions = interpretations(task)
    agreement = "n/a" if pick.agreement is None else f"{pick.agreement:.2f}"
    info = (
        f"Source: project {source_project['id']} '{source_project['title']}', task {task['id']}. "
        f"Agreement {agreement} (threshold {threshold:.2f}). Why here: {pick.describe()}. "
        f"{len(versions)} annotator(s) answered; the labels below start blank unless they all agree. "
        "To start from one annotator's answer, open this task from the Data Manager, click their tab and "
        "choose Duplicate Annotation in its menu."
    )
    data = {k: v for k, v in task["data"].items() if k != KEY_FIELD}
    data[REVIEW_INFO] = info
    data[REVIEW_VERSIONS] = versions_table(versions, users)
    data[AGREEMENT_FIELD] = None if pick.agreement is None else round(pick.agreement, 3)
    data[PICKED_FOR_FIELD] = pick.describe()
    data[KEY_FIELD] = review_key(source_project["id"], task["id"])
    data[LINK_FIELD] = {
        "source_project": source_project["id"],
        "source_task": task["id"],
        "annotation_ids": [a["id"] for a in versions],
        "annotators": [annotator_email(a, users) for a in versions],
        "agreement": pick.agreement,
        "reasons": list(pick.reasons),
        "fingerprint": fingerprint(versions),
        "pushed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return {"data": data, "predictions": review_predictions(versions, users, pick.agreement)}


def recorded_links(task: dict, title: str, default_title: str) -> dict | None:
    """The review task a source task's meta records for review project `title` ({"project", "task"})."""
    meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
    links = meta.get(SOURCE_META_FIELD)
    link = links.get(title) if isinstance(links, dict) else None
    if link is None and title == default_title and isinstance(meta.get(LEGACY_META_FIELD), dict):
        link = meta[LEGACY_META_FIELD]
    return link if isinstance(link, dict) else None


def _find_or_create_review_project(client: LabelStudioClient, source: dict, tasks: list[dict], title: str,
                                   report_messages: list[str]) -> dict:
    config = compose_review_config(source["label_config"])
    found = client.projects_titled(title)
    if len(found) > 1:
        ids = ", ".join(str(p["id"]) for p in found)
        raise LabelopsError(f"several review projects are titled {title!r} (ids {ids}); keep one")
    if found:
        project = client.project(found[0]["id"])
        if project["label_config"] != config:
            project = client.update_project(project["id"], label_config=config)
            report_messages.append(f"review project {project['id']}: labeling config updated (the source's "
                                   "controls and the reviewer's view)")
        return project
    default = default_review_title(source["title"])
    earlier = sorted({link.get("project") for t in tasks if (link := recorded_links(t, title, default))
                      and isinstance(link.get("project"), int)})
    if earlier:
        report_messages.append(
            f"review project {title!r} (id {', '.join(map(str, earlier))}) no longer exists - it was deleted "
            "by hand; creating it again and pushing every current disagreement to it"
        )
    created = client.create_project(title=title, label_config=config, **review_project_fields(source))
    # Another run (on another machine) may have created it at the same moment: all keep the lowest id.
    ids = sorted(p["id"] for p in client.projects_titled(title))
    if ids and ids[0] != created["id"]:
        client.delete_project(created["id"])  # ours is empty: nothing was pushed to it yet
        return client.project(ids[0])
    return created


def _keeper(copies: list[dict]) -> dict:
    """Which of several review tasks for one source task stays: the first reviewed one, else the lowest id."""
    reviewed = [t for t in copies if t.get("annotations") or t.get("total_annotations")]
    return min(reviewed or copies, key=lambda t: t["id"])


def _remove_duplicates(client: LabelStudioClient, review_tasks: list[dict], report: PushReport) -> dict[str, dict]:
    """key -> the one review task kept per key; unreviewed duplicates are deleted (reviewed ones reported)."""
    by_key: dict[str, list[dict]] = {}
    for task in review_tasks:
        key = (task.get("data") or {}).get(KEY_FIELD)
        if isinstance(key, str):
            by_key.setdefault(key, []).append(task)
    kept = {}
    for key, copies in by_key.items():
        keep = kept[key] = _keeper(copies)
        for extra in copies:
            if extra["id"] == keep["id"]:
                continue
            if extra.get("annotations") or extra.get("total_annotations"):
                report.messages.append(f"review tasks {keep['id']} and {extra['id']} both hold a review of source "
                                       f"task {key.rsplit(':', 1)[-1]}; the first is used, delete the other by hand")
                continue
            with contextlib.suppress(NotFoundError):  # another run removed it first
                client.delete_task(extra["id"])
            report.duplicates_removed.append(extra["id"])
    return kept


def push_reviews(
    client: LabelStudioClient,
    source_ref: str | int,
    scores_for: Callable[[str, list[dict]], Mapping[int, float | None]],
    *,
    threshold: float = 0.8,
    qa_fraction: float = 0.05,
    seed: int = 0,
    review_title: str | None = None,
    batch_size: int = 20,
    on_batch: Callable[[int], None] | None = None,
    lock: bool = True,
    on_wait: Callable[[Path], None] | None = None,
) -> PushReport:
    """Pick disagreements in the source project and make or refresh their review tasks.

    With `lock` (the default) the push holds the source project's review lock (`review.lock`);
    `on_wait(lock_path)` is called once if another run holds it.
    """
    source = client.project(source_ref)
    if not lock:
        return _push(client, source, scores_for, threshold, qa_fraction, seed, review_title, batch_size, on_batch)
    with project_lock(client.url, source["id"], on_wait=on_wait):
        return _push(client, source, scores_for, threshold, qa_fraction, seed, review_title, batch_size, on_batch)


def _push(client: LabelStudioClient, source: dict, scores_for: Callable[[str, list[dict]], Mapping[int, float | None]],
          threshold: float, qa_fraction: float, seed: int, review_title: str | None, batch_size: int,
          on_batch: Callable[[int], None] | None) -> PushReport:
    tasks = list(client.iter_tasks(source["id"]))
    by_id = {t["id"]: t for t in tasks}
    scores = scores_for(source["label_config"], tasks)
    picks = select_for_review(tasks, scores, threshold=threshold, qa_fraction=qa_fraction, seed=seed)
    messages: list[str] = []
    title = review_title or default_review_title(source["title"])
    review_project = _find_or_create_review_project(client, source, tasks, title, messages)
    report = PushReport(review_project, picks, messages=messages)

    existing = _remove_duplicates(client, list(client.iter_tasks(review_project["id"])), report)
    report.orphaned = orphaned_review_tasks(list(existing.values()), source["id"], set(by_id))

    users = organization_users(client)
    to_create: list[tuple[int, dict]] = []
    for pick in picks:
        task = by_id[pick.task_id]
        payload = build_review_task(source, task, pick, users, threshold)
        current = existing.get(payload["data"][KEY_FIELD])
        if current is None:
            to_create.append((task["id"], payload))
        elif _outdated(current, payload):
            _refresh(client, current, payload)
            report.refreshed.append(current["id"])
        else:
            report.unchanged.append(current["id"])

    created: dict[str, int] = {}
    for start in range(0, len(to_create), batch_size):
        batch = to_create[start : start + batch_size]
        ids = client.import_tasks(review_project["id"], [payload for _, payload in batch])
        created.update({payload["data"][KEY_FIELD]: i for (_, payload), i in zip(batch, ids, strict=True)})
        if on_batch is not None:
            on_batch(len(batch))
    if created:
        # Check after creating: a run that overlapped ours made the same review tasks; keep one of each.
        existing = _remove_duplicates(client, list(client.iter_tasks(review_project["id"])), report)
        for key, review_task_id in created.items():
            kept = existing.get(key, {}).get("id")
            if kept == review_task_id:
                report.created.append(review_task_id)
            elif kept is not None:
                report.unchanged.append(kept)  # the other run's copy is the one kept
    for pick in picks:  # each source task records its review task (repairs links a cut-off run left out)
        current = existing.get(review_key(source["id"], pick.task_id))
        if current is not None:
            _link_source(client, by_id[pick.task_id], title, review_project["id"], current["id"])
    settle_review_project(client, review_project, source)
    return report


def _outdated(current: dict, payload: dict) -> bool:
    """The annotations changed since the review task was made, or an older labelops made it (no table)."""
    data = current.get("data") or {}
    return ((data.get(LINK_FIELD) or {}).get("fingerprint") != payload["data"][LINK_FIELD]["fingerprint"]
            or REVIEW_VERSIONS not in data)


def _link_source(client: LabelStudioClient, task: dict, title: str, review_project_id: int,
                 review_task_id: int) -> None:
    """Record on the source task which review task holds it in review project `title` (others untouched)."""
    meta = dict(task.get("meta") if isinstance(task.get("meta"), dict) else {})
    links = dict(meta.get(SOURCE_META_FIELD) if isinstance(meta.get(SOURCE_META_FIELD), dict) else {})
    link = {"project": review_project_id, "task": review_task_id}
    if links.get(title) == link:
        return
    links[title] = link
    meta[SOURCE_META_FIELD] = links
    client.update_task(task["id"], meta=meta)


def _refresh(client: LabelStudioClient, current: dict, payload: dict) -> None:
    """Replace a review task's versions; the data (with the new fingerprint) is written last."""
    for prediction in current.get("predictions") or []:
        client.delete_prediction(prediction["id"])
    for prediction in payload["predictions"]:
        client.create_prediction(current["id"], prediction["result"], prediction["score"], prediction["model_version"])
    client.update_task(current["id"], data=payload["data"])
