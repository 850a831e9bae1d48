"""Fine-tune a YOLO segmentation model on the polygons annotators drew in Label Studio.

* `segmentation_examples` (pure): one `SegmentationExample` per usable task (`yolo_finetune.chosen_annotations`
  says which) — the image reference and the polygons of one PolygonLabels control, points in Label Studio
  percent units; an annotation with no polygons is a negative example. A polygon with fewer than three
  distinct points, or no area inside the image, is dropped with its reason.
* `fine_tune_segmenter`: `yolo_finetune.fine_tune` with polygons as YOLO segmentation label lines
  (class x1 y1 x2 y2 ..., normalised); the figure it reports is the mask mAP50 of the final validation
  (the box mAP50 when the metrics hold no masks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml_backend.training.yolo_finetune import (
    FineTuneResult,
    Recipe,
    Skip,
    TrainingDataError,
    box_map50,
    chosen_annotations,
    class_index,
    control_regions,
    fine_tune,
    number,
    region_label,
    write_label_dataset,
)

Point = tuple[float, float]
Polygon = tuple[str, tuple[Point, ...]]


@dataclass(frozen=True)
class SegmentationExample:
    """One task's image and its polygons as (label, ((x, y), ...)) in percent (0-100, top-left origin)."""

    task_id: int
    image: str
    polygons: tuple[Polygon, ...]


# -- annotations -> examples (pure) ------------------------------------------------------------------


def _points(region: dict, where: str) -> tuple[Point, ...]:
    points = (region.get("value") or {}).get("points")
    if not isinstance(points, list):
        raise TrainingDataError(f"{where}: points is {points!r}, not a list of [x, y] pairs")
    out = []
    for point in points:
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise TrainingDataError(f"{where}: point {point!r} is not an [x, y] pair")
        out.append((number(point[0], "x", where), number(point[1], "y", where)))
    return tuple(out)


def _clipped(points: tuple[Point, ...]) -> list[Point]:
    """The points in [0, 1] (percent / 100, clipped to the image), consecutive repeats removed."""
    out: list[Point] = []
    for x, y in points:
        p = (min(max(x / 100, 0.0), 1.0), min(max(y / 100, 0.0), 1.0))
        if not out or p != out[-1]:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def _area(points: list[Point]) -> float:
    """Shoelace area of a closed polygon."""
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True))) / 2


def _unusable(points: tuple[Point, ...]) -> str:
    """Why a polygon cannot be a mask ("" when it can)."""
    clipped = _clipped(points)
    if len(set(clipped)) < 3:
        return "polygon with fewer than 3 distinct points (region dropped)"
    if _area(clipped) <= 1e-9:
        return "polygon with no area inside the image (region dropped)"
    return ""


def segmentation_examples(tasks: list[dict], control: str, value_key: str,
                          skipped: list[Skip] | None = None) -> list[SegmentationExample]:
    """One example per usable task: image `data[value_key]` and the polygons of PolygonLabels `control`.

    Which tasks and which annotation: `chosen_annotations`. Unlabelled polygons are ignored; unusable ones
    (`_unusable`) are dropped and noted in `skipped`, the task kept. Raises TrainingDataError for points that
    are not [x, y] pairs of numbers.
    """
    examples = []
    for chosen in chosen_annotations(tasks, value_key, skipped):
        polygons = []
        for region, where in control_regions(chosen, control, "polygonlabels"):
            label = region_label(region, "polygonlabels", where)
            if label is None:
                continue  # a polygon nobody labelled says nothing about any class
            points = _points(region, where)
            reason = _unusable(points)
            if reason:
                if skipped is not None:
                    skipped.append(Skip(chosen.task_id, reason))
                continue
            polygons.append((label, points))
        examples.append(SegmentationExample(chosen.task_id, chosen.image, tuple(polygons)))
    return examples


# -- examples -> YOLO segmentation label lines -> fine-tuned weights ---------------------------------------


def segmentation_label_lines(example: SegmentationExample, class_names: list[str]) -> list[str]:
    """YOLO segmentation txt lines (class x1 y1 x2 y2 ..., normalised, clipped to the image)."""
    lines = []
    for label, points in example.polygons:
        index = class_index(example.task_id, label, class_names, "polygon")
        if _unusable(points):
            continue
        lines.append(f"{index} " + " ".join(f"{x:.6f} {y:.6f}" for x, y in _clipped(points)))
    return lines


def _mask_map50(metrics: Any) -> tuple[str, float | None]:
    masks = getattr(metrics, "seg", None)
    return ("mask_map50", float(masks.map50)) if masks is not None else box_map50(metrics)


SEGMENTATION = Recipe("segmenter", segmentation_label_lines, write_label_dataset, _mask_map50)


def fine_tune_segmenter(base_weights: Path, images: list[tuple[SegmentationExample, bytes]], class_names: list[str],
                        out_path: Path, **options: Any) -> FineTuneResult:
    """Fine-tune YOLO-seg `base_weights` on the polygons; `options` and errors as for `yolo_finetune.fine_tune`."""
    return fine_tune(SEGMENTATION, base_weights, images, class_names, out_path, **options)
