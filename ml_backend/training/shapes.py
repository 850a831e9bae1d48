"""Synthetic shape images (circle / square / triangle) with exact bounding boxes and outlines, from a seed.

Pure generation (numpy + Pillow, no I/O except `write_yolo_dataset`). Used to train the shipped
detector and, with a different seed, to make fresh test images whose true boxes, outlines (polygons)
and classes are known.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

CLASSES: tuple[str, ...] = ("circle", "square", "triangle")


@dataclass(frozen=True)
class Shape:
    """One drawn shape: its class name and pixel box (x0, y0, x1, y1)."""

    label: str
    box: tuple[float, float, float, float]

    def outline(self, points: int = 16) -> list[tuple[float, float]]:
        """The drawn shape as a polygon in pixels: the triangle's 3 corners, the square's 4, the circle's `points`."""
        x0, y0, x1, y1 = self.box
        if self.label == "triangle":
            return [((x0 + x1) / 2, y0), (x1, y1), (x0, y1)]
        if self.label == "square":
            return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
        return [(cx + rx * math.cos(2 * math.pi * k / points), cy + ry * math.sin(2 * math.pi * k / points))
                for k in range(points)]


def _overlaps(box: tuple[float, float, float, float], others: list[Shape], margin: float = 4) -> bool:
    x0, y0, x1, y1 = box
    return any(not (x1 + margin < o.box[0] or o.box[2] + margin < x0
                    or y1 + margin < o.box[1] or o.box[3] + margin < y0)
               for o in others)


def make_image(rng: random.Random, size: int = 320, max_shapes: int = 4) -> tuple[Image.Image, list[Shape]]:
    """One image with 1..max_shapes non-overlapping shapes on a noisy coloured background."""
    bg = np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.int16)
    noise = np.random.default_rng(rng.randint(0, 2**31)).integers(-25, 26, size=(size, size, 3))
    pixels = np.clip(bg + noise, 0, 255).astype(np.uint8)
    img = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(img)
    shapes: list[Shape] = []
    for _ in range(rng.randint(1, max_shapes)):
        for _attempt in range(20):
            side = rng.uniform(size * 0.12, size * 0.35)
            x0 = rng.uniform(0, size - side)
            y0 = rng.uniform(0, size - side)
            box = (x0, y0, x0 + side, y0 + side)
            if not _overlaps(box, shapes):
                break
        else:
            continue
        label = rng.choice(CLASSES)
        # a fill colour far from the background
        fill = tuple(int((c + 128 + rng.randint(-40, 40)) % 256) for c in bg)
        if label == "circle":
            draw.ellipse(box, fill=fill)
        elif label == "square":
            draw.rectangle(box, fill=fill)
        else:
            x0, y0, x1, y1 = box
            draw.polygon([((x0 + x1) / 2, y0), (x1, y1), (x0, y1)], fill=fill)
        shapes.append(Shape(label, box))
    return img, shapes


def yolo_label_lines(shapes: list[Shape], size: int) -> list[str]:
    """YOLO txt lines (class cx cy w h, normalised) for the shapes of one image."""
    lines = []
    for s in shapes:
        x0, y0, x1, y1 = s.box
        lines.append(f"{CLASSES.index(s.label)} {(x0 + x1) / 2 / size:.6f} {(y0 + y1) / 2 / size:.6f} "
                     f"{(x1 - x0) / size:.6f} {(y1 - y0) / size:.6f}")
    return lines


def write_yolo_dataset(root: Path, n_train: int, n_val: int, seed: int, size: int = 320) -> Path:
    """Write an ultralytics data set (images/, labels/, data.yaml) under root; returns data.yaml."""
    rng = random.Random(seed)
    for split, n in (("train", n_train), ("val", n_val)):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            img, shapes = make_image(rng, size)
            img.save(root / "images" / split / f"{i:05d}.png")
            (root / "labels" / split / f"{i:05d}.txt").write_text("\n".join(yolo_label_lines(shapes, size)) + "\n")
    data = root / "data.yaml"
    names = "\n".join(f"  {i}: {n}" for i, n in enumerate(CLASSES))
    data.write_text(f"path: {root.resolve()}\ntrain: images/train\nval: images/val\nnames:\n{names}\n")
    return data
