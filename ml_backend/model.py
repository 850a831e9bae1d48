"""The backend's model class: builds the per-tag models for a config, answers a batch of tasks, queues training.

The server constructs this object per request; it is cheap because weights come from the
process-level cache in `ml_backend.weights`. When the request names a project that has trained
versions (see `ml_backend.active_learning`), the project's current version is served and its
model_version (`labelops-p<project>-v<N>`) is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ml_backend.active_learning import project_settings
from ml_backend.active_learning.versions import ServingRun, serving_run
from ml_backend.controls.base import NotServable
from ml_backend.controls.registry import build_models
from ml_backend.protocol import MLBackendModel
from ml_backend.regions import task_score
from ml_backend.settings import BackendSettings
from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.project_ids import project_id_from

log = logging.getLogger(__name__)

_UNSET: Any = object()
TRAIN_EVENTS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED", "START_TRAINING")


def model_version_for(versions: list[str], settings: BackendSettings) -> str:
    """MODEL_VERSION when set, else `labelops-` + the served weights' tags (stable across processes)."""
    return settings.model_version or "labelops-" + "+".join(sorted(set(versions)))


@dataclass
class TaskPrediction:
    """One task's prediction plus what batch strategies need (not sent to Label Studio)."""

    result: list[dict]
    score: float
    embedding: Any = None

    def as_json(self, model_version: str) -> dict:
        return {"result": self.result, "score": self.score, "model_version": model_version}


class LabelopsModel(MLBackendModel):
    """One object per request: servable models for `label_config`, or `unservable` with the reason."""

    def __init__(self, label_config: str | None = None, settings: BackendSettings | None = None,
                 project: Any = None, run: ServingRun | None = _UNSET, **kwargs: Any):
        super().__init__(label_config=label_config)
        self.project = project_id_from(project)
        self.settings = project_settings.effective(settings or BackendSettings.load(), self.project)
        if run is _UNSET:
            run = serving_run(self.settings.versions_root(), project, self.settings.keep_versions)
        self.run: ServingRun | None = run
        self.models, self.skipped, self.unservable = [], [], ""
        try:
            self.models, self.skipped = build_models(label_config or "", self.settings, self.run)
        except NotServable as exc:
            self.unservable = str(exc)
        for model in self.models:
            model.project_id = self.project
        if not self.models:
            self.model_version = ""
        elif self.run is not None:
            self.model_version = self.run.model_version
        else:
            self.model_version = model_version_for([m.version for m in self.models], self.settings)

    def predict_detailed(self, tasks: list[dict]) -> list[TaskPrediction]:
        """Exactly one TaskPrediction per task, in order."""
        if self.unservable:
            log.warning("predict: %d task(s) answered empty: %s", len(tasks), self.unservable)
            return [TaskPrediction([], 0.0) for _ in tasks]
        out = [TaskPrediction([], 0.0) for _ in tasks]
        uncertainties: list[list[float]] = [[] for _ in tasks]
        for model in self.models:
            outcomes = model.predict_tasks(tasks)
            for i, outcome in enumerate(outcomes):
                if outcome.error:
                    log.warning("task %s, control '%s': no prediction: %s", tasks[i].get("id"), model.from_name,
                                outcome.error)
                out[i].result.extend(outcome.regions)
                if outcome.uncertainty is not None:
                    uncertainties[i].append(outcome.uncertainty)
                if outcome.embedding is not None and out[i].embedding is None:
                    out[i].embedding = outcome.embedding
            if model.dropped:
                log.info("control '%s': dropped unmapped model classes %s", model.from_name, model.dropped)
        for prediction, scores in zip(out, uncertainties, strict=True):
            # task score: lowest = most valuable to label next (see ml_backend.regions)
            prediction.score = round(min(scores), 6) if scores else task_score(prediction.result)
        return out

    def predict(self, tasks: list[dict], context: dict | None = None, **kwargs: Any) -> list[dict]:
        """Exactly one prediction per task, in order: {"result", "score", "model_version"}."""
        return [p.as_json(self.model_version) for p in self.predict_detailed(tasks)]

    def fit(self, event: str, data: dict, queue: Any = None, **kwargs: Any) -> dict:
        """An annotation event or START_TRAINING, for the project's training queue.

        Label Studio decides when to train: START_TRAINING ("Start Training" on the model page, and Label
        Studio's own trigger every N annotations when "Start model training on annotation submission"
        is on) starts a run at once, or one follow-up if a run is going. Annotation events are counted
        (`al status` shows them) and start nothing, so the project's toggle says what happens.
        """
        if event not in TRAIN_EVENTS or queue is None or self.project is None:
            return super().fit(event, data)
        if event == "ANNOTATIONS_DELETED":
            count = len(data.get("annotations") or []) or 1
        else:
            count = 0 if event == "START_TRAINING" else 1
        status = queue.notify(self.project, count, force=event == "START_TRAINING",
                              count_only=event != "START_TRAINING")
        return {"status": status, "project": self.project, "action": event}


def in_process_predictor(label_config: str) -> tuple[str, Callable[[list[dict]], list[dict]]]:
    """(model_version, predict) of this model in the calling process (`labelops preannotate` without --backend)."""
    model = LabelopsModel(label_config=label_config)
    if model.unservable:
        raise LabelopsError(model.unservable)
    return model.model_version, model.predict
