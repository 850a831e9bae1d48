"""The label-studio-ml model class: builds the per-tag models for a config and answers a batch of tasks.

label-studio-ml constructs this object per request; it is cheap because weights come from the
process-level cache in `ml_backend.weights`.
"""

from __future__ import annotations

from typing import Any

from label_studio_ml.model import LabelStudioMLBase

from ml_backend.controls.base import NotServable, log
from ml_backend.controls.registry import build_models
from ml_backend.regions import task_score
from ml_backend.settings import BackendSettings


def model_version_for(versions: list[str], settings: BackendSettings) -> str:
    """MODEL_VERSION when set, else `labelops-` + the served weights' tags (stable across processes)."""
    return settings.model_version or "labelops-" + "+".join(sorted(set(versions)))


class LabelopsModel(LabelStudioMLBase):
    """One object per request: servable models for `label_config`, or `unservable` with the reason."""

    def __init__(self, label_config: str | None = None, settings: BackendSettings | None = None, **kwargs: Any):
        super().__init__(label_config=label_config, **kwargs)
        self.settings = settings or BackendSettings.load()
        self.models, self.skipped, self.unservable = [], [], ""
        try:
            self.models, self.skipped = build_models(label_config or "", self.settings)
        except NotServable as exc:
            self.unservable = str(exc)
        self.model_version = model_version_for([m.version for m in self.models], self.settings) if self.models else ""

    def predict(self, tasks: list[dict], **kwargs: Any) -> list[dict]:
        """Exactly one prediction per task, in order: {"result", "score", "model_version"}."""
        if self.unservable:
            log.warning("predict: %d task(s) answered empty: %s", len(tasks), self.unservable)
            return [{"result": [], "score": 0.0, "model_version": self.model_version} for _ in tasks]
        per_task: list[list[dict]] = [[] for _ in tasks]
        for model in self.models:
            outcomes = model.predict_tasks(tasks)
            for i, outcome in enumerate(outcomes):
                if outcome.error:
                    log.warning("task %s, control '%s': no prediction: %s", tasks[i].get("id"), model.from_name,
                                outcome.error)
                per_task[i].extend(outcome.regions)
            if model.dropped:
                log.info("control '%s': dropped unmapped model classes %s", model.from_name, model.dropped)
        return [{"result": regions, "score": task_score(regions), "model_version": self.model_version}
                for regions in per_task]
