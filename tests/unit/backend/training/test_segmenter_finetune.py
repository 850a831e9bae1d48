"""Fine-tuning YOLO-seg from Label Studio polygons: percent points → YOLO segment lines, bad polygons skipped with
their reasons (pure), and a real, tiny ultralytics run from untrained weights built from ultralytics' yaml."""

from __future__ import annotations

import io
import random
import tempfile
from pathlib import Path

import pytest

from ml_backend.training.finetune_segmenter import (
    SegmentationExample,
    fine_tune_segmenter,
    segmentation_examples,
    segmentation_label_lines,
)
from ml_backend.training.shapes import CLASSES, make_image
from ml_backend.training.yolo_finetune import Skip, TrainingDataError
from tests.support.shapes import untrained_yolo

SIZE = 96


def _polygon(label: str | None, points: list, control: str = "shape", region: str = "p") -> dict:
    return {"id": region, "from_name": control, "to_name": "image", "type": "polygonlabels",
            "original_width": 200, "original_height": 100,
            "value": {"points": points, "closed": True, "polygonlabels": [label] if label else []}}


def _task(task_id: int, *result: dict, truth: bool = False) -> dict:
    annotation = {"id": task_id * 10, "result": list(result), "was_cancelled": False, "ground_truth": truth}
    return {"id": task_id, "data": {"image": f"/data/upload/{task_id}.png"}, "annotations": [annotation]}


# -- percent points -> YOLO segmentation lines (pure) ---------------------------------------------------


def test_polygon_percent_points_become_normalised_yolo_segment_lines() -> None:
    example = SegmentationExample(7, "a.png", (
        ("square", ((10.0, 20.0), (50.0, 20.0), (50.0, 60.0), (10.0, 60.0))),
        # outside the image: clipped to its edges; the repeated closing point is dropped
        ("triangle", ((-10.0, 50.0), (110.0, 50.0), (50.0, 120.0), (-10.0, 50.0))),
    ))
    assert segmentation_label_lines(example, list(CLASSES)) == [
        "1 0.100000 0.200000 0.500000 0.200000 0.500000 0.600000 0.100000 0.600000",
        "2 0.000000 0.500000 1.000000 0.500000 0.500000 1.000000",
    ]
    assert segmentation_label_lines(SegmentationExample(8, "b.png", ()), list(CLASSES)) == []  # a negative
    with pytest.raises(TrainingDataError, match=r"task 9: polygon label 'hexagon' is not one of the classes"):
        segmentation_label_lines(SegmentationExample(9, "c.png", (("hexagon", ((1, 1), (5, 1), (5, 5))),)),
                                 list(CLASSES))


def test_segmentation_examples_keep_negatives_and_drop_bad_polygons_with_their_reasons() -> None:
    triangle = [[10, 10], [30, 10], [20, 30]]
    tasks = [
        _task(1, _polygon("circle", triangle), _polygon("square", [[0, 0], [5, 0], [5, 5], [0, 5]], region="q")),
        _task(2),  # annotated with no polygon: an image with nothing to find
        _task(3, _polygon("circle", [[10, 10], [30, 10]])),  # two points: no mask
        _task(4, _polygon("circle", [[10, 10], [10, 10], [30, 30], [30, 30]])),  # repeats: two distinct points
        _task(5, _polygon("circle", [[120, 10], [150, 10], [130, 40]])),  # wholly right of the image
        _task(6, _polygon("circle", [[10, 10], [20, 20], [30, 30]])),  # collinear: no area
        _task(7, _polygon(None, triangle), _polygon("circle", triangle, control="other"),
              {"from_name": "shape", "to_name": "image", "type": "rectanglelabels", "value": {}}),
        _task(8, _polygon("square", triangle), {"from_name": "flag", "to_name": "image", "type": "choices",
                                                "value": {"choices": ["out of scope"]}}),
        {"id": 9, "data": {}, "annotations": []},
    ]
    skipped: list[Skip] = []
    got = {e.task_id: e for e in segmentation_examples(tasks, "shape", "image", skipped)}
    assert sorted(got) == [1, 2, 3, 4, 5, 6, 7]
    assert got[1].polygons == (("circle", ((10.0, 10.0), (30.0, 10.0), (20.0, 30.0))),
                               ("square", ((0.0, 0.0), (5.0, 0.0), (5.0, 5.0), (0.0, 5.0))))
    assert all(got[i].polygons == () for i in (2, 3, 4, 5, 6, 7))  # tasks kept, bad regions dropped
    # the tasks' own reasons first, then those of the chosen annotations' regions
    assert skipped == [Skip(8, "flagged ambiguous or out of scope"), Skip(9, "no image in the task data ('image')"),
                       Skip(3, "polygon with fewer than 3 distinct points (region dropped)"),
                       Skip(4, "polygon with fewer than 3 distinct points (region dropped)"),
                       Skip(5, "polygon with fewer than 3 distinct points (region dropped)"),
                       Skip(6, "polygon with no area inside the image (region dropped)")]


@pytest.mark.parametrize("points", [[[10, 10], [30, "x"], [20, 30]], [[10, 10], [30], [20, 30]], "10,10 30,10"])
def test_points_that_are_not_number_pairs_name_the_task(points: object) -> None:
    with pytest.raises(TrainingDataError, match=r"task 12: annotation 120 region 'p': "):
        segmentation_examples([_task(12, _polygon("circle", points))], "shape", "image")


# -- fine_tune_segmenter (real ultralytics) ---------------------------------------------------------------


def _png(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def shape_examples(n: int, seed: int = 1357) -> list[tuple[SegmentationExample, bytes]]:
    """n fresh shape images with their outlines as Label Studio polygons (percent points)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        img, shapes = make_image(rng, size=SIZE)
        polygons = tuple((s.label, tuple((x / SIZE * 100, y / SIZE * 100) for x, y in s.outline())) for s in shapes)
        out.append((SegmentationExample(200 + i, f"/data/upload/poly{i}.png", polygons), _png(img)))
    return out


def test_fine_tune_writes_loadable_segmentation_weights_with_the_class_names(offline_env: list[str],
                                                                             tmp_path: Path) -> None:
    base = untrained_yolo("seg", ["a", "b"], tmp_path / "base-seg.pt")  # a user's weights, other classes
    examples = shape_examples(8)
    out = tmp_path / "models" / "segment-shape.pt"
    result = fine_tune_segmenter(base, examples, list(CLASSES), out, epochs=1, imgsz=64, batch=4, seed=1,
                                 workdir=tmp_path / "work")
    assert result.metric == "mask_map50" and result.score is not None and 0.0 <= result.score <= 1.0
    assert result.held_out and result.n_val >= 1 and result.n_train + result.n_val == 8
    assert [p.name for p in out.parent.iterdir()] == ["segment-shape.pt"]  # installed atomically, nothing beside
    # the data set: one line per outline, class then at least three normalised points
    lines = [line.split() for p in sorted((tmp_path / "work" / "data" / "labels").rglob("*.txt"))
             for line in p.read_text().splitlines()]
    assert len(lines) == sum(len(ex.polygons) for ex, _ in examples)
    assert all(int(v[0]) in range(3) and len(v) >= 7 and len(v) % 2 == 1 and all(0 <= float(x) <= 1 for x in v[1:])
               for v in lines)

    from PIL import Image
    from ultralytics import YOLO

    model = YOLO(str(out))
    assert model.task == "segment" and [model.names[i] for i in sorted(model.names)] == list(CLASSES)
    [prediction] = model.predict(Image.open(io.BytesIO(examples[0][1])), imgsz=64, device="cpu", verbose=False)
    assert prediction.boxes is not None  # the seg head answers (an untrained base finds little after one epoch)
    assert offline_env == [], f"outside connections attempted: {offline_env}"
    assert not list(Path(tempfile.gettempdir()).glob("segmenter-finetune-*"))
