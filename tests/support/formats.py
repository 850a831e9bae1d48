"""Test helper for the export formats: export records built in the test, synthetic images, one ultralytics epoch,
and the formats read back (pixel boxes, CoNLL documents)."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from ml_backend.training.shapes import CLASSES, Shape, make_image
from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.labelstudio.media import MediaError

SIZE = 64
BOX_CONFIG = render_config(read_config("image_bbox"), {"label": list(CLASSES)})
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


def box(shape: Shape, size: int = SIZE, control: str = "label") -> dict:
    """A Label Studio rectangle region (percent of the image) for a shape's pixel box."""
    x0, y0, x1, y1 = shape.box
    return {"id": f"{shape.label}{x0:.0f}", "from_name": control, "to_name": "image", "type": "rectanglelabels",
            "original_width": size, "original_height": size,
            "value": {"x": x0 / size * 100, "y": y0 / size * 100, "width": (x1 - x0) / size * 100,
                      "height": (y1 - y0) / size * 100, "rotation": 0, "rectanglelabels": [shape.label]}}


def choice(control: str, *values: str) -> dict:
    return {"from_name": control, "to_name": "text", "type": "choices", "value": {"choices": list(values)}}


def span(text: str, start: int, end: int, label: str, control: str = "label") -> dict:
    return {"from_name": control, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}


def span_of(text: str, phrase: str, label: str, control: str = "label") -> dict:
    """A Label Studio span region (with a region id) over the first occurrence of `phrase` in `text`."""
    start = text.index(phrase)
    return {**span(text, start, start + len(phrase), label, control), "id": f"{label[:3]}{start}-{len(phrase)}"}


def pixel_box(value: dict, size: int = SIZE) -> Box:
    """A Label Studio rectangle value (percent of the image) as a pixel box (x0, y0, x1, y1)."""
    x0, y0 = value["x"] * size / 100, value["y"] * size / 100
    return x0, y0, x0 + value["width"] * size / 100, y0 + value["height"] * size / 100


def labelled_boxes(regions: list[dict], size: int = SIZE) -> list[tuple[str, Box]]:
    """(label, pixel box) of each rectangle region, sorted by box."""
    return sorted(((r["value"]["rectanglelabels"][0], pixel_box(r["value"], size)) for r in regions),
                  key=lambda item: item[1])


def max_gap(a: Box, b: Box) -> float:
    """The largest difference between two boxes' coordinates, in pixels."""
    return max(abs(p - q) for p, q in zip(a, b, strict=True))


def conll_documents(path: Path) -> list[list[tuple[str, str]]]:
    """The (token, tag) pairs of each document of a CoNLL 2003 file as the converter writes it (a `-DOCSTART-`
    line, `token -X- _ tag` lines, a blank line after each document)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "-DOCSTART- -X- O", lines[0]
    docs: list[list[tuple[str, str]]] = [[]]
    for line in lines[1:]:
        if not line:
            docs.append([])
            continue
        token, x, underscore, tag = line.split(" ")
        assert (x, underscore) == ("-X-", "_"), line
        docs[-1].append((token, tag))
    return [d for d in docs if d]


def record(task: int, data: dict, final: list[dict] | None, *, state: str = "agreed", confidence: float = 0.9,
           weight: float | None = None, source: str = "majority") -> dict:
    """An export record (`review.export.export_records`' shape, the fields the formats read)."""
    out = {"task": task, "data": data, "state": state, "final": final, "final_source": source if final else None,
           "confidence": confidence, "agreement": confidence, "interpretations": [], "review": None}
    if weight is not None:
        out["weight"] = weight
    return out


def shape_records(folder: Path, n: int, seed: int = 5, first_task: int = 100) -> tuple[list[dict], list[list[Shape]]]:
    """`n` image records whose finals are the exact boxes of synthetic shape images written to `folder`
    (served by `serve_images(folder)` under `/data/upload/1/<name>`), and the shapes of each."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    records, shapes = [], []
    for i in range(n):
        img, drawn = make_image(rng, size=SIZE, max_shapes=3)
        img.save(folder / f"shape{i}.png")
        records.append(record(first_task + i, {"image": f"/data/upload/1/shape{i}.png"}, [box(s) for s in drawn],
                              weight=round(0.5 + i / (2 * n), 4)))
        shapes.append(drawn)
    return records, shapes


def serve_images(folder: Path) -> Callable[[str, int], bytes]:
    """A `Fetch` reading `/data/upload/1/<name>` from `folder`; a missing file fails as Label Studio's 404 does."""

    def fetch(ref: str, task: int) -> bytes:
        path = folder / Path(ref).name
        if not path.is_file():
            raise MediaError("HTTP 404 fetching media", status=404)
        return path.read_bytes()

    return fetch


def train_one_epoch(data_yaml: Path, workdir: Path) -> object:
    """Train ultralytics YOLO for one epoch at imgsz 64 on a data.yaml, offline, from the shipped weights;
    returns the trainer's validation metrics."""
    from ml_backend.offline import configure_offline
    from ml_backend.settings import SHIPPED_DETECTOR

    configure_offline(workdir / "ultralytics")
    import torch
    from ultralytics import YOLO

    threads = torch.get_num_threads()
    try:
        model = YOLO(str(SHIPPED_DETECTOR))
        return model.train(data=str(data_yaml), epochs=1, imgsz=SIZE, batch=4, seed=0, deterministic=True,
                           device="cpu", workers=0, project=str(workdir / "runs"), name="export", exist_ok=True,
                           plots=False, amp=False, verbose=False)
    finally:
        torch.set_num_threads(threads)
