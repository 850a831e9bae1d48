"""What the YOLO-served image tags share: batched inference over task images, and fetching images to train on."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend import stats, weights
from ml_backend.active_learning.versions import ServingRun
from ml_backend.controls.base import ControlModel, NotServable, TaskOutcome
from ml_backend.controls.tag_settings import read_tag_settings
from ml_backend.images import fetch_all
from ml_backend.label_mapping import build_class_map
from ml_backend.settings import BackendSettings

log = logging.getLogger(__name__)


def file_tag(path: str) -> str:
    """`<stem>-<first 8 hex of sha1>` of a weights file: stable across processes and restarts."""
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return f"{Path(path).stem}-{h.hexdigest()[:8]}"


_tags: dict[tuple[str, float], str] = {}
# ultralytics predictors are not thread-safe; gthread workers serialise calls on one model here
_predict_lock = threading.Lock()
# decoded batches alive at once per process (one being predicted, one being fetched): the memory bound
# does not grow with the number of concurrent requests
BATCHES_IN_FLIGHT = 2
_batch_slots = threading.BoundedSemaphore(BATCHES_IN_FLIGHT)


def cached_file_tag(path: str) -> str:
    key = (path, os.path.getmtime(path))
    if key not in _tags:
        _tags[key] = file_tag(path)
    return _tags[key]


def load_error(exc: BaseException, path: str, shown: str) -> str:
    """One short line for a weights file ultralytics cannot load (its message without the path and the advice)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.replace("ERROR ❌️", "").replace(path, "the file").strip()
    return f"cannot load {shown}: {text[:200]}"


class YoloControl(ControlModel):
    """Base for YOLO-served image tags; subclasses say which weights setting and how to read results.

    Weights, first found wins: the project's trained version of this tag, the tag's `model_path` attribute
    (a file under MODELS_ROOT), the class's setting (`weights_setting`; none for OBB and pose).
    `model_score_threshold` on the tag replaces CONF_THRESHOLD for it.
    """

    weights_setting = "yolo_model_path"

    def __init__(self, control: ControlTag, settings: BackendSettings, run: ServingRun | None = None) -> None:
        super().__init__(control, settings, run)
        try:
            self.tag_settings = read_tag_settings(control.attr or {}, settings.models_root)
            self.read_attributes(control.attr or {})
        except ValueError as exc:
            raise NotServable(f"{self.where}: {exc}") from None
        self.score_threshold = self.tag_settings.score_threshold
        self.conf_threshold = settings.conf_threshold if self.score_threshold is None else self.score_threshold
        self.path, shown = self._weights_path(run)
        try:
            self.model = weights.load_served_yolo(self.kind, self.path, settings)
        except Exception as exc:  # a corrupt or foreign file: this tag is skipped, the others still serve
            raise NotServable(f"{self.where}: {load_error(exc, self.path, shown)}") from None
        task = getattr(self.model, "task", None)
        if task != self.kind:
            raise NotServable(f"{self.where}: {shown} holds a YOLO '{task}' model; this tag needs "
                              f"'{self.kind}' weights")
        names = self.model.names
        self.class_names = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
        self.build_mapping()

    @property
    def where(self) -> str:
        """How reasons name this tag: `RectangleLabels 'label'`."""
        return f"{self.control.tag} '{self.from_name}'"

    def read_attributes(self, attrs: dict) -> None:
        """Read the class's own tag attributes (ValueError: the tag is skipped with that cause)."""

    def _weights_path(self, run: ServingRun | None) -> tuple[str, str]:
        """(path, how reasons show it): trained version, else `model_path`, else the setting."""
        trained = run.artifact(self.kind, self.from_name, ".pt") if run else None
        if trained:
            return str(trained), f"the trained version {trained.parent.name}"
        if self.tag_settings.model_path is not None:
            return str(self.tag_settings.model_path), f'model_path="{self.tag_settings.model_path_given}"'
        path = getattr(self.settings, self.weights_setting) if self.weights_setting else ""
        setting = self.weights_setting.upper()
        if not path:
            hint = f" ({setting})" if setting else ""
            raise NotServable(f"{self.where}: no weights configured{hint}: give the tag "
                              f'model_path="<file under MODELS_ROOT>"')
        if not os.path.isfile(path):
            raise NotServable(f"{self.where}: weights file not found: {path}")
        return path, f"{setting}={path}"

    def build_mapping(self) -> None:
        """Model class → label (`class_map`); NotServable when none maps."""
        self.class_map = build_class_map(self.class_names, self.labels, self.predicted_values(),
                                         self.settings.label_map)
        if not self.class_map:
            raise NotServable(f"{self.where}: none of the model classes [{self.shown_classes()}] "
                              f"maps to its labels {self.labels} (use predicted_values or LABEL_MAP)")

    def shown_classes(self) -> str:
        return ", ".join(self.class_names[:10]) + (f" ... ({len(self.class_names)} classes)"
                                                   if len(self.class_names) > 10 else "")

    @property
    def version(self) -> str:
        return cached_file_tag(self.path)

    def _run(self, images: list[Any]) -> list[Any]:
        import torch

        threads = weights.torch_threads(self.settings, self.kind)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        with _predict_lock:
            stats.bump(f"model_calls.{self.kind}")
            stats.bump(f"model_images.{self.kind}", len(images))
            return list(self.model.predict(images, imgsz=self.settings.imgsz, conf=self.conf_threshold,
                                           device="cpu", verbose=False, batch=len(images)))

    def regions_for(self, result: Any, width: int, height: int) -> list[dict]:
        raise NotImplementedError

    def training_images(self, examples: list[Any], skipped: list[Any]) -> list[tuple[Any, bytes]]:
        """Each training example with its image bytes (through the media resolver, as for predictions).

        Raises ValueError when there is no example (the skip reasons said), TrainingDataError naming the
        first task whose image cannot be fetched.
        """
        from ml_backend.images import download
        from ml_backend.training.yolo_finetune import TrainingDataError, skip_counts

        if not examples:
            reasons = "; ".join(f"{reason}: {n}" for reason, n in skip_counts(skipped).items())
            raise ValueError("no annotated image to train on" + (f" ({reasons})" if reasons else ""))
        if skipped:
            log.info("control '%s': left out of training: %s", self.from_name,
                     "; ".join(f"task {s.task_id}: {s.reason}" for s in skipped[:20]))
        pairs = []
        for example in examples:
            try:
                pairs.append((example, download(example.image, self.settings, task_id=example.task_id,
                                                project_id=self.project_id)))
            except Exception as exc:
                raise TrainingDataError(f"task {example.task_id}: image {example.image!r} cannot be fetched: "
                                        f"{exc}") from None
        return pairs

    def fine_tuned(self, recipe: Any, examples: list[Any], skipped: list[Any], labels: Counter[str],
                   staging: Path) -> dict[str, Any]:
        """Fine-tune the weights served now on `examples` the `recipe`'s way into this tag's artifact; the summary.

        The summary (the run history's entry for this tag): the recipe's name as `kind`, the number of
        examples, the final validation's figure as `validation_<metric>`, whether it was on held-out images,
        the label counts and, when any, how many tasks or regions each skip reason left out.
        """
        from ml_backend.training.yolo_finetune import fine_tune, skip_counts

        pairs = self.training_images(examples, skipped)
        result = fine_tune(recipe, Path(self.path), pairs, list(self.labels), self.artifact_path(staging),
                           epochs=self.settings.train_epochs, imgsz=self.settings.train_imgsz)
        summary = {"kind": recipe.name, "examples": len(examples), f"validation_{result.metric}": result.score,
                   "held_out": result.held_out, "label_counts": dict(labels)}
        if skipped:
            summary["skipped"] = skip_counts(skipped)
        return summary

    def uncertainty_for(self, regions: list[dict]) -> float | None:
        """The task's active-learning score from its regions; None: the lowest region score is used."""
        return None

    def predict_tasks(self, tasks: list[dict]) -> list[TaskOutcome]:
        """BATCH_SIZE tasks at a time: fetch, decode, predict, and let the images go before the next batch.

        At most BATCHES_IN_FLIGHT decoded batches exist per process, whatever the number of requests.
        """
        outcomes = [TaskOutcome() for _ in tasks]
        bs = max(1, self.settings.batch_size)
        for start in range(0, len(tasks), bs):
            with _batch_slots:
                self._predict_batch(tasks, start, bs, outcomes)
        return outcomes

    def _predict_batch(self, tasks: list[dict], start: int, bs: int, outcomes: list[TaskOutcome]) -> None:
        """Fetch, decode and predict tasks[start:start + bs] into `outcomes`; the images are dropped on return."""
        fetched = fetch_all(tasks[start:start + bs], self.value_key, self.settings, self.project_id)
        ok = [(start + i, f.image) for i, f in enumerate(fetched) if f.image is not None]
        for i, f in enumerate(fetched):
            outcomes[start + i].error = f.error
        del fetched
        if not ok:
            return
        try:
            results = self._run([image for _, image in ok])
        except Exception as exc:  # a model failure answers empty results, never a 500
            log.exception("model call failed")
            for i, _ in ok:
                outcomes[i].error = f"model error: {type(exc).__name__}"
            return
        for (i, image), res in zip(ok, results, strict=True):
            # percentages come from the (possibly downscaled) picture the model saw; sizes are the original's
            width, height = image.info.get("original_size", image.size)
            outcomes[i].regions = [r | {"original_width": width, "original_height": height} if
                                   "original_width" in r else r for r in self.regions_for(res, *image.size)]
            outcomes[i].uncertainty = self.uncertainty_for(outcomes[i].regions)
