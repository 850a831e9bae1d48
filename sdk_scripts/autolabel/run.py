"""`labelops autolabel`: accept confident predictions as labels, mark them, and send an audit sample to review (I/O).

One run, holding the source project's review lock (`review.lock`, shared with `review push` / `pull`):

1. reads the project, its tasks and its review project (`review.project_state`);
2. refuses, before any write, when the open audit round measured a precision below the target (`audit`), when
   the model version has no predictions, or when calibration (`--target-precision`) cannot be done (`calibration`);
3. with `reset`, closes the open round (`plan.plan_reset`): withdrawn labels lose their marker, their tasks go
   back to annotators (`is_labeled` false) and their unreviewed audit review tasks are deleted;
4. marks each accepted task (`marks`: its meta's `labelops_auto`, other keys kept) and sets `is_labeled`, so
   Label Studio's labeling stream no longer serves it to annotators (a PATCH that recomputes nothing, as
   `review.overlap` does). Label Studio recomputes `is_labeled` (distinct annotators >= overlap) when an
   annotation is saved on the task, and for every task when the project's overlap settings change
   (`projects/models.py`, `_update_tasks_states`); a rerun sets it again on auto-labelled tasks nobody labelled;
5. creates the review task of every audited label of the round that has none (`audit_tasks`), in the review
   project `review push` uses, and records it in the source task's meta as `review push` does.

A rerun finds the markers and review tasks in Label Studio and writes only what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sdk_scripts.autolabel.audit import AuditStatus, audit_status
from sdk_scripts.autolabel.audit_tasks import audit_review_task
from sdk_scripts.autolabel.calibration import MIN_LABELLED, Calibration, calibrate, labelled_pairs
from sdk_scripts.autolabel.marks import AutoMark, mark_of, with_mark, without_mark
from sdk_scripts.autolabel.plan import AutolabelPlan, ResetPlan, Settings, plan_autolabel, plan_reset
from sdk_scripts.autolabel.predictions import has_human_labels
from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.review.export import export_records
from sdk_scripts.review.lock import project_lock
from sdk_scripts.review.placement import SOURCE_META_FIELD, is_reviewed, review_key
from sdk_scripts.review.project_state import ProjectState, load_project_state
from sdk_scripts.review.push import default_review_title, find_or_create_review_project
from sdk_scripts.review.review_project import settle_review_project
from sdk_scripts.task_files import KEY_FIELD

BATCH = 20


@dataclass(frozen=True)
class AutolabelOptions:
    """What `labelops autolabel` was asked: the model version (None: the project's), a fixed threshold or the target
    to calibrate one to, the audit fraction and its seed, the review project's title, reset, dry run."""

    model_version: str | None = None
    min_confidence: float | None = None
    target: float = 0.95
    audit: float = 0.05
    seed: int = 0
    min_labelled: int = MIN_LABELLED
    review_title: str | None = None
    reset: bool = False
    dry_run: bool = False


@dataclass
class AutolabelReport:
    """What a run did (or, dry, would do): the threshold and how it was set, the plan, the audit afterwards."""

    project: dict
    model_version: str
    threshold: float
    target: float
    plan: AutolabelPlan
    calibration: Calibration | None = None
    reset: ResetPlan | None = None
    review_project: dict | None = None
    audit_tasks_created: list[int] = field(default_factory=list)
    withdrawn_review_tasks: list[int] = field(default_factory=list)
    status: AuditStatus | None = None
    dry_run: bool = False
    messages: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "project": self.project["id"], "model_version": self.model_version, "threshold": self.threshold,
            "target": self.target, "calibration": self.calibration.to_json() if self.calibration else None,
            "round": self.plan.round, "auto_labelled": sorted(self.plan.marks), "audited": self.plan.audited,
            "passed_over": dict(self.plan.passed_over), "restored": self.plan.restore,
            "reset": None if self.reset is None else {"round": self.reset.round, "kept": sorted(self.reset.close),
                                                      "withdrawn": sorted(self.reset.withdraw)},
            "review_project": self.review_project["id"] if self.review_project else None,
            "audit_tasks_created": self.audit_tasks_created, "withdrawn_review_tasks": self.withdrawn_review_tasks,
            "audit": self.status.to_json() if self.status else None, "dry_run": self.dry_run,
            "messages": self.messages,
        }


def _no_scores(label_config: str, tasks: list[dict]) -> Mapping[int, float | None]:
    return {}  # agreement decides only pending vs agreed, which neither calibration nor marking reads


def autolabel(client: LabelStudioClient, project_ref: str | int, options: AutolabelOptions, *,
              lock: bool = True) -> AutolabelReport:
    """Run `labelops autolabel` on the project (see the module docstring); LabelopsError before any write when it
    cannot."""
    source = client.project(project_ref)
    if not lock:
        return _run(client, source, options)
    with project_lock(client.url, source["id"]):
        return _run(client, source, options)


def _model_version(client: LabelStudioClient, source: dict, wanted: str | None) -> str:
    version = wanted or source.get("model_version") or ""
    stored = client.model_versions(source["id"])
    if not version:
        raise LabelopsError(f"project {source['id']} has no model version set; name the predictions to accept with "
                            f"--model-version (stored: {', '.join(sorted(stored)) or 'none'})")
    if version not in stored:
        raise LabelopsError(f"project {source['id']} has no predictions of model version {version!r} (stored: "
                            f"{', '.join(sorted(stored)) or 'none'}); run `labelops lf predict` or the backend first")
    return version


def _threshold(state: ProjectState, options: AutolabelOptions, version: str) -> tuple[float, Calibration | None]:
    if options.min_confidence is not None:
        return options.min_confidence, None
    by_id = {t["id"]: t for t in state.tasks}
    calibration = calibrate(labelled_pairs(export_records(state), by_id, version), options.target,
                            min_labelled=options.min_labelled, model_version=repr(version))
    return calibration.threshold, calibration


def _run(client: LabelStudioClient, source: dict, options: AutolabelOptions) -> AutolabelReport:
    state = load_project_state(client, source["id"], _no_scores, review_title=options.review_title)
    version = _model_version(client, source, options.model_version)
    before = audit_status(state.tasks, state.reviews, target=options.target)
    if before.stopped and not options.reset:
        raise LabelopsError(before.stop_message(before.labelled - before.precision.total))
    threshold, calibration = _threshold(state, options, version)
    reset = plan_reset(state.tasks, state.reviews) if options.reset else None
    settings = Settings(version, threshold, options.target, options.audit, options.seed,
                        datetime.now(UTC).isoformat(timespec="seconds"))
    plan = plan_autolabel(state.tasks, settings, reset=reset)
    report = AutolabelReport(source, version, threshold, options.target, plan, calibration, reset,
                             dry_run=options.dry_run)
    if options.audit == 0 and plan.marks:
        report.messages.append("--audit 0: no audit sample, so nothing measures these auto-labels' precision")
    if options.dry_run:
        report.status = before
        return report
    by_id = {t["id"]: t for t in state.tasks}
    if reset is not None:
        _apply_reset(client, state, reset, report)
    for task_id, mark in plan.marks.items():
        _write_mark(client, by_id[task_id], mark)
    for task_id in plan.restore:
        client.update_task(task_id, is_labeled=True)
    _push_audits(client, source, state, options, report)
    report.status = audit_status(state.tasks, state.reviews, target=options.target)
    return report


def _write_mark(client: LabelStudioClient, task: dict, mark: AutoMark) -> None:
    """The marker and `is_labeled` in one PATCH (the task leaves the annotators' stream)."""
    meta = with_mark(task.get("meta"), mark)
    client.update_task(task["id"], meta=meta, is_labeled=True)
    task["meta"], task["is_labeled"] = meta, True


def _apply_reset(client: LabelStudioClient, state: ProjectState, reset: ResetPlan, report: AutolabelReport) -> None:
    """Close the open round: keep decided audits (closed), withdraw the rest and their unreviewed audit tasks."""
    by_id = {t["id"]: t for t in state.tasks}
    keys = {review_key(state.source["id"], i) for i in reset.withdraw}
    for review_task in state.review_tasks:
        if (review_task.get("data") or {}).get(KEY_FIELD) in keys and not is_reviewed(review_task) \
                and review_task["id"] not in report.withdrawn_review_tasks:
            client.delete_task(review_task["id"])
            report.withdrawn_review_tasks.append(review_task["id"])
    withdrawn_ids = set(report.withdrawn_review_tasks)
    state.review_tasks = [t for t in state.review_tasks if t["id"] not in withdrawn_ids]
    for task_id, mark in reset.close.items():
        task = by_id[task_id]
        meta = with_mark(task.get("meta"), mark)
        client.update_task(task_id, meta=meta)
        task["meta"] = meta
    for task_id in reset.withdraw:
        task = by_id[task_id]
        meta = _unlinked(without_mark(task.get("meta")), withdrawn_ids)
        fields: dict = {"meta": meta}
        if not has_human_labels(task):
            fields["is_labeled"] = False  # back in the annotators' stream
        client.update_task(task_id, **fields)
        task["meta"] = meta


def _unlinked(meta: dict, review_task_ids: set[int]) -> dict:
    """A source task's meta without its links to the given (deleted) review tasks."""
    links = meta.get(SOURCE_META_FIELD)
    if not isinstance(links, dict):
        return meta
    kept = {title: link for title, link in links.items()
            if not (isinstance(link, dict) and link.get("task") in review_task_ids)}
    return {**meta, SOURCE_META_FIELD: kept} if kept else {k: v for k, v in meta.items() if k != SOURCE_META_FIELD}


def _push_audits(client: LabelStudioClient, source: dict, state: ProjectState, options: AutolabelOptions,
                 report: AutolabelReport) -> None:
    """A review task for every audited label of the round that has none, then each source task's link to it."""
    audited = {t["id"]: (t, m) for t in state.tasks if (m := mark_of(t)) is not None and not m.closed and m.audit
               and m.round == report.plan.round}
    if not audited:
        return
    title = options.review_title or default_review_title(source["title"])
    project = find_or_create_review_project(client, source, state.tasks, title, report.messages)
    report.review_project = project
    existing = {(t.get("data") or {}).get(KEY_FIELD): t["id"] for t in client.iter_tasks(project["id"])}
    missing = [(task, mark) for task_id, (task, mark) in sorted(audited.items())
               if review_key(source["id"], task_id) not in existing]
    for start in range(0, len(missing), BATCH):
        batch = missing[start:start + BATCH]
        ids = client.import_tasks(project["id"], [audit_review_task(source, task, mark) for task, mark in batch])
        for (task, _), review_task_id in zip(batch, ids, strict=True):
            existing[review_key(source["id"], task["id"])] = review_task_id
            report.audit_tasks_created.append(review_task_id)
    for task_id, (task, _) in sorted(audited.items()):
        _link(client, task, project, existing[review_key(source["id"], task_id)])
    settle_review_project(client, project, source)


def _link(client: LabelStudioClient, task: dict, project: dict, review_task_id: int) -> None:
    """Record on the source task which review task audits it (`labelops_review_tasks`, as `review push` does)."""
    meta = dict(task.get("meta") if isinstance(task.get("meta"), dict) else {})
    links = dict(meta.get(SOURCE_META_FIELD) if isinstance(meta.get(SOURCE_META_FIELD), dict) else {})
    link = {"project": project["id"], "task": review_task_id}
    if links.get(project["title"]) == link:
        return
    meta[SOURCE_META_FIELD] = {**links, project["title"]: link}
    client.update_task(task["id"], meta=meta)
    task["meta"] = meta
