"""Test helper: fresh synthetic shape images (a seed the detector never saw) and box matching."""

from __future__ import annotations

import random
from pathlib import Path

from ml_backend.regions import box_iou
from ml_backend.training.shapes import Shape, make_image

TEST_SEED = 987654


def write_test_images(directory: Path, n: int, seed: int = TEST_SEED, prefix: str = "shape",
                      max_shapes: int = 4) -> list[tuple[Path, list[Shape]]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        img, shapes = make_image(rng, max_shapes=max_shapes)
        path = Path(directory) / f"{prefix}{seed}_{i:03d}.png"
        img.save(path)
        out.append((path, shapes))
    return out


def pixel_box(region: dict) -> tuple[float, float, float, float]:
    v, w, h = region["value"], region["original_width"], region["original_height"]
    x0, y0 = v["x"] * w / 100, v["y"] * h / 100
    return (x0, y0, x0 + v["width"] * w / 100, y0 + v["height"] * h / 100)


def matched_shapes(shapes: list[Shape], regions: list[dict], iou: float = 0.5) -> int:
    """How many true shapes have a predicted box of the same label (case-insensitive) with IoU ≥ iou."""
    found = 0
    for s in shapes:
        if any(r["value"]["rectanglelabels"][0].lower() == s.label and box_iou(pixel_box(r), s.box) >= iou
               for r in regions):
            found += 1
    return found


def untrained_yolo(task: str, names: list[str], path: Path, seed: int = 0) -> Path:
    """Untrained yolo11n weights for `task` ("seg" or "cls") with `names` as its classes, built from the yaml
    ultralytics ships (nothing downloaded), saved to `path`: the weights a user would bring, stood in for."""
    from ml_backend.offline import configure_offline

    configure_offline()
    import torch
    from ultralytics import YOLO

    torch.manual_seed(seed)
    model = YOLO(f"yolo11n-{task}.yaml")
    spec = {**model.model.yaml, "nc": len(names)}
    model.model = type(model.model)(spec, nc=len(names), verbose=False)
    model.model.names = dict(enumerate(names))
    model.model.task = model.task
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    model.save(str(path))
    return Path(path)
