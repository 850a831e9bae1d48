"""Pure backend logic: regions, score definition, class→label mapping, zero-shot choice, settings."""

from __future__ import annotations

import numpy as np

from ml_backend.label_mapping import build_class_map
from ml_backend.regions import box_iou, choices, rectangle, task_score
from ml_backend.settings import BackendSettings
from ml_backend.zero_shot import choose, probabilities


def test_rectangle_is_in_percent_and_clipped() -> None:
    r = rectangle("label", "image", "Circle", (-10, 50, 100, 250), 200, 200, 0.8)
    assert r["value"] == {"x": 0.0, "y": 25.0, "width": 50.0, "height": 75.0, "rotation": 0,
                          "rectanglelabels": ["Circle"]}
    assert r["score"] == 0.8 and r["original_width"] == 200


def test_task_score_is_lowest_region_score_and_zero_when_empty() -> None:
    regions = [choices("a", "t", ["x"], 0.9), choices("b", "t", ["y"], 0.4)]
    assert task_score(regions) == 0.4
    assert task_score([]) == 0.0


def test_class_map_exact_then_case_insensitive_then_explicit() -> None:
    mapping = build_class_map(["Car", "person", "truck", "dog", "bus"], ["Car", "Person", "Vehicle"],
                              predicted_values={"Vehicle": ["truck"]}, explicit={"bus": "Vehicle", "dog": "Cat"})
    assert mapping == {"Car": "Car", "person": "Person", "truck": "Vehicle", "bus": "Vehicle"}


def test_box_iou() -> None:
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert abs(box_iou((0, 0, 10, 10), (5, 0, 15, 10)) - 1 / 3) < 1e-9
    assert box_iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0


def test_zero_shot_choice_single_and_multiple() -> None:
    labels = np.eye(3)
    text = np.array([[0.8, 0.6, 0.0]])
    p = probabilities(text, labels, temperature=1.0)[0]
    assert abs(p.sum() - 1) < 1e-9 and p[0] > p[1] > p[2]
    assert choose(p, multiple=False)[0] == [0]
    sharp = probabilities(text, labels, temperature=0.5)[0]
    assert choose(sharp, multiple=True)[0] == [0, 1]


def test_settings_from_env_and_file(tmp_path) -> None:
    cfg = tmp_path / "backend.yaml"
    cfg.write_text("batch_size: 4\nlabel_map: {car: Vehicle}\nallowed_local_dirs: [/a, /b]\n")
    s = BackendSettings.load({"LABELOPS_BACKEND_CONFIG": str(cfg), "BATCH_SIZE": "8", "CONF_THRESHOLD": "0.5",
                              "LABEL_STUDIO_API_KEY": "secret-token"})
    assert s.batch_size == 8 and s.conf_threshold == 0.5
    assert s.label_map == {"car": "Vehicle"} and s.allowed_local_dirs == ["/a", "/b"]
    assert "secret-token" not in repr(s) and "secret-token" not in str(s.public())


def test_missing_weights_make_image_tags_unservable_with_reason() -> None:
    from ml_backend.model import LabelopsModel

    config = ('<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image">'
              '<Label value="Circle"/></RectangleLabels></View>')
    model = LabelopsModel(label_config=config, settings=BackendSettings(yolo_model_path="/nonexistent/w.pt"))
    assert "RectangleLabels 'label': weights file not found: /nonexistent/w.pt" in model.unservable
    off = LabelopsModel(label_config=config, settings=BackendSettings(yolo_model_path=""))
    assert "no weights configured (YOLO_MODEL_PATH)" in off.unservable


def test_shipped_emotion_config_serves_only_the_emotion_tag() -> None:
    from ml_backend.controls.registry import build_models
    from sdk_scripts.label_config_library import read_config

    models, reasons = build_models(read_config("text_emotion"), BackendSettings())
    assert [m.from_name for m in models] == ["emotion"] and models[0].multiple is True
    assert "Choices 'sarcasm': zero-shot needs at least two choices" in reasons
    assert "Choices 'confidence': skipped (SKIP_CONTROLS)" in reasons
