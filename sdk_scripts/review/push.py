"""`labelops review push`: send disagreements to a review project, once, refreshed when they change.

Each picked source task becomes one review task keyed `review:<source project>:<source task>` (its
`labelops_key`), carrying the source data, a `review_info` text for the reviewer, a machine-readable
link back (`labelops_review`: source ids, annotation ids, agreement, reasons, fingerprint), and
every annotator's annotation as a prediction whose model_version names the annotator. A review
task and its predictions are created in one import request, so a push cut off at any point leaves
whole review tasks only, and a rerun creates exactly the missing ones. A source task whose
annotations changed since its review task was made gets that review task refreshed in place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sdk_scripts.client import LabelStudioClient
from sdk_scripts.errors import LabelopsError
from sdk_scripts.review.annotations import fingerprint, interpretations
from sdk_scripts.review.review_config import REVIEW_INFO, compose_review_config
from sdk_scripts.review.selection import ReviewPick, select_for_review
from sdk_scripts.task_files import KEY_FIELD

LINK_FIELD = "labelops_review"
SOURCE_META_FIELD = "labelops_review_task"


@dataclass
class PushReport:
    review_project: dict
    picks: list[ReviewPick]
    created: list[int] = field(default_factory=list)
    refreshed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    orphaned: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def orphaned_review_tasks(review_tasks: list[dict], source_id: int, source_task_ids: set[int]) -> list[int]:
    """Review tasks of this source project whose source task no longer exists."""
    return [t["id"] for t in review_tasks
            if (t["data"].get(LINK_FIELD) or {}).get("source_project") == source_id
            and (t["data"].get(LINK_FIELD) or {}).get("source_task") not in source_task_ids]


def default_review_title(source_title: str) -> str:
    return f"{source_title} [review]"


def review_key(source_project_id: int, source_task_id: int) -> str:
    return f"review:{source_project_id}:{source_task_id}"


def annotator_name(annotation: dict, emails: Mapping[int, str]) -> str:
    user = annotation.get("completed_by")
    return emails.get(user, f"user {user}") if isinstance(user, int) else str(user)


def build_review_task(source_project: dict, task: dict, pick: ReviewPick, emails: Mapping[int, str],
                      threshold: float) -> dict:
    """The import payload of one review task (data + one prediction per annotator)."""
    versions = interpretations(task)
    names = [annotator_name(a, emails) for a in versions]
    agreement = "n/a" if pick.agreement is None else f"{pick.agreement:.2f}"
    info = (
        f"Source: project {source_project['id']} '{source_project['title']}', task {task['id']}. "
        f"Agreement {agreement} (threshold {threshold:.2f}). Why here: {pick.describe()}. "
        f"Versions: {', '.join(names) or 'none'} - load one from the predictions, edit it if needed, "
        "then record your decision and reason below."
    )
    data = {k: v for k, v in task["data"].items() if k != KEY_FIELD}
    data[REVIEW_INFO] = info
    data[KEY_FIELD] = review_key(source_project["id"], task["id"])
    data[LINK_FIELD] = {
        "source_project": source_project["id"],
        "source_task": task["id"],
        "annotation_ids": [a["id"] for a in versions],
        "annotators": names,
        "agreement": pick.agreement,
        "reasons": list(pick.reasons),
        "fingerprint": fingerprint(versions),
        "pushed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    predictions = [
        {"model_version": f"annotator {name}", "score": pick.agreement or 0.0, "result": a.get("result") or []}
        for name, a in zip(names, versions, strict=True)
    ]
    return {"data": data, "predictions": predictions}


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
            report_messages.append(f"review project {project['id']}: labeling config updated to match the source")
        return project
    earlier = sorted({(t.get("meta") or {}).get(SOURCE_META_FIELD, {}).get("project") for t in tasks} - {None})
    if earlier:
        report_messages.append(
            f"review project {title!r} (id {', '.join(map(str, earlier))}) no longer exists - it was deleted "
            "by hand; creating it again and pushing every current disagreement to it"
        )
    return client.create_project(
        title=title,
        label_config=config,
        description=f"Review tasks for project {source['id']} '{source['title']}', made by labelops.",
        maximum_annotations=1,
        show_skip_button=False,
    )


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
) -> PushReport:
    """Pick disagreements in the source project and make or refresh their review tasks."""
    source = client.project(source_ref)
    tasks = list(client.iter_tasks(source["id"]))
    by_id = {t["id"]: t for t in tasks}
    scores = scores_for(source["label_config"], tasks)
    picks = select_for_review(tasks, scores, threshold=threshold, qa_fraction=qa_fraction, seed=seed)
    messages: list[str] = []
    title = review_title or default_review_title(source["title"])
    review_project = _find_or_create_review_project(client, source, tasks, title, messages)
    report = PushReport(review_project, picks, messages=messages)

    existing = {
        t["data"].get(KEY_FIELD): t for t in client.iter_tasks(review_project["id"]) if KEY_FIELD in t["data"]
    }
    report.orphaned = orphaned_review_tasks(list(existing.values()), source["id"], set(by_id))

    emails = client.user_emails()
    to_create: list[tuple[int, dict]] = []
    for pick in picks:
        task = by_id[pick.task_id]
        payload = build_review_task(source, task, pick, emails, threshold)
        current = existing.get(payload["data"][KEY_FIELD])
        if current is None:
            to_create.append((task["id"], payload))
        elif (current["data"].get(LINK_FIELD) or {}).get("fingerprint") != payload["data"][LINK_FIELD]["fingerprint"]:
            _refresh(client, current, payload)
            report.refreshed.append(current["id"])
        else:
            report.unchanged.append(current["id"])

    for start in range(0, len(to_create), batch_size):
        batch = to_create[start : start + batch_size]
        ids = client.import_tasks(review_project["id"], [payload for _, payload in batch])
        report.created += ids
        for (source_task_id, _), review_task_id in zip(batch, ids, strict=True):
            meta = dict(by_id[source_task_id].get("meta") or {})
            meta[SOURCE_META_FIELD] = {"project": review_project["id"], "task": review_task_id}
            client.update_task(source_task_id, meta=meta)
        if on_batch is not None:
            on_batch(len(batch))
    return report


def _refresh(client: LabelStudioClient, current: dict, payload: dict) -> None:
    """Replace a review task's versions; the data (with the new fingerprint) is written last."""
    for prediction in current.get("predictions") or []:
        client.delete_prediction(prediction["id"])
    for prediction in payload["predictions"]:
        client.create_prediction(current["id"], prediction["result"], prediction["score"], prediction["model_version"])
    client.update_task(current["id"], data=payload["data"])
