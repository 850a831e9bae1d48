"""The interface every per-tag model class answers, and the per-request context it gets."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend.active_learning.versions import ServingRun
from ml_backend.settings import BackendSettings

log = logging.getLogger(__name__)


class NotServable(Exception):
    """This control tag cannot be served with the current settings (reason in the message)."""


@dataclass
class TaskOutcome:
    """Regions proposed for one task by one control model, or why none.

    `uncertainty` is the active-learning score of this task for this control (lower = more valuable
    to label; None: the task score falls back to the lowest region score); `embedding` feeds the
    batch strategies (diversity, hybrid) at re-prediction.
    """

    regions: list[dict] = field(default_factory=list)
    error: str = ""
    uncertainty: float | None = None
    embedding: Any = None


class ControlModel(ABC):
    """One model serving one control tag of a labeling config."""

    kind: ClassVar[str] = ""
    # what the task's active-learning score is for this tag (lower = label sooner); the docs' table of
    # scores is built from these, and tests/unit/backend/test_task_scores.py checks each against the code
    served_as: ClassVar[str] = ""
    score_definition: ClassVar[str] = ("the lowest region score (the model's confidence in its least sure region); "
                                       "0 when it proposes nothing")
    # what it serves from (weights, setting); the capability table shows it
    serves_from: ClassVar[str] = ""
    # what a training run does for this tag ("no" when it is served only); the capability table shows it
    trains: ClassVar[str] = "no"
    # the file a training run writes for this tag, `<prefix>-<control><suffix>` in the version directory
    # (None: the tag does not train); carried into the next version when a run cannot retrain the tag
    artifact: ClassVar[tuple[str, str] | None] = None
    # what this tag serves now when that differs from `serves_from` (shown in /setup's answer); "" otherwise
    note: str = ""
    # the Label Studio project the request is for (cloud-storage media are resolved through it)
    project_id: str | None = None

    def __init__(self, control: ControlTag, settings: BackendSettings, run: ServingRun | None = None) -> None:
        self.control = control
        self.settings = settings
        self.run = run
        self.from_name = control.name
        self.to_name = control.to_name[0]
        self.value_key = control.objects[0].value_name
        self.labels = list(control.labels)
        self.dropped: dict[str, int] = {}

    @classmethod
    @abstractmethod
    def is_control_matched(cls, control: ControlTag, settings: BackendSettings) -> bool:
        """Whether this class is the one for that tag (tag type and object type)."""

    @classmethod
    def create(cls, control: ControlTag, settings: BackendSettings, run: ServingRun | None = None) -> ControlModel:
        """Build the model for the tag (the project's trained `run` when there is one); raises NotServable."""
        return cls(control, settings, run)

    @property
    @abstractmethod
    def version(self) -> str:
        """A short identity of the weights behind this model (part of model_version)."""

    @abstractmethod
    def predict_tasks(self, tasks: list[dict]) -> list[TaskOutcome]:
        """One outcome per task, in order; batched; never raises for a bad task."""

    def train(self, tasks: list[dict], staging: Path) -> dict[str, Any]:
        """Train this tag from the annotated `tasks` into `staging/<artifact file>`; the run history's summary.

        Only called for classes with an `artifact`; raises (any exception) when this run cannot train it.
        """
        raise NotImplementedError(f"{type(self).__name__} does not train")

    def artifact_path(self, directory: Path) -> Path:
        """Where this tag's trained artifact lives in a version directory."""
        assert self.artifact is not None, f"{type(self).__name__} does not train"
        prefix, suffix = self.artifact
        return directory / f"{prefix}-{self.from_name}{suffix}"

    def predicted_values(self) -> dict[str, list[str]]:
        """`predicted_values="a,b"` attributes of the tag's labels."""
        out: dict[str, list[str]] = {}
        for label, tag in (self.control.labels_attrs or {}).items():
            attr: dict[str, Any] = getattr(tag, "attr", {}) or {}
            if attr.get("predicted_values"):
                out[label] = [v.strip() for v in str(attr["predicted_values"]).split(",") if v.strip()]
        return out

    def note_dropped(self, cls_name: str) -> None:
        from ml_backend import stats

        self.dropped[cls_name] = self.dropped.get(cls_name, 0) + 1
        stats.bump("dropped_unmapped_classes")
