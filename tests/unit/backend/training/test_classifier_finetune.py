"""Fine-tuning YOLO-cls from Label Studio's image choices: one class per task, the others skipped with their reasons
(pure), class folders, and real, tiny ultralytics runs from untrained weights built from ultralytics' yaml."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from ml_backend.training.finetune_classifier import (
    ClassificationExample,
    classification_examples,
    fine_tune_classifier,
    folder,
)
from ml_backend.training.shapes import make_image
from ml_backend.training.yolo_finetune import Skip, TrainingDataError
from tests.support.shapes import untrained_yolo

LABELS = ["Circle", "Square", "Triangle", "cat/dog"]  # a choice name no folder could carry
SIZE = 64


def _choices(*names: str, control: str = "kind") -> dict:
    return {"id": f"c{control}", "from_name": control, "to_name": "image", "type": "choices",
            "value": {"choices": list(names)}}


def _ann(ann_id: int, *result: dict, truth: bool = False, cancelled: bool = False) -> dict:
    return {"id": ann_id, "result": list(result), "was_cancelled": cancelled, "ground_truth": truth}


def _task(task_id: int, *annotations: dict) -> dict:
    return {"id": task_id, "data": {"image": f"/data/upload/{task_id}.png"}, "annotations": list(annotations)}


def test_classification_examples_take_one_choice_per_image_and_say_why_others_are_skipped() -> None:
    tasks = [
        _task(1, _ann(10, _choices("Square"))),
        _task(2, _ann(20, _choices("Circle"), truth=True), _ann(21, _choices("Triangle"))),  # ground truth wins
        _task(3, _ann(30, _choices("Circle")), _ann(31, _choices("cat/dog"))),  # else the newest
        _task(4, _ann(40, _choices("Circle"), _choices("ambiguous", control="flag"))),
        _task(5, _ann(50, _choices("Circle", control="other"))),  # this control chose nothing
        _task(6, _ann(60, _choices("Circle", "Square"))),
        _task(7, _ann(70, _choices("Hexagon"))),
        _task(8, _ann(80, _choices("Circle"), cancelled=True)),
        _task(9, _ann(90, _choices("Square", "Square"))),  # the same choice twice is one choice
    ]
    skipped: list[Skip] = []
    got = classification_examples(tasks, "kind", "image", LABELS, skipped)
    assert got == [ClassificationExample(1, "/data/upload/1.png", "Square"),
                   ClassificationExample(2, "/data/upload/2.png", "Circle"),
                   ClassificationExample(3, "/data/upload/3.png", "cat/dog"),
                   ClassificationExample(9, "/data/upload/9.png", "Square")]
    # the tasks' own reasons first, then those of the chosen annotations
    assert skipped == [Skip(4, "flagged ambiguous or out of scope"), Skip(8, "no submitted annotation"),
                       Skip(5, "no choice made"), Skip(6, "several choices (YOLO-cls learns one class per image)"),
                       Skip(7, "choice 'Hexagon' is not one of the config's choices")]


# -- fine_tune_classifier (real ultralytics) ----------------------------------------------------------------


def _png(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def shape_examples(n: int, seed: int = 2468) -> list[tuple[ClassificationExample, bytes]]:
    """n one-shape images, each labelled with its shape's class; none is labelled "cat/dog"."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        img, [shape] = make_image(rng, size=SIZE, max_shapes=1)
        out.append((ClassificationExample(300 + i, f"/data/upload/cls{i}.png", shape.label.capitalize()), _png(img)))
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, offline_env: list[str]) -> Path:
    """A user's classifier with classes of its own (ImageNet's would be 1000)."""
    return untrained_yolo("cls", ["x", "y", "z"], tmp_path_factory.mktemp("cls-base") / "base-cls.pt")


def test_fine_tune_writes_class_folders_and_weights_named_by_the_choices(base: Path, offline_env: list[str],
                                                                         tmp_path: Path) -> None:
    examples = shape_examples(8)
    out = tmp_path / "classify-kind.pt"
    result = fine_tune_classifier(base, examples, LABELS, out, epochs=1, imgsz=SIZE, batch=4, seed=2,
                                  workdir=tmp_path / "work")
    assert result.metric == "accuracy" and result.score is not None and 0.0 <= result.score <= 1.0
    assert result.held_out and result.n_train + result.n_val == 8 and result.n_val >= 1
    data = tmp_path / "work" / "data"
    # every class a folder named by its index (the empty "cat/dog" one too), each image in its class's folder
    for split in ("train", "val"):
        assert sorted(p.name for p in (data / split).iterdir()) == [folder(i) for i in range(len(LABELS))]
    placed = {int(p.stem.partition("task")[2]): LABELS[int(p.parent.name)] for p in data.rglob("*.png")}
    assert placed == {ex.task_id: ex.label for ex, _ in examples}
    assert not list((data / "train" / folder(3)).iterdir())

    from PIL import Image
    from ultralytics import YOLO

    model = YOLO(str(out))
    assert model.task == "classify" and [model.names[i] for i in sorted(model.names)] == LABELS
    [prediction] = model.predict(Image.open(io.BytesIO(examples[0][1])), imgsz=SIZE, device="cpu", verbose=False)
    assert len(prediction.probs.data) == len(LABELS)
    assert offline_env == [], f"outside connections attempted: {offline_env}"


def test_few_images_validate_on_the_training_set_and_a_bad_image_fails_before_training(
        base: Path, tmp_path: Path) -> None:
    examples = shape_examples(3, seed=11)
    result = fine_tune_classifier(base, examples, LABELS, tmp_path / "small.pt", epochs=1, imgsz=SIZE, batch=4,
                                  workdir=tmp_path / "work")
    assert (result.held_out, result.n_train, result.n_val) == (False, 3, 0)
    assert (tmp_path / "work" / "data" / "val").resolve() == (tmp_path / "work" / "data" / "train").resolve()

    existing = tmp_path / "current.pt"
    existing.write_bytes(b"previous weights")
    broken = [*examples[:2], (ClassificationExample(4711, "s3://bucket/x.jpg", "Circle"), b"not an image")]
    with pytest.raises(TrainingDataError, match=r"task 4711: image 's3://bucket/x.jpg' cannot be decoded"):
        fine_tune_classifier(base, broken, LABELS, existing, epochs=1, imgsz=SIZE)
    assert existing.read_bytes() == b"previous weights"
