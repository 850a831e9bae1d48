"""Oriented boxes (YOLO-OBB) and key points (YOLO-pose) from user weights: Label Studio's rotation convention, the
result → region conversion on real ultralytics Results, the point mapping, bad input, /setup and /predict in-process.

The weights are built offline from the yaml configs inside ultralytics (random weights: they predict nothing, so the
regions are checked on Results objects built from tensors).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from label_studio_sdk.converter.utils import convert_annotation_to_yolo_obb
from label_studio_sdk.label_interface import LabelInterface
from ultralytics.engine.results import Results

from ml_backend.controls.keypoints import PoseKeypoints, point_map
from ml_backend.controls.oriented import OrientedDetector
from ml_backend.controls.registry import build_models
from ml_backend.offline import configure_offline
from ml_backend.regions import rectangle, rotated_rectangle
from ml_backend.server import create_app
from ml_backend.settings import SHIPPED_DETECTOR, BackendSettings
from ml_backend.training.shapes import make_image
from tests.support.yolo_weights import build_weights, outside_connections_refused

POINTS = ('<Label value="nose" predicted_values="person" model_index="0"/>'
          '<Label value="left_eye" predicted_values="Person" model_index="1"/>'
          '<Label value="whisker" predicted_values="cat" model_index="0"/>'
          '<Label value="paw" predicted_values="dog" model_index="2"/><Label value="free"/>')
CONFIG = ('<View><Image name="image" value="$image"/>'
          '<RectangleLabels name="boxes" toName="image" model_obb="true" model_path="obb.pt">'
          '<Label value="Plane" predicted_values="plane"/><Label value="Ship"/></RectangleLabels>'
          f'<KeyPointLabels name="points" toName="image" model_path="pose.pt" model_point_threshold="0.5" '
          f'model_point_size="2">{POINTS}</KeyPointLabels></View>')


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    """MODELS_ROOT with tiny OBB and pose weights (classes plane/ship, person/cat); the network refused throughout."""
    root = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as mp, outside_connections_refused() as refused:
        mp.setenv("YOLO_CONFIG_DIR", str(root.parent / "ultralytics"))
        configure_offline()
        build_weights("yolo11n-obb.yaml", root / "obb.pt", ["plane", "ship"])
        build_weights("yolo11n-pose.yaml", root / "pose.pt", ["person", "cat"])
        yield root, refused
    assert refused == []


def _corners(value: dict, width: int, height: int) -> list[tuple[float, float]]:
    """The four corners Label Studio's converter draws for a rectangle value (pixels)."""
    return convert_annotation_to_yolo_obb({**value, "original_width": width, "original_height": height},
                                          normalize=False)


def _same_corners(a: list, b: list) -> bool:
    return all(min(math.dist(p, q) for q in b) < 1e-3 for p in a) and len(a) == len(b) == 4  # float32 tensors


def test_a_90_degree_box_round_trips_through_label_studios_geometry() -> None:
    image = np.zeros((100, 200, 3), dtype=np.uint8)
    # ultralytics: centre (100, 50), 40 x 20 px, rotated a quarter turn clockwise on screen
    obb = Results(image, path="a.png", names={0: "plane"}, obb=torch.tensor([[100.0, 50.0, 40.0, 20.0, math.pi / 2,
                                                                             0.9, 0.0]])).obb
    region = rotated_rectangle("boxes", "image", "Plane", obb.xywhr[0].tolist(), 200, 100, 0.9)
    value = region["value"]
    # the unrotated box's top-left corner (110, 30) px, 40 px of width along +y, rotation 90° about that corner
    assert value["x"] == pytest.approx(55.0) and value["y"] == pytest.approx(30.0)
    assert value["width"] == pytest.approx(20.0) and value["height"] == pytest.approx(20.0)
    assert value["rotation"] == pytest.approx(90.0)
    corners = _corners(value, 200, 100)
    assert _same_corners(corners, [tuple(p) for p in obb.xyxyxyxy[0].tolist()])
    # upright: an axis-aligned 20 x 40 px box over x 90..110, y 30..70
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    assert (min(xs), max(xs), min(ys), max(ys)) == pytest.approx((90, 110, 30, 70))


@pytest.mark.parametrize(("angle", "size"), [(-math.pi / 6, (320, 240)), (2.5, (640, 320)), (0.0, (200, 150))])
def test_any_angle_draws_the_models_corners(angle: float, size: tuple[int, int]) -> None:
    width, height = size
    obb = Results(np.zeros((height, width, 3), dtype=np.uint8), path="a.png", names={0: "a"},
                  obb=torch.tensor([[150.0, 90.0, 60.0, 24.0, angle, 0.8, 0.0]])).obb
    region = rotated_rectangle("b", "i", "A", obb.xywhr[0].tolist(), width, height, 0.8)
    assert 0.0 <= region["value"]["rotation"] < 360.0
    assert _same_corners(_corners(region["value"], width, height), [tuple(p) for p in obb.xyxyxyxy[0].tolist()])
    if angle == 0.0:  # no rotation: the same box the upright builder writes
        upright = rectangle("b", "i", "A", (120, 78, 180, 102), width, height, 0.8)["value"]
        assert {k: pytest.approx(v) for k, v in upright.items()} == region["value"]


def test_oriented_boxes_map_classes_and_drop_the_rest(offline) -> None:
    root, _ = offline
    models, _ = build_models(CONFIG, BackendSettings(models_root=str(root)))
    detector = next(m for m in models if isinstance(m, OrientedDetector))
    boxes = torch.tensor([[50.0, 40.0, 30.0, 10.0, 0.3, 0.95, 0.0],   # plane → Plane (predicted_values)
                          [90.0, 60.0, 20.0, 20.0, 1.0, 0.40, 1.0],   # ship → Ship (case-insensitive name)
                          [10.0, 10.0, 5.0, 5.0, 0.0, 0.70, 7.0]])    # class "7": no label, dropped
    result = Results(np.zeros((120, 160, 3), dtype=np.uint8), path="a.png", names=detector.model.names, obb=boxes)
    regions = detector.regions_for(result, 160, 120)
    assert [(r["value"]["rectanglelabels"], r["score"]) for r in regions] == [(["Plane"], 0.95), (["Ship"], 0.4)]
    assert all(r["type"] == "rectanglelabels" and r["from_name"] == "boxes" for r in regions)
    assert detector.dropped == {"7": 1}
    assert detector.uncertainty_for(regions) == pytest.approx((0.9 + 0.2) / 2)


def test_key_points_follow_predicted_values_and_model_index(offline) -> None:
    root, _ = offline
    models, reasons = build_models(CONFIG, BackendSettings(models_root=str(root)))
    pose = next(m for m in models if isinstance(m, PoseKeypoints))
    assert pose.points == {("person", 0): "nose", ("person", 1): "left_eye", ("cat", 0): "whisker"}
    assert reasons == []
    keypoints = torch.zeros((3, 17, 3))
    keypoints[0, 0] = torch.tensor([40.0, 30.0, 0.9])    # person nose
    keypoints[0, 1] = torch.tensor([-5.0, 130.0, 0.6])   # person left eye, off the image: kept at the edge
    keypoints[0, 2] = torch.tensor([50.0, 50.0, 0.99])   # index 2 has no label
    keypoints[1, 0] = torch.tensor([80.0, 60.0, 0.3])    # cat whisker under model_point_threshold 0.5
    keypoints[2, 0] = torch.tensor([10.0, 10.0, 0.9])    # class "2": not mapped
    boxes = torch.tensor([[0.0, 0.0, 100.0, 100.0, 0.8, 0.0], [60.0, 40.0, 120.0, 90.0, 0.7, 1.0],
                          [0.0, 0.0, 20.0, 20.0, 0.9, 2.0]])
    result = Results(np.zeros((120, 160, 3), dtype=np.uint8), path="a.png", names=pose.model.names, boxes=boxes,
                     keypoints=keypoints)
    regions = pose.regions_for(result, 160, 120)
    assert [(r["value"]["keypointlabels"], r["value"]["x"], r["value"]["y"], r["score"]) for r in regions] == [
        (["nose"], 25.0, 25.0, 0.9), (["left_eye"], 0.0, 100.0, 0.6)]
    assert all(r["type"] == "keypointlabels" and r["value"]["width"] == pytest.approx(1.25) for r in regions)
    assert pose.dropped == {"2": 1}
    interface = LabelInterface(CONFIG)
    assert interface.validate_prediction({"result": regions, "score": 0.6}, return_errors=True) == []


def test_point_map_says_which_label_is_wrong() -> None:
    assert point_map({"a": {"predicted_values": "x, Y", "model_index": "3"}}, ["x", "y"], 4) == {("x", 3): "a",
                                                                                                ("y", 3): "a"}
    for attrs, cause in (({"predicted_values": "x", "model_index": "one"}, 'model_index="one" is not an integer'),
                         ({"predicted_values": "x", "model_index": "4"}, 'model_index="4" is outside 0..3'),
                         ({"predicted_values": "x"}, "has no model_index"),
                         ({"model_index": "0"}, "has no predicted_values")):
        with pytest.raises(ValueError, match=cause):
            point_map({"a": attrs}, ["x"], 4)


def test_bad_obb_and_pose_tags_are_skipped_with_their_cause(offline, tmp_path: Path) -> None:
    root, _ = offline
    (root / "detect.pt").write_bytes(SHIPPED_DETECTOR.read_bytes())
    config = ('<View><Image name="image" value="$image"/>'
              '<KeyPointLabels name="p1" toName="image" model_path="pose.pt">'
              '<Label value="nose" predicted_values="person" model_index="17"/></KeyPointLabels>'
              '<KeyPointLabels name="p2" toName="image" model_path="pose.pt">'
              '<Label value="nose" predicted_values="horse" model_index="0"/></KeyPointLabels>'
              '<KeyPointLabels name="p3" toName="image" model_path="pose.pt" model_point_threshold="x">'
              '<Label value="nose"/></KeyPointLabels>'
              '<KeyPointLabels name="p4" toName="image" model_path="detect.pt"><Label value="nose"/></KeyPointLabels>'
              '<KeyPointLabels name="p5" toName="image"><Label value="nose"/></KeyPointLabels>'
              '<RectangleLabels name="o1" toName="image" model_obb="yes please" model_path="obb.pt">'
              '<Label value="Plane"/></RectangleLabels>'
              '<RectangleLabels name="o2" toName="image" model_obb="true"><Label value="Plane"/></RectangleLabels>'
              '<RectangleLabels name="o3" toName="image" model_obb="true" model_path="obb.pt">'
              '<Label value="Car"/></RectangleLabels>'
              '<RectangleLabels name="fine" toName="image"><Label value="Circle"/></RectangleLabels></View>')
    models, reasons = build_models(config, BackendSettings(models_root=str(root)))
    assert [m.from_name for m in models] == ["fine"]
    assert reasons == [
        "KeyPointLabels 'p1': label \"nose\": model_index=\"17\" is outside 0..16 (the model has 17 key points)",
        "KeyPointLabels 'p2': none of its labels maps to a key point of the model classes [person, cat, 2, 3, 4, 5, "
        "6, 7, 8, 9 ... (80 classes)]: give each <Label> predicted_values=\"<class>\" and model_index=\"<point "
        "index>\"",
        "KeyPointLabels 'p3': model_point_threshold=\"x\" is not a number (give one between 0 and 1)",
        "KeyPointLabels 'p4': model_path=\"detect.pt\" holds a YOLO 'detect' model; this tag needs 'pose' weights",
        "KeyPointLabels 'p5': no weights configured: give the tag model_path=\"<file under MODELS_ROOT>\"",
        "RectangleLabels 'o1': model_obb=\"yes please\" is not true or false",
        "RectangleLabels 'o2': no weights configured: give the tag model_path=\"<file under MODELS_ROOT>\"",
        "RectangleLabels 'o3': none of the model classes [plane, ship, 2, 3, 4, 5, 6, 7, 8, 9 ... (80 classes)] maps "
        "to its labels ['Car'] (use predicted_values or LABEL_MAP)",
    ]


def test_setup_and_predict_serve_both_tags_in_process(offline, tmp_path: Path) -> None:
    root, refused = offline
    images = tmp_path / "images"
    images.mkdir()
    make_image(random.Random(3))[0].save(images / "a.png")
    settings = BackendSettings(models_root=str(root), allowed_local_dirs=[str(images)], model_dir=str(tmp_path / "m"))
    client = create_app(settings).test_client()
    setup = client.post("/setup", json={"schema": CONFIG})
    assert setup.status_code == 200, setup.get_json()
    body = setup.get_json()
    assert [(c["control"], c["kind"]) for c in body["controls"]] == [("boxes", "obb"), ("points", "pose")]
    assert body["model_version"].startswith("labelops-obb-") and "+pose-" in body["model_version"]
    tasks = [{"id": 1, "data": {"image": str(images / "a.png")}}, {"id": 2, "data": {}}]
    answer = client.post("/predict", json={"tasks": tasks, "label_config": CONFIG})
    assert answer.status_code == 200
    results = answer.get_json()["results"]
    assert len(results) == 2 and results[1] == {"result": [], "score": 0.0, "model_version": body["model_version"]}
    interface = LabelInterface(CONFIG)
    # random weights find (next to) nothing; whatever they find must be a valid Label Studio region of these tags
    assert interface.validate_prediction({"result": results[0]["result"], "score": 0.0}, return_errors=True) == []
    assert results[0]["model_version"] == body["model_version"] and refused == []
