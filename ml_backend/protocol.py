"""Label Studio's ML-backend model interface (as label-studio-ml defines it), without label-studio-ml itself.

A backend model is built from the project's labeling config and answers `predict(tasks, context)`
with one prediction per task ({"result", "score", "model_version"}) and `fit(event, data)` with what
it did about a Label Studio event (annotation created/updated/deleted, START_TRAINING). The HTTP side
(`ml_backend.server`) speaks the protocol Label Studio 1.23 uses: /health, /setup, /predict, /webhook,
/versions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class MLBackendModel(ABC):
    """One model object per request, for one labeling config (and project)."""

    model_version: str = ""

    def __init__(self, label_config: str | None = None, **kwargs: Any) -> None:
        self.label_config = label_config or ""

    @abstractmethod
    def predict(self, tasks: list[dict], context: dict | None = None, **kwargs: Any) -> list[dict]:
        """Exactly one prediction per task, in order."""

    def fit(self, event: str, data: dict, **kwargs: Any) -> dict:
        """React to a Label Studio event; returns a JSON-able status. Default: nothing to do."""
        return {"status": "ignored", "action": event}
