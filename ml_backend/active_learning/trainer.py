"""One training run for one project, end to end.

1. Read the project's labeling config and every task (with annotations) from Label Studio.
2. Train each trainable tag into a staged version directory: every control class with an `artifact`
   trains itself (`ControlModel.train`; the capability table in docs/ml-backend.md says how each does).
   A tag that cannot be trained this time keeps the artifact of the version served now.
3. Publish: re-predict every task Label Studio can still serve (not yet labeled) with the new version,
   order them by the configured strategy and store the predictions in bulk.
4. Only then point `current` at the new version. Any failure before that discards the staged version
   and leaves the previous one serving; the history records why. Then Label Studio follows: the
   project's ML-backend row is titled by the new version and the project's model_version set to it
   (always, even with nothing left to predict) — so the labeling stream pre-fills and "Uncertainty
   sampling" orders by the new model at once.
5. Prune: the predictions of labelops versions no longer kept (KEEP_VERSIONS, failed runs) leave
   Label Studio, except those annotations were made against (`pruning.py`).

One run per project at a time across processes (an exclusive file lock); `rollback` reuses step 3
for an older version.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ml_backend.active_learning import project_settings
from ml_backend.active_learning.pruning import our_version_pattern, parked_name, plan_pruning, stale_versions
from ml_backend.active_learning.strategies import batch_scores
from ml_backend.active_learning.versions import ProjectVersions, ServingRun, model_version_name, serving_run
from ml_backend.controls.base import ControlModel
from ml_backend.controls.text_choices import TextZeroShot
from ml_backend.settings import BackendSettings
from sdk_scripts.labelstudio.project_ids import project_uid, project_uid_parts

log = logging.getLogger(__name__)
PUBLISH_CHUNK = 500


class TrainingFailed(Exception):
    """A run that produced no new version; the message says why."""


@dataclass
class RunReport:
    project: str
    version: int
    model_version: str
    annotated_tasks: int
    controls: dict[str, dict[str, Any]] = field(default_factory=dict)
    predicted: int = 0
    seconds: float = 0.0


def ls_client(settings: BackendSettings) -> Any:
    """The Label Studio client for LABEL_STUDIO_URL + LABEL_STUDIO_API_KEY (training needs both)."""
    if not settings.label_studio_url or not settings.label_studio_api_key:
        raise TrainingFailed("training needs LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY (or "
                             "LABEL_STUDIO_ACCESS_TOKEN) in the backend's settings")
    from sdk_scripts.labelstudio.client import LabelStudioClient
    from sdk_scripts.labelstudio.connection import Connection

    return LabelStudioClient(Connection(settings.label_studio_url.rstrip("/"), settings.label_studio_api_key))


@contextlib.contextmanager
def project_lock(store: ProjectVersions, wait: bool = True) -> Iterator[None]:
    """Exclusive per-project lock shared by every backend process on this disk."""
    store.dir.mkdir(parents=True, exist_ok=True)
    with open(store.dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TrainingFailed(f"project {store.project}: a training run or rollback is in progress") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _has_submission(task: dict) -> bool:
    return any(not a.get("was_cancelled") for a in task.get("annotations") or [])


# -- per-tag training ---------------------------------------------------------------------------


def _carry_over(model: ControlModel, current: ServingRun | None, staging: Path) -> bool:
    """Copy the served artifact of a tag that could not be retrained into the new version."""
    if current is None or model.artifact is None:
        return False
    path = model.artifact_path(current.path)
    if not path.is_file():
        return False
    shutil.copyfile(path, staging / path.name)
    return True


# -- publishing ---------------------------------------------------------------------------------


def publish(client: Any, project: str, label_config: str, settings: BackendSettings, run: ServingRun,
            tasks: list[dict] | None = None) -> int:
    """Re-predict the project's unlabeled tasks with `run` and store the predictions (in bulk, ordered by strategy).

    Tasks that already hold a prediction of this version are not predicted again (a rollback to a
    version, or a rerun after a crash, adds nothing twice). Returns the number of predictions stored.
    """
    from ml_backend.model import LabelopsModel

    project_id = int(project)
    tasks = list(client.iter_tasks(project_id)) if tasks is None else tasks
    todo = [{"id": t["id"], "data": t["data"]} for t in tasks
            if not t.get("is_labeled")
            and not any(p.get("model_version") == run.model_version for p in t.get("predictions") or [])]
    model = LabelopsModel(label_config, settings, project=project, run=run)
    if model.unservable:
        raise TrainingFailed(f"the new version cannot serve this project: {model.unservable}")
    predictions = []
    for start in range(0, len(todo), max(1, settings.batch_size) * 8):
        predictions.extend(model.predict_detailed(todo[start:start + max(1, settings.batch_size) * 8]))
    embeddings = [p.embedding for p in predictions]
    have_embeddings = bool(predictions) and all(e is not None for e in embeddings)
    labelled = [t for t in tasks if t.get("is_labeled")]
    labelled_embeddings = None
    if have_embeddings and settings.al_strategy == "diversity" and labelled:
        text_models = [m for m in model.models if isinstance(m, TextZeroShot)]
        if text_models:
            labelled_embeddings = text_models[0].encode(
                [str(t["data"].get(text_models[0].value_key, "")) for t in labelled])
    scores = batch_scores(settings.al_strategy, np.array([p.score for p in predictions]),
                          np.vstack(embeddings) if have_embeddings else None, k=settings.al_batch,
                          pool_factor=settings.hybrid_pool_factor, labelled_embeddings=labelled_embeddings)
    rows = [{"task": t["id"], "result": p.result, "score": round(float(s), 6), "model_version": run.model_version}
            for t, p, s in zip(todo, predictions, scores, strict=True)]
    for start in range(0, len(rows), PUBLISH_CHUNK):
        client.import_predictions(project_id, rows[start:start + PUBLISH_CHUNK])
    return len(rows)


def ours(title: str, prefix: str) -> bool:
    """Whether an ML-backend row title or model_version is one labelops gave (`<prefix>` or `<prefix>-...`)."""
    return title == prefix or title.startswith(f"{prefix}-")


def align_label_studio(client: Any, project: str, model_version: str, prefix: str,
                       auth: tuple[str, str] | None = None) -> None:
    """Make Label Studio show the version the backend now serves: the project's ML-backend row is titled by
    it (the model page) and the project's model_version is it (the labeling stream pre-fills its predictions,
    Uncertainty sampling orders by them). Rows of other backends are left alone.

    `auth`: the backend's own basic-auth credentials. Label Studio checks the row's /health again with the
    fields of the update only (the stored password is write-only), so a protected backend sends them along.
    """
    project_id = int(project)
    fields: dict[str, Any] = {}
    if auth is not None:
        fields = {"auth_method": "BASIC_AUTH", "basic_auth_user": auth[0], "basic_auth_pass": auth[1]}
    for row in client.ml_backends(project_id):
        title = str(row.get("title") or "")
        if title != model_version and ours(title, prefix):
            # Label Studio re-runs /health and /setup on update from the fields sent: send url + project
            client.update_ml_backend(int(row["id"]), url=row["url"], project=project_id, title=model_version,
                                     **fields)
    client.update_project(project_id, model_version=model_version)


def prune_stale_predictions(client: Any, project: str, settings: BackendSettings, store: ProjectVersions,
                            tasks: list[dict]) -> dict[str, Any]:
    """Remove from Label Studio the predictions of labelops versions no longer kept (see `pruning`).

    Each stale version goes in one request, the predictions annotated tasks keep set aside under a parked name
    meanwhile (two requests each, 8 at a time): the cost follows the annotations, not the project's size.
    A failure is logged and reported, never fails the run; what it left parked is named back by the next run.
    """
    prefix = settings.model_version or "labelops"
    deleted = 0

    def each(call: Any, ids: list[int]) -> None:  # one request per prediction, 8 in flight
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(call, ids))

    def rename(ids: list[int], name: str) -> None:
        each(lambda pid: client.update_prediction(pid, model_version=name), ids)

    try:
        counts = client.model_versions(int(project))
        stale = stale_versions(counts, prefix, project, store.versions())
        plan = plan_pruning(tasks, stale, our_version_pattern(prefix, project))
        for version in plan.whole_versions:
            kept = plan.keep.get(version, [])
            rename(kept, parked_name(version))
            try:
                deleted += client.delete_model_version(int(project), version, expected=counts.get(version, 0))
            finally:
                rename(kept, version)
        each(client.delete_prediction, plan.prediction_ids)
        for version in sorted(set(plan.parked.values()) - stale):  # left parked by an interrupted run
            rename([pid for pid, v in plan.parked.items() if v == version], version)
    except Exception as exc:
        log.warning("project %s: old predictions not pruned: %s", project, exc)
        return {"error": f"{type(exc).__name__}: {exc}"}
    if stale:
        log.info("project %s: pruned the predictions of %s (%d kept on annotated tasks)", project,
                 ", ".join(sorted(stale)), sum(plan.kept.values()))
    return {"versions": sorted(stale), "deleted": deleted + len(plan.prediction_ids), "kept": plan.kept}


# -- a run --------------------------------------------------------------------------------------


def train_project(project: str, settings: BackendSettings, client: Any = None) -> RunReport:
    """Train, publish and serve a new version of `project`; raises TrainingFailed (previous version kept)."""
    from ml_backend.model import LabelopsModel

    started = time.monotonic()
    settings = project_settings.effective(settings, project)
    store = ProjectVersions(settings.versions_root(), project, settings.keep_versions)
    with project_lock(store):
        for stale in store.dir.glob(".staging-v*"):  # left by a process killed mid-run
            shutil.rmtree(stale, ignore_errors=True)
        client = client or ls_client(settings)
        try:
            project_json = client.project(int(project))
            tasks = list(client.iter_tasks(int(project)))
        except Exception as exc:
            store.record({"event": "failed", "error": f"cannot read the project from Label Studio: {exc}"})
            raise TrainingFailed(f"project {project}: cannot read it from Label Studio: {exc}") from None
        annotated = [t for t in tasks if _has_submission(t)]
        uid = project_uid(project_json)
        if store.claim(project_uid_parts(uid)[1]):
            log.warning("project %s: the versions on disk belonged to an earlier project with this id (another "
                        "Label Studio database); moved to %s", project, store.dir / "retired")
        current = serving_run(settings.versions_root(), uid, settings.keep_versions)
        number, staging = store.reserve()
        report = RunReport(project, number, model_version_name(settings.model_version or "labelops", project, number),
                           len(annotated))
        try:
            served = LabelopsModel(project_json["label_config"], settings, project=project, run=current)
            if served.unservable:
                raise TrainingFailed(served.unservable)
            errors = {}
            for model in served.models:
                if model.artifact is None:
                    continue
                try:
                    report.controls[model.from_name] = model.train(annotated, staging)
                except Exception as exc:
                    errors[model.from_name] = f"{type(exc).__name__}: {exc}"
                    log.warning("project %s, control '%s': not retrained: %s", project, model.from_name, exc)
                    carried = _carry_over(model, current, staging)
                    report.controls[model.from_name] = {"error": errors[model.from_name], "carried_over": carried}
            if not any("error" not in c for c in report.controls.values()):
                raise TrainingFailed("; ".join(f"{k}: {v}" for k, v in errors.items()) or
                                     "no tag of this config can be trained")
            meta = {"model_version": report.model_version, "project": project, "version": number,
                    "annotated_tasks": len(annotated), "controls": report.controls,
                    "label_counts": {k: c.get("label_counts", {}) for k, c in report.controls.items()},
                    "trained_from": current.model_version if current else served.model_version,
                    "strategy": settings.al_strategy}
            store.finish(number, staging, meta)
            run = ServingRun(project, number, store.path(number), meta)
            report.predicted = publish(client, project, project_json["label_config"], settings, run, tasks)
        except Exception as exc:
            store.discard(staging)
            shutil.rmtree(store.path(number), ignore_errors=True)
            reason = str(exc) if isinstance(exc, TrainingFailed) else f"{type(exc).__name__}: {exc}"
            store.record({"event": "failed", "version": number, "annotated_tasks": len(annotated), "error": reason,
                          "serving": current.model_version if current else None})
            raise TrainingFailed(f"project {project}: run {number} failed, the previous version keeps serving: "
                                 f"{reason}") from None
        store.point(number)
        try:
            align_label_studio(client, project, report.model_version, settings.model_version or "labelops",
                               settings.basic_auth())
        except Exception as exc:  # serving already moved; Label Studio catches up at the next run or /setup
            log.warning("project %s: Label Studio not switched to %s: %s", project, report.model_version, exc)
        pruned = prune_stale_predictions(client, project, settings, store, tasks)
        report.seconds = round(time.monotonic() - started, 2)
        store.record({"event": "trained", "version": number, "model_version": report.model_version,
                      "annotated_tasks": len(annotated), "controls": report.controls, "predicted": report.predicted,
                      "pruned": pruned, "seconds": report.seconds})
        log.info("project %s: %s trained on %d annotated tasks in %.1f s, %d tasks re-predicted", project,
                 report.model_version, len(annotated), report.seconds, report.predicted)
        return report


def rollback_project(project: str, settings: BackendSettings, client: Any = None) -> dict[str, Any]:
    """Serve the previous kept version again (re-predicting unlabeled tasks that lack its predictions)."""
    settings = project_settings.effective(settings, project)
    store = ProjectVersions(settings.versions_root(), project, settings.keep_versions)
    with project_lock(store, wait=False):
        client = client or ls_client(settings)
        project_json = client.project(int(project))
        if not store.belongs_to(project_uid_parts(project_uid(project_json))[1]):
            raise TrainingFailed(f"project {project}: the versions on disk belong to an earlier project with this "
                                 "id (another Label Studio database); nothing to roll back to")
        before = store.current()
        target = store.previous()
        run = ServingRun(project, target, store.path(target), store.meta(target))
        predicted = publish(client, project, project_json["label_config"], settings, run)
        store.point(target)
        align_label_studio(client, project, run.model_version, settings.model_version or "labelops",
                           settings.basic_auth())
        entry = {"event": "rollback", "from_version": before, "version": target,
                 "model_version": run.model_version, "predicted": predicted}
        store.record(entry)
        return entry
