"""Fine-tuning the detector from Label Studio boxes: task selection (pure) and a real, tiny ultralytics run."""

from __future__ import annotations

import io
import random
import tempfile
from pathlib import Path

import pytest

from ml_backend.settings import SHIPPED_DETECTOR
from ml_backend.training.finetune_detector import DetectionExample, detection_examples, fine_tune_detector
from ml_backend.training.shapes import CLASSES, make_image
from ml_backend.training.yolo_finetune import FineTuneResult, Skip, TrainingDataError

SEED = 4242  # not the shipped detector's training seed (0)
SIZE = 160


# -- detection_examples (pure) ---------------------------------------------------------------------


def _box(label: str, x: float, y: float, w: float = 10, h: float = 10, control: str = "label") -> dict:
    return {"id": f"r{label}{x}", "from_name": control, "to_name": "image", "type": "rectanglelabels",
            "original_width": 200, "original_height": 100,
            "value": {"x": x, "y": y, "width": w, "height": h, "rotation": 0, "rectanglelabels": [label]}}


def _flag(*choices: str) -> dict:
    return {"id": "f", "from_name": "flag", "to_name": "image", "type": "choices", "value": {"choices": list(choices)}}


def _ann(ann_id: int, *result: dict, cancelled: bool = False, truth: bool = False) -> dict:
    return {"id": ann_id, "result": list(result), "was_cancelled": cancelled, "ground_truth": truth,
            "updated_at": f"2025-01-0{ann_id % 9 + 1}T00:00:00Z"}


def _task(task_id: int, *annotations: dict, image: object = "default") -> dict:
    data = {} if image is None else {"image": f"/data/upload/{task_id}.png" if image == "default" else image}
    return {"id": task_id, "data": data, "annotations": list(annotations)}


def test_detection_examples_selects_the_annotation_and_the_tasks() -> None:
    tasks = [
        # ground truth wins over a newer annotation
        _task(1, _ann(10, _box("circle", 1, 2), truth=True), _ann(11, _box("square", 5, 5))),
        # no ground truth: the most recent (highest id) annotation, whatever the list order
        _task(2, _ann(21, _box("triangle", 30, 40, 20, 25)), _ann(20, _box("circle", 0, 0))),
        # a cancelled annotation is ignored even when newest, and cannot be ground truth
        _task(3, _ann(30, _box("square", 10, 10)), _ann(31, _box("circle", 50, 50), cancelled=True, truth=True)),
        # any annotator's flag drops the task, even when the chosen annotation is unflagged
        _task(4, _ann(40, _box("circle", 1, 1), truth=True), _ann(41, _box("circle", 1, 1), _flag("ambiguous"))),
        _task(5, _ann(50, _box("circle", 1, 1), _flag("out of scope"))),
        # a flag the filter does not know about keeps the task
        _task(6, _ann(60, _box("circle", 1, 1), _flag("blurry"))),
        # an annotation with no boxes of this control: a negative example
        _task(7, _ann(70, _box("circle", 1, 1, control="other"))),
        _task(8, _ann(80)),
        # no image / not a string / no usable annotation: skipped
        _task(9, _ann(90, _box("circle", 1, 1)), image=None),
        _task(10, _ann(100, _box("circle", 1, 1)), image=["a.png"]),
        _task(11, _ann(110, _box("circle", 1, 1), cancelled=True)),
        _task(12),
        # a flag in a cancelled annotation does not count
        _task(13, _ann(130, _box("square", 2, 3)), _ann(131, _flag("ambiguous"), cancelled=True)),
    ]
    skipped: list[Skip] = []
    got = {e.task_id: e for e in detection_examples(tasks, control="label", value_key="image", skipped=skipped)}
    assert sorted(got) == [1, 2, 3, 6, 7, 8, 13]
    assert skipped == [Skip(4, "flagged ambiguous or out of scope"), Skip(5, "flagged ambiguous or out of scope"),
                       Skip(9, "no image in the task data ('image')"), Skip(10, "no image in the task data ('image')"),
                       Skip(11, "no submitted annotation"), Skip(12, "no submitted annotation")]
    assert got[1] == DetectionExample(1, "/data/upload/1.png", (("circle", 1.0, 2.0, 10.0, 10.0),))
    assert got[2].boxes == (("triangle", 30.0, 40.0, 20.0, 25.0),)
    assert got[3].boxes == (("square", 10.0, 10.0, 10.0, 10.0),)
    assert got[6].boxes == (("circle", 1.0, 1.0, 10.0, 10.0),)
    assert got[7].boxes == () and got[8].boxes == ()
    assert got[13].boxes == (("square", 2.0, 3.0, 10.0, 10.0),)


def test_detection_examples_rotated_box_becomes_its_bounding_box_and_bad_numbers_name_the_task() -> None:
    rotated = _box("square", 50, 10, 10, 20)
    rotated["value"]["rotation"] = 90  # about the top-left corner, clockwise, in pixels (200 x 100 image)
    [ex] = detection_examples([_task(1, _ann(1, rotated))], "label", "image")
    label, x, y, w, h = ex.boxes[0]
    # 20 px wide x 20 px tall box turned 90 degrees: spans x 80..100 px, y 10..30 px
    assert label == "square" and (x, y, w, h) == pytest.approx((40.0, 10.0, 10.0, 20.0))
    broken = _box("circle", 1, 1)
    broken["value"]["width"] = "wide"
    with pytest.raises(TrainingDataError, match=r"task 77: .*width is 'wide'"):
        detection_examples([_task(77, _ann(1, broken))], "label", "image")


# -- fine_tune_detector (real ultralytics) ---------------------------------------------------------


def _png(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def shape_examples(n: int, seed: int = SEED) -> list[tuple[DetectionExample, bytes]]:
    """n fresh shape images as Label Studio would describe them (percent boxes), the last one empty."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        img, shapes = make_image(rng, size=SIZE)
        boxes = tuple((s.label, s.box[0] / SIZE * 100, s.box[1] / SIZE * 100, (s.box[2] - s.box[0]) / SIZE * 100,
                       (s.box[3] - s.box[1]) / SIZE * 100) for s in shapes)
        if i == n - 1:  # a negative example: an image annotated as having nothing to find
            boxes = ()
        out.append((DetectionExample(100 + i, f"/data/upload/shape{i}.png", boxes), _png(img)))
    return out


@pytest.fixture(scope="module")
def tuned(offline_env: list[str], tmp_path_factory: pytest.TempPathFactory) -> tuple[FineTuneResult, list]:
    import torch

    examples = shape_examples(8)
    out = tmp_path_factory.mktemp("tuned") / "models" / "tuned.pt"
    threads = torch.get_num_threads()
    result = fine_tune_detector(SHIPPED_DETECTOR, examples, list(CLASSES), out, epochs=1, imgsz=SIZE, batch=4,
                                seed=3)
    assert torch.get_num_threads() == threads  # ultralytics lowers it process-wide; fine_tune_detector restores it
    return result, examples


def test_fine_tune_writes_loadable_weights_with_the_class_names(tuned, offline_env: list[str]) -> None:
    result, examples = tuned
    assert result.out_path.is_file() and 1e6 < result.out_path.stat().st_size < 20e6
    assert result.class_names == CLASSES
    assert result.held_out is True and result.n_val >= 1 and result.n_train + result.n_val == len(examples)
    assert result.metric == "map50" and result.score is not None and 0.0 <= result.score <= 1.0
    assert result.seconds > 0
    # the atomic copy left no temp file beside it, and the temp work dir is gone
    assert [p.name for p in result.out_path.parent.iterdir()] == ["tuned.pt"]
    assert not list(Path(tempfile.gettempdir()).glob("detector-finetune-*"))

    from ultralytics import YOLO

    model = YOLO(str(result.out_path))
    assert [model.names[i] for i in sorted(model.names)] == list(CLASSES)
    from PIL import Image

    image = Image.open(io.BytesIO(examples[0][1]))
    [prediction] = model.predict(image, imgsz=SIZE, device="cpu", verbose=False)
    assert prediction.boxes is not None
    assert offline_env == [], f"outside connections attempted: {offline_env}"


def test_fine_tune_keeps_a_given_workdir_with_a_yolo_data_set(offline_env: list[str], tmp_path: Path) -> None:
    # three images: too few to hold any out, so validation uses the training images
    examples = shape_examples(3, seed=SEED + 1)
    work = tmp_path / "work"
    result = fine_tune_detector(SHIPPED_DETECTOR, examples, list(CLASSES), tmp_path / "small.pt", epochs=1,
                                imgsz=64, batch=4, workdir=work)
    assert (result.held_out, result.n_train, result.n_val) == (False, 3, 0)
    assert (tmp_path / "small.pt").is_file()
    labels = sorted((work / "data" / "labels" / "train").glob("*.txt"))
    assert [p.name for p in labels] == ["00000-task100.txt", "00001-task101.txt", "00002-task102.txt"]
    assert labels[-1].read_text() == ""  # the negative example
    first = labels[0].read_text().split()
    assert int(first[0]) in range(len(CLASSES)) and all(0 <= float(v) <= 1 for v in first[1:5])


def test_corrupt_image_is_refused_before_training_and_out_path_is_untouched(tmp_path: Path) -> None:
    examples = shape_examples(6)
    broken = DetectionExample(4711, "s3://bucket/broken.jpg", examples[2][0].boxes)
    examples[2] = (broken, b"not an image")
    out = tmp_path / "new.pt"
    with pytest.raises(TrainingDataError, match=r"task 4711: image 's3://bucket/broken.jpg' cannot be decoded"):
        fine_tune_detector(SHIPPED_DETECTOR, examples, list(CLASSES), out, epochs=1, imgsz=SIZE)
    assert not out.exists()

    existing = tmp_path / "current.pt"
    existing.write_bytes(b"previous weights")
    with pytest.raises(TrainingDataError, match="4711"):
        fine_tune_detector(SHIPPED_DETECTOR, examples, list(CLASSES), existing, epochs=1, imgsz=SIZE)
    assert existing.read_bytes() == b"previous weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current.pt"]


def test_unknown_label_and_no_examples_are_refused(tmp_path: Path) -> None:
    examples = shape_examples(3)
    examples[1] = (DetectionExample(901, "x.png", (("hexagon", 10, 10, 20, 20),)), examples[1][1])
    out = tmp_path / "x.pt"
    with pytest.raises(TrainingDataError, match=r"task 901: box label 'hexagon' is not one of the classes"):
        fine_tune_detector(SHIPPED_DETECTOR, examples, list(CLASSES), out, epochs=1, imgsz=SIZE)
    with pytest.raises(TrainingDataError, match="no examples"):
        fine_tune_detector(SHIPPED_DETECTOR, [], list(CLASSES), out, epochs=1, imgsz=SIZE)
    assert not out.exists()
