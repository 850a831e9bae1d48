"""The backend's model as a bulk-inference worker (a Ray Data actor): built once per worker, one answer per task row.

`BatchPredictor` is a plain callable class (Ray Data runs it in an actor pool; nothing here imports Ray):
its constructor builds `LabelopsModel` for the labeling config — the same per-control models the backend
and the in-process engine use, weights loaded once per worker, images fetched through the backend's media
resolver — and each call answers a batch of rows `{id, data}` (task data as JSON text) with
`{id, result, score, model_version}` (result as JSON text). `describe` builds the model once to say its
model_version (or why the config cannot be served), before any task is sent.

Settings travel from the machine that starts the job as `SettingsOverrides`: only the values that differ
from the defaults, so a setting left at its default (the shipped detector's path) is the worker's own.
Their repr names the settings, never a value (the Label Studio token is one of them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from ml_backend.settings import BackendSettings


@dataclass(frozen=True)
class SettingsOverrides:
    """Backend settings that differ from the defaults, to apply on a worker; the repr shows names only."""

    values: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, settings: BackendSettings, **extra: Any) -> SettingsOverrides:
        """The fields of `settings` that differ from `BackendSettings()`'s, plus `extra`."""
        default = BackendSettings()
        values = {f.name: getattr(settings, f.name) for f in fields(settings)
                  if getattr(settings, f.name) != getattr(default, f.name)}
        return cls({**values, **extra})

    @classmethod
    def here(cls, label_studio_url: str, label_studio_api_key: str) -> SettingsOverrides:
        """This process's settings (environment, LABELOPS_BACKEND_CONFIG) as overrides; Label Studio's URL and
        token (for task media) are the given connection's unless the settings name them."""
        settings = BackendSettings.load()
        return cls.of(settings, label_studio_url=settings.label_studio_url or label_studio_url,
                      label_studio_api_key=settings.label_studio_api_key or label_studio_api_key)

    def settings(self) -> BackendSettings:
        """This worker's settings (its environment and config file) with the overrides on top."""
        settings = replace(BackendSettings.load(), **self.values)
        settings.check()
        return settings

    def __repr__(self) -> str:
        return f"SettingsOverrides({', '.join(sorted(self.values))})"


def describe(label_config: str, overrides: SettingsOverrides) -> tuple[str, str]:
    """(model_version, "") of the model a worker builds for the config, or ("", why it cannot be served)."""
    from ml_backend.model import LabelopsModel

    model = LabelopsModel(label_config=label_config, settings=overrides.settings())
    return model.model_version, model.unservable


class BatchPredictor:
    """One LabelopsModel per worker; `__call__` answers a batch of task rows in order (Ray Data's numpy format)."""

    def __init__(self, label_config: str, overrides: SettingsOverrides) -> None:
        from ml_backend.model import LabelopsModel

        self.model = LabelopsModel(label_config=label_config, settings=overrides.settings())

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        tasks = [{"id": int(i), "data": json.loads(d)} for i, d in zip(batch["id"], batch["data"], strict=True)]
        answers = self.model.predict(tasks)
        return {
            "id": np.asarray([t["id"] for t in tasks], dtype=np.int64),
            "result": np.asarray([json.dumps(a["result"]) for a in answers], dtype=object),
            "score": np.asarray([float(a["score"]) for a in answers], dtype=np.float64),
            "model_version": np.asarray([a["model_version"] for a in answers], dtype=object),
        }
