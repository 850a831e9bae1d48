"""Pure region building and score definitions (no I/O): Label Studio result items from model outputs.

Score definition (documented in the README): every region carries `score` = the model's confidence
in it (detector box confidence, or the probability of the chosen choice). The task-level `score` is
the *lowest* region score of the task, and 0.0 when the model found nothing to propose. So the
lowest task score = the task the model is least sure about = the most valuable to label next, which
is the order Label Studio's "Uncertainty sampling" serves (ascending prediction score).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence


def _rid() -> str:
    return uuid.uuid4().hex[:10]


def rectangle(from_name: str, to_name: str, label: str, box_xyxy: Sequence[float], width: int, height: int,
              score: float) -> dict:
    """A rectanglelabels result item; box in pixels (x0, y0, x1, y1), stored as percentages."""
    x0, y0, x1, y1 = (float(v) for v in box_xyxy)
    x0, x1 = max(0.0, min(x0, width)), max(0.0, min(x1, width))
    y0, y1 = max(0.0, min(y0, height)), max(0.0, min(y1, height))
    return {
        "id": _rid(), "from_name": from_name, "to_name": to_name, "type": "rectanglelabels",
        "original_width": width, "original_height": height, "image_rotation": 0,
        "value": {"x": 100.0 * x0 / width, "y": 100.0 * y0 / height, "width": 100.0 * (x1 - x0) / width,
                  "height": 100.0 * (y1 - y0) / height, "rotation": 0, "rectanglelabels": [label]},
        "score": round(float(score), 6),
    }


def rotated_rectangle(from_name: str, to_name: str, label: str, xywhr: Sequence[float], width: int, height: int,
                      score: float) -> dict:
    """A rectanglelabels result item for an oriented box given as ultralytics' `obb.xywhr` row: centre, width,
    height in pixels and the angle in radians (clockwise on screen, y pointing down).

    Label Studio keeps a rotated box as the box before rotation: `x`, `y` its top-left corner, `width`,
    `height`, all in percent of the image's width / height, and `rotation` in degrees clockwise around that
    corner (https://labelstud.io/templates/image_bbox#Rotation; label_studio_sdk.converter.utils
    .convert_annotation_to_yolo_obb rebuilds the corners as (x, y), (x + w·cos r, y + w·sin r), … in pixels).
    The angle is kept in [0, 360), the range Label Studio's RectangleValue accepts.
    """
    cx, cy, w, h, r = (float(v) for v in xywhr)
    cos, sin = math.cos(r), math.sin(r)
    # top-left corner = centre − half the width along the box's x axis − half the height along its y axis
    x0, y0 = cx - w / 2 * cos + h / 2 * sin, cy - w / 2 * sin - h / 2 * cos
    degrees = math.degrees(r) % 360.0
    return {
        "id": _rid(), "from_name": from_name, "to_name": to_name, "type": "rectanglelabels",
        "original_width": width, "original_height": height, "image_rotation": 0,
        "value": {"x": 100.0 * x0 / width, "y": 100.0 * y0 / height, "width": 100.0 * w / width,
                  "height": 100.0 * h / height, "rotation": 0.0 if degrees >= 360.0 else degrees,
                  "rectanglelabels": [label]},
        "score": round(float(score), 6),
    }


def keypoint(from_name: str, to_name: str, label: str, xy: Sequence[float], width: int, height: int, score: float,
             point_size: float = 1.0) -> dict:
    """A keypointlabels result item; the point in pixels (kept inside the image), stored as percentages, and
    `width` the point's drawn size (`point_size` pixels) in percent of the image width."""
    x, y = (float(v) for v in xy)
    x, y = max(0.0, min(x, width)), max(0.0, min(y, height))
    return {
        "id": _rid(), "from_name": from_name, "to_name": to_name, "type": "keypointlabels",
        "original_width": width, "original_height": height, "image_rotation": 0,
        "value": {"x": 100.0 * x / width, "y": 100.0 * y / height, "width": 100.0 * point_size / width,
                  "keypointlabels": [label]},
        "score": round(float(score), 6),
    }


def polygon(from_name: str, to_name: str, label: str, points_xy: Iterable[Sequence[float]], width: int, height: int,
            score: float) -> dict:
    """A polygonlabels result item; points in pixels, stored as percentages."""
    pts = [[100.0 * float(x) / width, 100.0 * float(y) / height] for x, y in points_xy]
    return {
        "id": _rid(), "from_name": from_name, "to_name": to_name, "type": "polygonlabels",
        "original_width": width, "original_height": height, "image_rotation": 0,
        "value": {"points": pts, "closed": True, "polygonlabels": [label]},
        "score": round(float(score), 6),
    }


def choices(from_name: str, to_name: str, labels: Sequence[str], score: float) -> dict:
    """A choices result item."""
    return {"id": _rid(), "from_name": from_name, "to_name": to_name, "type": "choices",
            "value": {"choices": list(labels)}, "score": round(float(score), 6)}


def span(from_name: str, to_name: str, label: str, text: str, start: int, end: int, score: float) -> dict:
    """A labels result item on Text: character offsets [start, end) into `text`, and the covered text."""
    return {"id": _rid(), "from_name": from_name, "to_name": to_name, "type": "labels",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
            "score": round(float(score), 6)}


def textarea(from_name: str, to_name: str, text: str, score: float) -> dict:
    """A textarea result item (a transcript): Label Studio keeps the text as a one-element list."""
    return {"id": _rid(), "from_name": from_name, "to_name": to_name, "type": "textarea",
            "value": {"text": [text]}, "score": round(float(score), 6)}


def task_score(regions: Sequence[dict]) -> float:
    """Task score = lowest region score; 0.0 for an empty prediction (see module docstring)."""
    scores = [float(r["score"]) for r in regions if "score" in r]
    return round(min(scores), 6) if scores else 0.0


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
