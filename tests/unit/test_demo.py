"""The demo's pure parts: its bundled text sets, the held-out figures, the earlier round's import rows, the
shape images and the simulated annotators' boxes (no server; `tests/integration/test_demo.py` runs the demo)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from ml_backend.training.shapes import CLASSES, Shape
from sdk_scripts.demo import images, text
from sdk_scripts.demo.figures import HeldOutFigures, correct, top_choice
from sdk_scripts.demo.loop import samples_dir
from sdk_scripts.devserver.users import Annotator
from sdk_scripts.project_spec import load_spec


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (samples_dir() / name).read_text().splitlines() if line.strip()]


def test_bundled_text_sets_are_balanced_disjoint_and_use_the_projects_labels() -> None:
    earlier, held_out = rows("emotion_earlier_round.jsonl"), rows("emotion_held_out.jsonl")
    labels = load_spec(samples_dir() / text.SPEC).labels[text.CONTROL]
    assert Counter(r["emotion"] for r in earlier) == dict.fromkeys(labels, 18)
    assert Counter(r["emotion"] for r in held_out) == dict.fromkeys(labels, 6)
    live = {r["text"] for r in rows("emotion_tasks.jsonl")}
    texts = [r["text"] for r in earlier + held_out]
    assert len(set(texts)) == len(texts) == 168 and not live & set(texts)


def choices(control: str, *values: str) -> dict:
    return {"from_name": control, "to_name": "text", "type": "choices", "value": {"choices": list(values)}}


def test_held_out_accuracy_counts_the_top_choice_of_the_control() -> None:
    predictions = [{"result": [choices("confidence", "joy"), choices("emotion", "joy", "surprise")]},
                   {"result": [choices("emotion", "surprise", "joy")]},  # joy is second: wrong
                   {"result": []}]  # the backend had nothing for this text: wrong
    assert top_choice(predictions[0]["result"], "emotion") == "joy" and top_choice([], "emotion") is None
    assert correct(predictions, ["joy", "joy", "joy"], "emotion") == 1
    with pytest.raises(ValueError, match="3 predictions for 2 labels"):
        correct(predictions, ["joy", "joy"], "emotion")
    figures = HeldOutFigures(4, "labelops-minilm-zs", 1, "labelops-p1-v2", 3)
    assert (figures.zero_shot_accuracy, figures.trained_accuracy) == (0.25, 0.75)
    assert text.held_out_line(figures) == ("held-out texts (4, never imported): accuracy zero-shot 0.25 "
                                           "(labelops-minilm-zs) -> trained 0.75 (labelops-p1-v2)")
    untrained = HeldOutFigures(4, "labelops-minilm-zs", 1, "labelops-minilm-zs", 1)
    assert "no trained version yet, zero-shot 0.25" in text.held_out_line(untrained)
    assert HeldOutFigures(0, "", 0, "", 0).zero_shot_accuracy is None


def test_an_earlier_round_text_is_three_plain_annotations_by_email() -> None:
    people = [Annotator(id=i, email=f"a{i}@x.test", token="t", password="p") for i in range(3)]
    row = text.earlier_round_task(4, "We won!", "joy", people)
    assert row["data"] == {"text": "We won!"}
    assert [a["completed_by"] for a in row["annotations"]] == [{"email": f"a{i}@x.test"} for i in range(3)]
    # Label Studio's import makes annotations ground truth unless told otherwise
    assert all(a["ground_truth"] is False and a["was_cancelled"] is False for a in row["annotations"])
    emotions = [top_choice(a["result"], "emotion") for a in row["annotations"]]
    confidence = [top_choice(a["result"], "confidence") for a in row["annotations"]]
    assert emotions == ["joy"] * 3 and confidence == ["definitely", "probably", "definitely"]


def test_shape_images_are_drawn_once_and_the_same_every_run(tmp_path) -> None:
    first = images.draw_images(tmp_path / "a", n=3)
    again = images.draw_images(tmp_path / "b", n=3)
    assert [p.name for p, _ in first] == ["shapes_00.png", "shapes_01.png", "shapes_02.png"]
    assert [p.read_bytes() for p, _ in first] == [p.read_bytes() for p, _ in again]
    assert [s for _, s in first] == [s for _, s in again] and all(shapes for _, shapes in first)
    assert {s.label for _, shapes in first for s in shapes} <= set(CLASSES)
    before = first[0][0].stat().st_mtime_ns
    images.draw_images(tmp_path / "a", n=3)
    assert first[0][0].stat().st_mtime_ns == before  # an existing image is not written again


def test_simulated_annotators_draw_the_true_boxes_each_in_their_own_way() -> None:
    shapes = [Shape("circle", (32.0, 64.0, 96.0, 128.0)), Shape("triangle", (160.0, 160.0, 240.0, 224.0))]

    def boxes(image: int, annotator: int) -> list[tuple[str, tuple[float, ...]]]:
        out = []
        for r in images.simulated_boxes(shapes, image, annotator):
            v = r["value"]
            assert r["original_width"] == r["original_height"] == images.SIZE and r["type"] == "rectanglelabels"
            out.append((v["rectanglelabels"][0], tuple(round(c * images.SIZE / 100, 6)
                                                       for c in (v["x"], v["y"], v["width"], v["height"]))))
        return out

    exact = [("Circle", (32.0, 64.0, 64.0, 64.0)), ("Triangle", (160.0, 160.0, 80.0, 64.0))]
    assert boxes(0, 0) == boxes(1, 0) == exact
    assert boxes(0, 1) == [("Circle", (29.0, 61.0, 64.0, 64.0)), ("Triangle", (163.0, 163.0, 80.0, 64.0))]
    assert boxes(0, 2) == exact
    assert boxes(1, 2) == exact[:1]  # every third image: the last shape missed
    assert boxes(2, 2) == [("Square", (32.0, 64.0, 64.0, 64.0)), exact[1]]  # every fourth: first shape mislabelled
    assert images.simulated_boxes([shapes[0]], 1, 2) != []  # a lone shape is never missed
    ids = [r["id"] for k in range(3) for r in images.simulated_boxes(shapes, 5, k)]
    assert len(set(ids)) == len(ids)


def test_an_uploaded_task_is_matched_to_its_file_name() -> None:
    assert images.uploaded_name({"data": {"image": "/data/upload/3/1a2b3c4d-shapes_07.png"}}) == "shapes_07.png"
    assert images.uploaded_name({"data": {}}) == ""
