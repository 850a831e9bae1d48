"""Measure a shapes detector on fresh synthetic images: recall and precision at IoU >= 0.5 with the right label.

Run: python -m ml_backend.training.evaluate_detector [--weights PATH] [--images 100] [--seed 987654]
"""

from __future__ import annotations

import argparse
import random

from ml_backend.offline import configure_offline
from ml_backend.regions import box_iou
from ml_backend.settings import SHIPPED_DETECTOR
from ml_backend.training.shapes import make_image


def evaluate(weights: str, n_images: int = 100, seed: int = 987654, imgsz: int = 320,
             conf: float = 0.25) -> dict[str, float]:
    """{'recall', 'precision', 'shapes', 'boxes'} over n fresh images (seed unseen in training)."""
    configure_offline()
    from ultralytics import YOLO

    model = YOLO(weights)
    rng = random.Random(seed)
    shapes_total = boxes_total = hit_shapes = good_boxes = 0
    for _ in range(n_images):
        img, shapes = make_image(rng)
        res = model.predict(img, imgsz=imgsz, conf=conf, device="cpu", verbose=False)[0]
        preds = [(model.names[int(c)], b) for b, c in zip(res.boxes.xyxy.tolist(), res.boxes.cls.tolist(), strict=True)]
        shapes_total += len(shapes)
        boxes_total += len(preds)
        hit_shapes += sum(any(lab == s.label and box_iou(b, s.box) >= 0.5 for lab, b in preds) for s in shapes)
        good_boxes += sum(any(lab == s.label and box_iou(b, s.box) >= 0.5 for s in shapes) for lab, b in preds)
    return {"recall": hit_shapes / max(1, shapes_total), "precision": good_boxes / max(1, boxes_total),
            "shapes": shapes_total, "boxes": boxes_total}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--weights", default=str(SHIPPED_DETECTOR))
    p.add_argument("--images", type=int, default=100)
    p.add_argument("--seed", type=int, default=987654)
    a = p.parse_args()
    r = evaluate(a.weights, a.images, a.seed)
    print(f"{a.images} fresh images, {r['shapes']} shapes: recall@IoU0.5 {r['recall']:.1%}, "
          f"precision@IoU0.5 {r['precision']:.1%} ({r['boxes']} boxes)")


if __name__ == "__main__":
    main()
