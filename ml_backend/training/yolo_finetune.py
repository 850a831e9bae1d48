"""What fine-tuning YOLO detection, segmentation and classification share: the annotation, the images, the run.

* `chosen_annotations` (pure): per usable task, the image reference and the one annotation training reads —
  the ground-truth one if there is one, else the most recent submitted one; cancelled annotations are
  ignored, and tasks with no image, no submitted annotation, or an annotator's "ambiguous" / "out of
  scope" flag are skipped, each with its reason (`Skip`).
* `fine_tune`: given examples paired with their image bytes (the caller downloads them) and a `Recipe`
  (how one YOLO task writes its data set and which figure it reports), decodes every image and checks
  every label before training starts, holds a slice out for validation, trains with ultralytics from
  existing weights on the CPU (offline: `configure_offline()` runs before ultralytics is imported) and
  copies the best checkpoint to `out_path` atomically. A failure anywhere leaves `out_path` as it was.
  Training runs in the calling process; torch's thread count, which ultralytics lowers process-wide, is
  put back afterwards.
"""

from __future__ import annotations

import io
import logging
import math
import os
import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml
from PIL import Image, ImageOps

from ml_backend.offline import configure_offline
from sdk_scripts.labelstudio.annotations import count_annotations, excluded_by_flag, id_order

# An example set this small is validated on its own training images (no held-out slice).
MIN_IMAGES_FOR_HOLDOUT = 5


class TrainingDataError(ValueError):
    """The annotations or images cannot be trained on; the message names the task and the problem."""


class Example(Protocol):
    """What every kind's training example has: the task and its image reference."""

    @property
    def task_id(self) -> int: ...

    @property
    def image(self) -> str: ...


@dataclass(frozen=True)
class Skip:
    """A task (or one of its regions) left out of training, and why."""

    task_id: int | None
    reason: str


@dataclass(frozen=True)
class Chosen:
    """A usable task: its id, its image reference and the annotation training reads."""

    task_id: int
    image: str
    annotation: dict


@dataclass
class FineTuneResult:
    out_path: Path
    metric: str  # what `score` is: "map50" (boxes), "mask_map50" (masks) or "accuracy" (top-1, classification)
    score: float | None  # of the final validation: on held-out images only when held_out
    n_train: int
    n_val: int
    held_out: bool  # False: too few images, validated on the training images
    class_names: tuple[str, ...]
    seconds: float


# -- annotations -> the annotation to read (pure) -----------------------------------------------------


def chosen_annotations(tasks: list[dict], value_key: str, skipped: list[Skip] | None = None) -> list[Chosen]:
    """The annotation training reads in each usable task (image `data[value_key]`); the others go to `skipped`.

    The ground-truth annotation (the last created, highest id, if several: `id_order`) wins, else the last
    created one. A task is skipped when it has no image string, no submitted annotation, or any submitted
    annotation sets the `flag` control to "ambiguous" / "out of scope".
    """
    out = []
    for task in tasks:
        task_id = task.get("id")
        if not isinstance(task_id, int):
            _note(skipped, None, "a task without an integer id")
            continue
        image = (task.get("data") or {}).get(value_key)
        if not isinstance(image, str) or not image.strip():
            _note(skipped, task_id, f"no image in the task data ({value_key!r})")
            continue
        counted = count_annotations(task.get("annotations") or [])
        submitted = counted.ground_truth + counted.interpretations
        if not submitted:
            _note(skipped, task_id, "no submitted annotation")
            continue
        if any(excluded_by_flag(a) for a in submitted):
            _note(skipped, task_id, "flagged ambiguous or out of scope")
            continue
        out.append(Chosen(task_id, image, max(counted.ground_truth or counted.interpretations, key=id_order)))
    return out


def control_regions(chosen: Chosen, control: str, region_type: str) -> Iterator[tuple[dict, str]]:
    """The chosen annotation's regions of `control` and type `region_type`, each with where it is (for messages)."""
    for region in chosen.annotation.get("result") or []:
        if isinstance(region, dict) and region.get("from_name") == control and region.get("type") == region_type:
            yield region, f"task {chosen.task_id}: annotation {chosen.annotation.get('id')} region {region.get('id')!r}"


def number(value: Any, what: str, where: str) -> float:
    """`value` as a float; TrainingDataError naming `where` when it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TrainingDataError(f"{where}: {what} is {value!r}, not a finite number")
    return float(value)


def region_label(region: dict, key: str, where: str) -> str | None:
    """The first label of a region (`value[key]`); None when it has none (it says nothing about any class)."""
    labels = (region.get("value") or {}).get(key) or []
    if not labels:
        return None
    if not isinstance(labels[0], str):
        raise TrainingDataError(f"{where}: label {labels[0]!r} is not a string")
    return labels[0]


def class_index(task_id: int, label: str, class_names: list[str], what: str) -> int:
    """The index of `label` in `class_names`; TrainingDataError naming the task when it is not there."""
    if label not in class_names:
        raise TrainingDataError(f"task {task_id}: {what} label {label!r} is not one of the classes {class_names}")
    return class_names.index(label)


def skip_counts(skipped: list[Skip]) -> dict[str, int]:
    """How many tasks or regions each reason left out (the run history's `skipped`)."""
    return dict(Counter(s.reason for s in skipped))


def _note(skipped: list[Skip] | None, task_id: int | None, reason: str) -> None:
    if skipped is not None:
        skipped.append(Skip(task_id, reason))


# -- examples + bytes -> data set -> fine-tuned weights -------------------------------------------------


@dataclass(frozen=True)
class Split:
    train: list[int]
    val: list[int]
    held_out: bool


Prepared = tuple[Any, Image.Image, Any]  # (example, decoded image, the recipe's targets for it)


@dataclass(frozen=True)
class Recipe:
    """How one YOLO task turns examples into the data set ultralytics reads, and which figure it reports."""

    name: str  # the temp work dir is "<name>-finetune-*"
    targets: Callable[[Any, list[str]], Any]  # an example's labels in the data set; raises TrainingDataError
    write: Callable[[Path, list[Prepared], Split, list[str]], str]  # writes the data set; ultralytics' `data`
    score: Callable[[Any], tuple[str, float | None]]  # ultralytics' final metrics -> (metric, value)
    relabel: bool = False  # the data set names classes by index: the checkpoint gets the real names afterwards


def box_map50(metrics: Any) -> tuple[str, float | None]:
    """The box mAP50 of ultralytics' final detection or segmentation metrics."""
    box = getattr(metrics, "box", None)
    return "map50", float(box.map50) if box is not None else None


def decode(example: Example, blob: bytes, max_side: int) -> Image.Image:
    """The image as Label Studio shows it (EXIF orientation applied), RGB, long side at most max_side."""
    try:
        with Image.open(io.BytesIO(blob)) as opened:
            img = ImageOps.exif_transpose(opened).convert("RGB")
    except Exception as exc:  # PIL raises several unrelated types for bad data
        raise TrainingDataError(
            f"task {example.task_id}: image {example.image!r} cannot be decoded: {type(exc).__name__}: {exc}"
        ) from exc
    if max(img.size) > max_side:  # ultralytics resizes to imgsz anyway; labels are normalised
        img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return img


def split_indices(n: int, val_fraction: float, seed: int) -> Split:
    """A random held-out slice of `val_fraction`; none (validate on the training set) below MIN_IMAGES_FOR_HOLDOUT."""
    if n < MIN_IMAGES_FOR_HOLDOUT or val_fraction <= 0:
        return Split(list(range(n)), list(range(n)), False)
    n_val = min(n - 1, max(1, round(n * val_fraction)))
    val = set(random.Random(seed).sample(range(n), n_val))
    return Split([i for i in range(n) if i not in val], sorted(val), True)


def stem(index: int, example: Example) -> str:
    return f"{index:05d}-task{example.task_id}"


def write_label_dataset(root: Path, prepared: list[Prepared], split: Split, class_names: list[str]) -> str:
    """images/<split>/, labels/<split>/ (one txt of label lines per image) and data.yaml; returns data.yaml."""
    splits = {"train": split.train, "val": split.val} if split.held_out else {"train": split.train}
    for name, indices in splits.items():
        (root / "images" / name).mkdir(parents=True, exist_ok=True)
        (root / "labels" / name).mkdir(parents=True, exist_ok=True)
        for i in indices:
            example, img, lines = prepared[i]
            img.save(root / "images" / name / f"{stem(i, example)}.png")
            (root / "labels" / name / f"{stem(i, example)}.txt").write_text("".join(line + "\n" for line in lines))
    data = root / "data.yaml"
    spec = {"path": str(root.resolve()), "train": "images/train",
            "val": f"images/{'val' if split.held_out else 'train'}", "names": dict(enumerate(class_names))}
    data.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    return str(data)


def install_atomically(source: Path, out_path: Path) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _relabel(weights: Path, class_names: list[str]) -> Path:
    """A copy of `weights` whose classes carry `class_names` (the data set named them "0000", "0001", ...)."""
    from ultralytics import YOLO

    model = YOLO(str(weights))
    names = model.names if isinstance(model.names, dict) else dict(enumerate(model.names))
    if [int(names[i]) for i in sorted(names)] != list(range(len(class_names))):
        raise RuntimeError(f"the trained classes {names} are not the data set's {len(class_names)} class folders")
    model.model.names = dict(enumerate(class_names))
    out = weights.with_name(f"named-{weights.name}")
    model.save(str(out))
    return out


class _SparseClassFolders(logging.Filter):
    """Drops ultralytics' ERROR that a classification split has classes with no image (a small held-out slice
    always has; the class folders are aligned to the model's classes, so nothing is wrong)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "classes (requires" not in record.getMessage()


def _train(base_weights: Path, data: str, runs: Path, *, epochs: int, imgsz: int, batch: int,
           seed: int) -> tuple[Path, Any]:
    """One ultralytics training run on the CPU, offline; (best or last checkpoint, final validation metrics)."""
    configure_offline()
    import torch
    from ultralytics import YOLO

    threads = torch.get_num_threads()
    quiet = _SparseClassFolders()
    logging.getLogger("ultralytics").addFilter(quiet)
    try:
        model = YOLO(str(base_weights))
        metrics = model.train(data=data, epochs=epochs, imgsz=imgsz, batch=batch, seed=seed, deterministic=True,
                              device="cpu", workers=0, project=str(runs), name="finetune", exist_ok=True,
                              plots=False, amp=False, verbose=False)
    finally:
        torch.set_num_threads(threads)  # ultralytics drops it to cpu_count - 1 for the whole process
        logging.getLogger("ultralytics").removeFilter(quiet)
    weights = Path(model.trainer.save_dir) / "weights"
    return (weights / "best.pt" if (weights / "best.pt").exists() else weights / "last.pt"), metrics


def _check(images: list, class_names: list[str], val_fraction: float, base_weights: Path) -> None:
    if not images:
        raise TrainingDataError("no examples to train on")
    if not class_names or len(set(class_names)) != len(class_names):
        raise TrainingDataError(f"class names must be non-empty and distinct, got {class_names}")
    if not 0 <= val_fraction < 1:
        raise TrainingDataError(f"val_fraction must be in [0, 1), got {val_fraction}")
    if not Path(base_weights).is_file():
        raise FileNotFoundError(f"base weights {base_weights} not found")


def fine_tune(recipe: Recipe, base_weights: Path, images: list[tuple[Any, bytes]], class_names: list[str],
              out_path: Path, *, epochs: int = 3, imgsz: int = 320, batch: int = 8, seed: int = 0,
              val_fraction: float = 0.2, workdir: Path | None = None) -> FineTuneResult:
    """Fine-tune `base_weights` on the examples the `recipe`'s way and write the best checkpoint to `out_path`.

    Raises TrainingDataError (before any training) for no examples, no or repeated class names, an image
    that does not decode, or a label outside `class_names`. The work dir (data set and ultralytics run) is
    a temp dir removed afterwards, unless `workdir` is given, which is kept.
    """
    started = time.monotonic()
    class_names = list(class_names)
    _check(images, class_names, val_fraction, base_weights)
    prepared = [(ex, decode(ex, blob, max(imgsz, 32)), recipe.targets(ex, class_names)) for ex, blob in images]
    split = split_indices(len(prepared), val_fraction, seed)
    work = Path(workdir).resolve() if workdir else Path(tempfile.mkdtemp(prefix=f"{recipe.name}-finetune-"))
    try:
        data = recipe.write(work / "data", prepared, split, class_names)
        best, metrics = _train(Path(base_weights), data, work / "runs", epochs=epochs, imgsz=imgsz, batch=batch,
                               seed=seed)
        install_atomically(_relabel(best, class_names) if recipe.relabel else best, Path(out_path))
    finally:
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    metric, score = recipe.score(metrics)
    return FineTuneResult(Path(out_path), metric, score, len(split.train), len(split.val) if split.held_out else 0,
                          split.held_out, tuple(class_names), time.monotonic() - started)
