"""Per-tag model settings: model_path inside MODELS_ROOT only, model_score_threshold, model_skip; several models in a
project; the trained version before model_path; a bad tag skipped with its reason, /setup 400 when nothing is left."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from label_studio_sdk.label_interface import LabelInterface

from ml_backend.active_learning.versions import ServingRun
from ml_backend.controls.base import NotServable
from ml_backend.controls.detection import RectangleDetector
from ml_backend.controls.oriented import OrientedDetector
from ml_backend.controls.registry import REGISTRY, build_models
from ml_backend.controls.tag_settings import flag, read_tag_settings, resolve_model_path, unit_float
from ml_backend.server import create_app
from ml_backend.settings import SHIPPED_DETECTOR, BackendSettings


@pytest.fixture
def models_root(tmp_path: Path) -> Path:
    root = tmp_path / "models"
    (root / "team").mkdir(parents=True)
    shutil.copyfile(SHIPPED_DETECTOR, root / "a.pt")
    shutil.copyfile(SHIPPED_DETECTOR, root / "team" / "b.pt")
    (root / "notes.txt").write_text("not weights")
    (root / "corrupt.pt").write_text("not weights either")
    outside = tmp_path / "outside.pt"
    shutil.copyfile(SHIPPED_DETECTOR, outside)
    (root / "link-out.pt").symlink_to(outside)
    (root / "link-in.pt").symlink_to(root / "a.pt")
    return root


def _config(*tags: str) -> str:
    return '<View><Image name="image" value="$image"/>' + "".join(tags) + "</View>"


def _boxes(name: str, attrs: str = "") -> str:
    return (f'<RectangleLabels name="{name}" toName="image" {attrs}><Label value="Circle"/><Label value="Square"/>'
            f'<Label value="Triangle"/></RectangleLabels>')


def test_model_path_resolves_inside_the_root_only(models_root: Path, tmp_path: Path) -> None:
    root = str(models_root)
    assert resolve_model_path("a.pt", root) == models_root / "a.pt"
    assert resolve_model_path("team/b.pt", root) == models_root / "team" / "b.pt"
    assert resolve_model_path(str(models_root / "a.pt"), root) == models_root / "a.pt"  # absolute, inside
    assert resolve_model_path("link-in.pt", root) == models_root / "a.pt"  # a symlink staying inside
    refused = {
        "../outside.pt": "contains '..'",
        "team/../a.pt": "contains '..'",  # even when it would land inside
        str(tmp_path / "outside.pt"): "is an absolute path outside MODELS_ROOT",
        "/etc/passwd": "is an absolute path outside MODELS_ROOT",
        "link-out.pt": "leads outside MODELS_ROOT through a symlink",
        "https://example.com/yolo11n.pt": "is a URL: weights are never downloaded",
        "s3://bucket/w.pt": "is a URL",
        "file:///etc/passwd": "is a URL",
        "yolo11n.pt": "no such file under MODELS_ROOT (weights are never downloaded by name)",
        "notes.txt": "is not a .pt file",
        "team": "is not a .pt file",
        "a\x00.pt": "NUL",
    }
    for given, cause in refused.items():
        with pytest.raises(ValueError) as caught:
            resolve_model_path(given, root)
        assert cause in str(caught.value) and str(caught.value).startswith(f'model_path="{given}"'), caught.value
    with pytest.raises(ValueError, match="needs MODELS_ROOT"):
        resolve_model_path("a.pt", "")
    with pytest.raises(ValueError, match="is not a directory"):
        resolve_model_path("a.pt", str(models_root / "a.pt"))


def test_threshold_and_flags_parse_or_say_why() -> None:
    assert unit_float({"model_score_threshold": " 0.9 "}, "model_score_threshold") == 0.9
    assert unit_float({"model_score_threshold": "0"}, "model_score_threshold") == 0.0
    assert unit_float({}, "model_score_threshold") is None and unit_float({"x": ""}, "x") is None
    for bad, cause in (("high", "is not a number"), ("1.5", "outside 0..1"), ("-0.1", "outside 0..1"),
                       ("nan", "outside 0..1")):
        with pytest.raises(ValueError, match=cause):
            unit_float({"model_score_threshold": bad}, "model_score_threshold")
    assert [flag({"model_skip": v}, "model_skip") for v in ("true", "True", "1", "yes", "false", "0", "")] == \
        [True, True, True, True, False, False, False]
    assert flag({}, "model_skip") is False
    with pytest.raises(ValueError, match='model_skip="maybe" is not true or false'):
        flag({"model_skip": "maybe"}, "model_skip")
    # the example backend's older name is read when the new one is absent; the new one wins
    assert read_tag_settings({"score_threshold": "0.4"}, "").score_threshold == 0.4
    assert read_tag_settings({"score_threshold": "0.4", "model_score_threshold": "0.7"}, "").score_threshold == 0.7
    assert read_tag_settings({}, "").model_path is None


def test_registry_gives_oriented_boxes_only_to_model_obb_tags() -> None:
    def picked(attrs: str) -> type | None:
        control = LabelInterface(_config(_boxes("b", attrs))).get_control("b")
        return next((cls for cls in REGISTRY if cls.is_control_matched(control, BackendSettings())), None)

    assert picked("") is RectangleDetector and picked('model_obb="false"') is RectangleDetector
    assert picked('model_obb="true"') is OrientedDetector and picked('model_obb="maybe"') is OrientedDetector


def test_two_tags_two_models_threshold_and_skip(models_root: Path) -> None:
    config = _config(_boxes("first", 'model_path="a.pt"'),
                     _boxes("second", 'model_path="team/b.pt" model_score_threshold="0.9"'),
                     _boxes("third", 'model_skip="true"'), _boxes("fourth", 'model_skip="maybe"'))
    models, reasons = build_models(config, BackendSettings(models_root=str(models_root)))
    by_name = {m.from_name: m for m in models}
    assert sorted(by_name) == ["first", "second"]
    assert by_name["first"].path == str(models_root / "a.pt") and by_name["first"].conf_threshold == 0.25
    assert by_name["second"].path == str(models_root / "team" / "b.pt") and by_name["second"].conf_threshold == 0.9
    assert by_name["first"].version.startswith("a-") and by_name["second"].version.startswith("b-")
    assert reasons == ["RectangleLabels 'third': skipped (model_skip=\"true\")",
                       "RectangleLabels 'fourth': model_skip=\"maybe\" is not true or false; the tag is skipped"]


def test_bad_model_paths_skip_their_tag_naming_control_and_cause(models_root: Path) -> None:
    settings = BackendSettings(models_root=str(models_root))
    config = _config(_boxes("good"), _boxes("out", 'model_path="../outside.pt"'),
                     _boxes("missing", 'model_path="gone.pt"'), _boxes("corrupt", 'model_path="corrupt.pt"'),
                     _boxes("url", 'model_path="http://example.com/w.pt"'),
                     _boxes("threshold", 'model_score_threshold="2"'),
                     _boxes("obb", 'model_obb="true" model_path="a.pt"'))
    models, reasons = build_models(config, settings)
    assert [m.from_name for m in models] == ["good"] and models[0].path == str(SHIPPED_DETECTOR)
    assert reasons[0] == "RectangleLabels 'out': model_path=\"../outside.pt\" contains '..': give a path inside " \
                         "MODELS_ROOT"
    assert reasons[1].startswith("RectangleLabels 'missing': model_path=\"gone.pt\": no such file")
    assert reasons[2].startswith("RectangleLabels 'corrupt': cannot load model_path=\"corrupt.pt\": ")
    assert "not a loadable checkpoint" in reasons[2] and str(models_root) not in reasons[2]
    assert reasons[3].startswith("RectangleLabels 'url': model_path=\"http://example.com/w.pt\" is a URL")
    assert reasons[4] == "RectangleLabels 'threshold': model_score_threshold=\"2\" is outside 0..1"
    assert reasons[5] == ("RectangleLabels 'obb': model_path=\"a.pt\" holds a YOLO 'detect' model; this tag needs "
                          "'obb' weights")
    assert len(reasons) == 6


def test_model_path_without_models_root_is_refused() -> None:
    with pytest.raises(NotServable, match=r"RectangleLabels 'b': model_path=\"a.pt\" needs MODELS_ROOT"):
        build_models(_config(_boxes("b", 'model_path="a.pt"')), BackendSettings())


def test_trained_version_wins_over_model_path(models_root: Path, tmp_path: Path) -> None:
    version = tmp_path / "projects" / "7" / "v3"
    version.mkdir(parents=True)
    shutil.copyfile(SHIPPED_DETECTOR, version / "detect-first.pt")
    run = ServingRun(project="7", version=3, path=version)
    config = _config(_boxes("first", 'model_path="a.pt"'), _boxes("second", 'model_path="a.pt"'))
    models, _ = build_models(config, BackendSettings(models_root=str(models_root)), run)
    assert {m.from_name: m.path for m in models} == {"first": str(version / "detect-first.pt"),
                                                     "second": str(models_root / "a.pt")}


def test_setup_answers_400_naming_the_control_when_nothing_else_serves(models_root: Path) -> None:
    client = create_app(BackendSettings(models_root=str(models_root), model_dir=str(models_root.parent / "md"))) \
        .test_client()
    only_bad = _config(_boxes("mine", 'model_path="corrupt.pt"'), _boxes("off", 'model_skip="true"'))
    resp = client.post("/setup", json={"schema": only_bad})
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error.startswith("no control tag of this labeling config can be served: RectangleLabels 'mine': cannot "
                            "load model_path=\"corrupt.pt\"")
    assert "RectangleLabels 'off': skipped (model_skip=\"true\")" in error
    mixed = _config(_boxes("mine", 'model_path="a.pt"'), _boxes("off", 'model_skip="true"'))
    resp = client.post("/setup", json={"schema": mixed})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert [c["control"] for c in body["controls"]] == ["mine"]
    assert body["skipped_controls"] == ["RectangleLabels 'off': skipped (model_skip=\"true\")"]
    assert body["model_version"].startswith("labelops-a-")
