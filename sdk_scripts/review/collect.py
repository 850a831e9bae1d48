"""`labelops review pull`: bring reviewers' decisions back to the source project.

For every review task with a submitted review, the adjudicated result (the review annotation minus
the reviewer's own fields) is written to the source task as a ground-truth annotation, so Label
Studio itself shows the final label. "no clear label" quarantines the task instead (and removes the
ground-truth annotation an earlier decision of that review had written). Re-running changes
nothing unless a review changed; two pulls of one project on one machine take turns (`review.lock`).
The run's outcome goes to OUT as reviews.jsonl, states.jsonl and summary.json.

Label Studio counts a ground-truth annotation like any other: it is one more in the task's
"Annotations" column, and its author (the token's user) one more of the distinct annotators that
mark a task labeled (`is_labeled`: distinct `completed_by` >= the task's overlap). Written on a task
that still waits for annotators, it would take the task out of their queue one annotation early; so
the ground truth of such a task waits (`waiting`) until all its annotators have answered, and a later
pull writes it. An auto-labelled task (`labelops autolabel`) waits for nobody: its audit decision is written at once.

Auto-label audits (`autolabel.audit`): the pull also reports the open audit round's measured precision (accepted
of decided audit reviews, with its Wilson interval) against the target; below it, auto-labeling is stopped and
the next `labelops autolabel` refuses until `--reset-audit`. It goes to summary.json as `auto_label_audit`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sdk_scripts.autolabel.audit import AuditStatus, audit_status
from sdk_scripts.autolabel.marks import mark_of
from sdk_scripts.errors import LabelopsError
from sdk_scripts.fileio import write_text_atomically
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.review.annotations import ground_truth, interpretations
from sdk_scripts.review.lock import project_lock
from sdk_scripts.review.project_state import ProjectState, ScoresFor, load_project_state
from sdk_scripts.review.review_config import DECISION_QUARANTINE
from sdk_scripts.review.reviews import ADJUDICATION_META_FIELD, Review


@dataclass
class CollectReport:
    state: ProjectState
    written: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)  # source tasks whose ground truth waits for annotators
    audit: AuditStatus | None = None  # the open auto-label audit round, when the project has auto-labels


def missing_annotators(task: dict) -> int:
    """How many more annotators the task waits for: its overlap minus the distinct annotators so far (pure)."""
    overlap = task.get("overlap")
    wanted = overlap if isinstance(overlap, int) and not isinstance(overlap, bool) else 1
    return max(0, wanted - len({a.get("completed_by") for a in interpretations(task)}))


def _same_result(a: list[dict], b: list[dict]) -> bool:
    def canonical(result: list[dict]) -> list[str]:
        return sorted(json.dumps({k: r.get(k) for k in ("from_name", "to_name", "type", "value")}, sort_keys=True)
                      for r in result)

    return canonical(a) == canonical(b)


def collect_reviews(client: LabelStudioClient, source_ref: str | int, scores_for: ScoresFor, *,
                    threshold: float = 0.8, review_title: str | None = None, lock: bool = True) -> CollectReport:
    """Write every submitted review back; holds the source project's review lock (see `review.lock`)."""
    source_id = client.project(source_ref)["id"]
    if not lock:
        return _collect(client, source_id, scores_for, threshold, review_title)
    with project_lock(client.url, source_id):
        return _collect(client, source_id, scores_for, threshold, review_title)


def _collect(client: LabelStudioClient, source_id: int, scores_for: ScoresFor, threshold: float,
             review_title: str | None) -> CollectReport:
    state = load_project_state(client, source_id, scores_for, threshold=threshold, review_title=review_title)
    if not state.review_projects:
        raise LabelopsError(
            f"project {state.source['id']} has no review project yet; run `labelops review push "
            f"{state.source['id']}` first"
        )
    report = CollectReport(state)
    tasks = {t["id"]: t for t in state.tasks}
    for review in state.reviews.values():
        _write_back(client, tasks[review.source_task], review, report)
    status = audit_status(state.tasks, state.reviews)
    report.audit = status if status.labelled else None
    return report


def _write_back(client: LabelStudioClient, task: dict, review: Review, report: CollectReport) -> None:
    """Make the source task's ground truth match the review; only ever touch the annotation we wrote.

    Ground-truth annotations made by people in Label Studio are left alone. After a cut-off run the
    annotation we wrote is recognised by its result, so a rerun never writes it twice.
    """
    truths = ground_truth(task)
    ours = next((a for a in truths if a["id"] == review.adjudication), None)
    if review.decision == DECISION_QUARANTINE or not review.decision:
        if ours is not None:
            client.delete_annotation(ours["id"])
            report.removed.append(task["id"])
            _remember(client, review, None)
        return
    if ours is None:
        ours = next((a for a in truths if _same_result(a.get("result") or [], review.result)), None)
    if ours is None and missing_annotators(task) and mark_of(task) is None:
        report.waiting.append(task["id"])  # written by a later pull, once every annotator has answered
        return
    if ours is None:
        ours = client.create_annotation(task["id"], review.result, ground_truth=True)
        report.written.append(task["id"])
    elif not _same_result(ours.get("result") or [], review.result):
        client.update_annotation(ours["id"], result=review.result, ground_truth=True)
        report.updated.append(task["id"])
    if review.adjudication != ours["id"]:
        _remember(client, review, ours["id"])


def _remember(client: LabelStudioClient, review: Review, annotation_id: int | None) -> None:
    task = client.task(review.review_task) or {}
    meta = dict(task.get("meta") or {})
    meta[ADJUDICATION_META_FIELD] = annotation_id
    client.update_task(review.review_task, meta=meta)
    review.adjudication = annotation_id


def write_collect_output(report: CollectReport, out_dir: Path) -> None:
    """reviews.jsonl, states.jsonl and summary.json in OUT, each written atomically."""
    state = report.state

    def write(name: str, text: str) -> None:
        write_text_atomically(out_dir / name, text)

    reviews = sorted(state.reviews.values(), key=lambda r: r.source_task)
    write("reviews.jsonl", "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in reviews))
    write("states.jsonl", "".join(json.dumps({"task": t, "state": s}) + "\n" for t, s in sorted(state.states.items())))
    summary = {
        "source_project": state.source["id"],
        "review_project": state.review_project["id"] if state.review_project else None,
        "review_projects": [p["id"] for p in state.review_projects],
        "states": state.counts(),
        "ground_truth_written": report.written,
        "ground_truth_updated": report.updated,
        "ground_truth_removed": report.removed,
        "ground_truth_waiting_for_annotators": report.waiting,
        "orphaned_review_tasks": state.orphaned,
        "auto_label_audit": report.audit.to_json() if report.audit else None,
    }
    write("summary.json", json.dumps(summary, indent=2) + "\n")
