"""Fine-tune a YOLO detector on the boxes annotators drew in Label Studio.

* `detection_examples` (pure): one `DetectionExample` per usable task (`yolo_finetune.chosen_annotations`
  says which) — the image reference and the boxes of one RectangleLabels control, in Label Studio percent
  units; an annotation with no boxes is kept as a negative example (an image with nothing to find).
* `fine_tune_detector`: `yolo_finetune.fine_tune` with boxes as YOLO label lines (class cx cy w h); the
  figure it reports is the box mAP50 of the final validation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml_backend.training.yolo_finetune import (
    FineTuneResult,
    Recipe,
    Skip,
    box_map50,
    chosen_annotations,
    class_index,
    control_regions,
    fine_tune,
    number,
    region_label,
    write_label_dataset,
)

Box = tuple[str, float, float, float, float]


@dataclass(frozen=True)
class DetectionExample:
    """One task's image and its boxes as (label, x, y, width, height) in percent (0-100, top-left origin)."""

    task_id: int
    image: str
    boxes: tuple[Box, ...]


# -- annotations -> examples (pure) ------------------------------------------------------------------


def _rectangle(region: dict, where: str) -> Box | None:
    """(label, x, y, w, h) in percent; a rotated box becomes its axis-aligned bounding box."""
    label = region_label(region, "rectanglelabels", where)
    if label is None:
        return None  # a rectangle nobody labelled says nothing about any class
    value = region.get("value") or {}
    x, y, w, h = (number(value.get(k), k, where) for k in ("x", "y", "width", "height"))
    rotation = number(value.get("rotation", 0) or 0, "rotation", where)
    if rotation % 360:
        # Label Studio rotates about the top-left corner, clockwise, in pixel space.
        sx = number(region.get("original_width") or 100, "original_width", where) / 100
        sy = number(region.get("original_height") or 100, "original_height", where) / 100
        a = math.radians(rotation)
        corners = [(0.0, 0.0), (w * sx, 0.0), (w * sx, h * sy), (0.0, h * sy)]
        xs = [x * sx + cx * math.cos(a) - cy * math.sin(a) for cx, cy in corners]
        ys = [y * sy + cx * math.sin(a) + cy * math.cos(a) for cx, cy in corners]
        x, y = min(xs) / sx, min(ys) / sy
        w, h = (max(xs) - min(xs)) / sx, (max(ys) - min(ys)) / sy
    return (label, x, y, w, h)


def detection_examples(tasks: list[dict], control: str, value_key: str,
                       skipped: list[Skip] | None = None) -> list[DetectionExample]:
    """One example per usable task: image `data[value_key]` and the boxes of RectangleLabels `control`.

    Which tasks and which annotation: `chosen_annotations` (the tasks it leaves out go to `skipped`). An
    annotation with no boxes makes a negative example. Raises TrainingDataError for a box whose
    coordinates are not numbers.
    """
    examples = []
    for chosen in chosen_annotations(tasks, value_key, skipped):
        boxes = [box for region, where in control_regions(chosen, control, "rectanglelabels")
                 if (box := _rectangle(region, where)) is not None]
        examples.append(DetectionExample(chosen.task_id, chosen.image, tuple(boxes)))
    return examples


# -- examples -> YOLO label lines -> fine-tuned weights ------------------------------------------------


def yolo_label_lines(example: DetectionExample, class_names: list[str]) -> list[str]:
    """YOLO txt lines (class cx cy w h, normalised, box clipped to the image); empty boxes are dropped."""
    lines = []
    for label, x, y, w, h in example.boxes:
        index = class_index(example.task_id, label, class_names, "box")
        x0, y0 = min(max(x / 100, 0.0), 1.0), min(max(y / 100, 0.0), 1.0)
        x1, y1 = min(max((x + w) / 100, 0.0), 1.0), min(max((y + h) / 100, 0.0), 1.0)
        if x1 <= x0 or y1 <= y0:
            continue  # zero-size or wholly outside the image
        lines.append(f"{index} {(x0 + x1) / 2:.6f} {(y0 + y1) / 2:.6f} {x1 - x0:.6f} {y1 - y0:.6f}")
    return lines


DETECTION = Recipe("detector", yolo_label_lines, write_label_dataset, box_map50)


def fine_tune_detector(base_weights: Path, images: list[tuple[DetectionExample, bytes]], class_names: list[str],
                       out_path: Path, **options: Any) -> FineTuneResult:
    """Fine-tune `base_weights` on the boxes; `options` and errors as for `yolo_finetune.fine_tune`."""
    return fine_tune(DETECTION, base_weights, images, class_names, out_path, **options)
