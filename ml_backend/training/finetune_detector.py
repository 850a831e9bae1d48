"""Fine-tune a YOLO detector on the boxes annotators drew in Label Studio.

Two steps, kept apart so the first can be tested without images or torch:

* `detection_examples` (pure): one `DetectionExample` per usable task — the image reference from the
  task data and the boxes of one RectangleLabels control, in Label Studio percent units. The chosen
  annotation is the ground-truth one if there is one, else the most recent submitted one; cancelled
  annotations are ignored, tasks an annotator flagged "ambiguous" / "out of scope" are left out, and a
  task whose annotation has no boxes is kept as a negative example (an image with nothing to find).
* `fine_tune_detector`: given the examples paired with their image bytes (the caller downloads them),
  writes a YOLO data set in a temp work dir, trains with ultralytics from existing weights on the CPU
  (offline: `configure_offline()` runs before ultralytics is imported) and copies the best checkpoint
  to `out_path` atomically. Every image is decoded and every label checked before training starts, and
  a failure anywhere leaves `out_path` as it was. Training runs in the calling process; torch's thread
  count, which ultralytics lowers process-wide, is put back afterwards.
"""

from __future__ import annotations

import io
import math
import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from PIL import Image, ImageOps

from ml_backend.offline import configure_offline
from sdk_scripts.labelstudio.annotations import count_annotations, excluded_by_flag, id_order

# An example set this small is validated on its own training images (no held-out slice).
MIN_IMAGES_FOR_HOLDOUT = 5

Box = tuple[str, float, float, float, float]


class TrainingDataError(ValueError):
    """The annotations or images cannot be trained on; the message names the task and the problem."""


@dataclass(frozen=True)
class DetectionExample:
    """One task's image and its boxes as (label, x, y, width, height) in percent (0-100, top-left origin)."""

    task_id: int
    image: str
    boxes: tuple[Box, ...]


@dataclass
class FineTuneResult:
    out_path: Path
    map50: float | None  # mAP@0.5 of the final validation (on held-out images only when held_out)
    n_train: int
    n_val: int
    held_out: bool  # False: too few images, validated on the training images
    class_names: tuple[str, ...]
    seconds: float


# -- annotations -> examples (pure) ------------------------------------------------------------------


def _number(value: Any, what: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TrainingDataError(f"{where}: {what} is {value!r}, not a finite number")
    return float(value)


def _rectangle(region: dict, where: str) -> Box | None:
    """(label, x, y, w, h) in percent; a rotated box becomes its axis-aligned bounding box."""
    value = region.get("value") or {}
    labels = value.get("rectanglelabels") or []
    if not labels:
        return None  # a rectangle nobody labelled says nothing about any class
    label = labels[0]
    if not isinstance(label, str):
        raise TrainingDataError(f"{where}: label {label!r} is not a string")
    x, y, w, h = (_number(value.get(k), k, where) for k in ("x", "y", "width", "height"))
    rotation = _number(value.get("rotation", 0) or 0, "rotation", where)
    if rotation % 360:
        # Label Studio rotates about the top-left corner, clockwise, in pixel space.
        sx = _number(region.get("original_width") or 100, "original_width", where) / 100
        sy = _number(region.get("original_height") or 100, "original_height", where) / 100
        a = math.radians(rotation)
        corners = [(0.0, 0.0), (w * sx, 0.0), (w * sx, h * sy), (0.0, h * sy)]
        xs = [x * sx + cx * math.cos(a) - cy * math.sin(a) for cx, cy in corners]
        ys = [y * sy + cx * math.sin(a) + cy * math.cos(a) for cx, cy in corners]
        x, y = min(xs) / sx, min(ys) / sy
        w, h = (max(xs) - min(xs)) / sx, (max(ys) - min(ys)) / sy
    return (label, x, y, w, h)


def detection_examples(tasks: list[dict], control: str, value_key: str) -> list[DetectionExample]:
    """One example per usable task: image `data[value_key]` and the boxes of RectangleLabels `control`.

    Cancelled annotations are ignored. A task is skipped when it has no image string, no submitted
    annotation, or any submitted annotation sets the `flag` control to "ambiguous" / "out of scope".
    The boxes come from the ground-truth annotation (the last created, highest id, if several: `id_order`), else
    from the last created annotation; an annotation with no boxes makes a negative example.
    Raises TrainingDataError for a box whose coordinates are not numbers.
    """
    examples = []
    for task in tasks:
        task_id = task.get("id")
        image = (task.get("data") or {}).get(value_key)
        if not isinstance(task_id, int) or not isinstance(image, str) or not image.strip():
            continue
        counted = count_annotations(task.get("annotations") or [])
        submitted = counted.ground_truth + counted.interpretations
        if not submitted or any(excluded_by_flag(a) for a in submitted):
            continue
        chosen = max(counted.ground_truth or counted.interpretations, key=id_order)
        boxes = []
        for region in chosen.get("result") or []:
            if region.get("from_name") != control or region.get("type") != "rectanglelabels":
                continue
            where = f"task {task_id}: annotation {chosen.get('id')} region {region.get('id')!r}"
            box = _rectangle(region, where)
            if box is not None:
                boxes.append(box)
        examples.append(DetectionExample(task_id, image, tuple(boxes)))
    return examples


# -- examples + bytes -> YOLO data set -> fine-tuned weights -----------------------------------------


def yolo_label_lines(example: DetectionExample, class_names: list[str]) -> list[str]:
    """YOLO txt lines (class cx cy w h, normalised, box clipped to the image); empty boxes are dropped."""
    lines = []
    for label, x, y, w, h in example.boxes:
        if label not in class_names:
            raise TrainingDataError(f"task {example.task_id}: box label {label!r} is not one of the classes "
                                    f"{class_names}")
        x0, y0 = min(max(x / 100, 0.0), 1.0), min(max(y / 100, 0.0), 1.0)
        x1, y1 = min(max((x + w) / 100, 0.0), 1.0), min(max((y + h) / 100, 0.0), 1.0)
        if x1 <= x0 or y1 <= y0:
            continue  # zero-size or wholly outside the image
        lines.append(f"{class_names.index(label)} {(x0 + x1) / 2:.6f} {(y0 + y1) / 2:.6f} "
                     f"{x1 - x0:.6f} {y1 - y0:.6f}")
    return lines


def _decode(example: DetectionExample, blob: bytes, max_side: int) -> Image.Image:
    """The image as Label Studio shows it (EXIF orientation applied), RGB, long side at most max_side."""
    try:
        with Image.open(io.BytesIO(blob)) as opened:
            img = ImageOps.exif_transpose(opened).convert("RGB")
    except Exception as exc:  # PIL raises several unrelated types for bad data
        raise TrainingDataError(
            f"task {example.task_id}: image {example.image!r} cannot be decoded: {type(exc).__name__}: {exc}"
        ) from exc
    if max(img.size) > max_side:  # ultralytics resizes to imgsz anyway; boxes are normalised
        img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return img


def _split(n: int, val_fraction: float, seed: int) -> tuple[list[int], list[int], bool]:
    """(train indices, val indices, held_out)."""
    if n < MIN_IMAGES_FOR_HOLDOUT or val_fraction <= 0:
        return list(range(n)), list(range(n)), False
    n_val = min(n - 1, max(1, round(n * val_fraction)))
    val = set(random.Random(seed).sample(range(n), n_val))
    return [i for i in range(n) if i not in val], sorted(val), True


def _write_dataset(root: Path, prepared: list[tuple[DetectionExample, Image.Image, list[str]]],
                   train: list[int], val: list[int], held_out: bool, class_names: list[str]) -> Path:
    splits = {"train": train, "val": val} if held_out else {"train": train}
    for split, indices in splits.items():
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        for i in indices:
            example, img, lines = prepared[i]
            stem = f"{i:05d}-task{example.task_id}"
            img.save(root / "images" / split / f"{stem}.png")
            (root / "labels" / split / f"{stem}.txt").write_text("".join(line + "\n" for line in lines))
    data = root / "data.yaml"
    spec = {"path": str(root.resolve()), "train": "images/train", "val": f"images/{'val' if held_out else 'train'}",
            "names": dict(enumerate(class_names))}
    data.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    return data


def _install_atomically(source: Path, out_path: Path) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fine_tune_detector(base_weights: Path, images: list[tuple[DetectionExample, bytes]], class_names: list[str],
                       out_path: Path, *, epochs: int = 3, imgsz: int = 320, batch: int = 8, seed: int = 0,
                       val_fraction: float = 0.2, workdir: Path | None = None) -> FineTuneResult:
    """Fine-tune `base_weights` on the examples and write the best checkpoint to `out_path`.

    Raises TrainingDataError (before any training) for no examples, no or repeated class names, an
    image that does not decode, or a box label outside `class_names`. The work dir (data set and
    ultralytics run) is a temp dir removed afterwards, unless `workdir` is given, which is kept.
    """
    started = time.monotonic()
    class_names = list(class_names)
    if not images:
        raise TrainingDataError("no examples to train on")
    if not class_names or len(set(class_names)) != len(class_names):
        raise TrainingDataError(f"class names must be non-empty and distinct, got {class_names}")
    if not 0 <= val_fraction < 1:
        raise TrainingDataError(f"val_fraction must be in [0, 1), got {val_fraction}")
    if not Path(base_weights).is_file():
        raise FileNotFoundError(f"base weights {base_weights} not found")
    prepared = [(ex, _decode(ex, blob, max(imgsz, 32)), yolo_label_lines(ex, class_names)) for ex, blob in images]
    train, val, held_out = _split(len(prepared), val_fraction, seed)

    work = Path(workdir).resolve() if workdir else Path(tempfile.mkdtemp(prefix="detector-finetune-"))
    try:
        data = _write_dataset(work / "data", prepared, train, val, held_out, class_names)
        configure_offline()
        import torch
        from ultralytics import YOLO

        threads = torch.get_num_threads()
        try:
            model = YOLO(str(base_weights))
            metrics = model.train(data=str(data), epochs=epochs, imgsz=imgsz, batch=batch, seed=seed,
                                  deterministic=True, device="cpu", workers=0, project=str(work / "runs"),
                                  name="finetune", exist_ok=True, plots=False, amp=False, verbose=False)
        finally:
            torch.set_num_threads(threads)  # ultralytics drops it to cpu_count - 1 for the whole process
        weights = Path(model.trainer.save_dir) / "weights"
        best = weights / "best.pt" if (weights / "best.pt").exists() else weights / "last.pt"
        _install_atomically(best, Path(out_path))
    finally:
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    box = getattr(metrics, "box", None)
    map50 = float(box.map50) if box is not None else None
    return FineTuneResult(Path(out_path), map50, len(train), len(val) if held_out else 0, held_out,
                          tuple(class_names), time.monotonic() - started)
