"""INFERENCE_ENGINE=onnx: the served weights' ONNX export gives torch's boxes, is made once and never installs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ml_backend import stats, weights
from ml_backend.model import LabelopsModel
from ml_backend.regions import box_iou
from ml_backend.settings import SHIPPED_DETECTOR, BackendSettings
from sdk_scripts.label_config_library import read_config, render_config
from tests.support.paths import ROOT
from tests.support.shapes import pixel_box, write_test_images

IMAGE_CONFIG = render_config(read_config("image_bbox"), {"label": ["Circle", "Square", "Triangle"]})


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("onnx-images")
    return [path for path, _ in write_test_images(folder, 24, seed=2207, prefix="onnx")]


def _predict(engine: str, images: list[Path]) -> list[dict]:
    settings = BackendSettings(inference_engine=engine, allowed_local_dirs=[str(images[0].parent)],
                               media_cache_bytes=0, onnx_cache_dir=os.environ["ONNX_CACHE_DIR"])
    model = LabelopsModel(label_config=IMAGE_CONFIG, settings=settings)
    return model.predict([{"id": i, "data": {"image": str(p)}} for i, p in enumerate(images)])


def test_onnx_runtime_gives_the_same_boxes_as_torch(images: list[Path]) -> None:
    fallbacks = stats.snapshot().get("onnx_fallbacks", 0)
    torch_results, onnx_results = _predict("torch", images), _predict("onnx", images)
    assert stats.snapshot().get("onnx_fallbacks", 0) == fallbacks  # ONNX Runtime served, not torch again
    boxes = 0
    for a, b in zip(torch_results, onnx_results, strict=True):
        assert a["model_version"] == b["model_version"]
        assert len(a["result"]) == len(b["result"])
        for x, y in zip(a["result"], b["result"], strict=True):
            assert x["value"]["rectanglelabels"] == y["value"]["rectanglelabels"]
            assert box_iou(pixel_box(x), pixel_box(y)) >= 0.99
            assert abs(x["score"] - y["score"]) <= 1e-3
            boxes += 1
        assert b["score"] == pytest.approx(a["score"], abs=1e-3)
    assert boxes >= len(images)  # the images hold 1-4 shapes each: the comparison saw real boxes


def test_the_export_is_made_once_named_by_the_weights_content(tmp_path: Path) -> None:
    # its own cache folder: the process's model cache may already hold an ONNX model another test exported
    before = stats.snapshot().get("onnx_exports", 0)
    exported = weights.export_onnx(str(SHIPPED_DETECTOR), str(tmp_path))
    assert exported == weights.onnx_path_for(str(SHIPPED_DETECTOR), str(tmp_path))
    assert exported.is_file() and exported.parent == tmp_path  # the package's own folder is never written
    assert stats.snapshot().get("onnx_exports", 0) == before + 1
    assert weights.export_onnx(str(SHIPPED_DETECTOR), str(tmp_path)) == exported
    assert stats.snapshot().get("onnx_exports", 0) == before + 1
    assert not list(SHIPPED_DETECTOR.parent.glob("*.onnx"))


def test_the_session_sleeps_instead_of_spinning(images: list[Path]) -> None:
    settings = BackendSettings(torch_threads=1, onnx_cache_dir=os.environ["ONNX_CACHE_DIR"])
    model = weights.load_yolo_onnx(str(SHIPPED_DETECTOR), settings.torch_threads, settings.onnx_cache_dir)
    options = model.predictor.model.backend.session.get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_trained_weights_export_beside_them_the_packages_own_to_the_cache(tmp_path: Path) -> None:
    trained = tmp_path / "v3" / "detect-label.pt"
    trained.parent.mkdir()
    trained.write_bytes(b"weights v3")
    beside = weights.onnx_path_for(str(trained), str(tmp_path / "cache"))
    assert beside.parent == trained.parent and beside.name.startswith("detect-label-")
    trained.write_bytes(b"weights v4")  # other content, other export
    assert weights.onnx_path_for(str(trained), str(tmp_path / "cache")) != beside
    assert weights.onnx_path_for(str(SHIPPED_DETECTOR), str(tmp_path / "cache")).parent == tmp_path / "cache"


def test_an_unknown_engine_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match="INFERENCE_ENGINE='tensorrt': use 'onnx' or 'torch'"):
        BackendSettings.load({"INFERENCE_ENGINE": "tensorrt"})


def test_ultralytics_never_installs_a_package_and_the_gunicorn_master_stays_light() -> None:
    """In a fresh process: the checks `python -m ml_backend` runs before gunicorn forks import no model library,
    and after `configure_offline` a missing requirement is reported, never pip-installed."""
    code = (
        "import sys\n"
        "from ml_backend.__main__ import check_startup\n"
        "import gunicorn.app.base, gunicorn.arbiter, gunicorn.workers.gthread\n"
        "check_startup()\n"
        "heavy = [m for m in ('torch', 'ultralytics', 'transformers', 'onnxruntime', 'numpy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "from ml_backend.offline import configure_offline\n"
        "configure_offline()\n"
        "from ultralytics.utils import checks\n"
        "assert checks.AUTOINSTALL is False\n"
        "assert checks.check_requirements('labelops-no-such-package-x7') is False\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]


def test_weights_that_cannot_be_exported_are_served_with_torch_and_not_tried_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weights_file = tmp_path / "unexportable.pt"
    weights_file.write_bytes(SHIPPED_DETECTOR.read_bytes())
    tries: list[str] = []

    def failing_export(path: str, cache_dir: str = "") -> Path:
        tries.append(path)
        raise RuntimeError("this model has an operator ONNX lacks")

    monkeypatch.setattr(weights, "export_onnx", failing_export)
    settings = BackendSettings(onnx_cache_dir=str(tmp_path / "cache"))
    before = stats.snapshot().get("onnx_fallbacks", 0)
    first = weights.load_served_yolo("detect", str(weights_file), settings)
    second = weights.load_served_yolo("detect", str(weights_file), settings)
    assert first is second and first.ckpt_path.endswith("unexportable.pt")  # the torch model, loaded once
    assert tries == [str(weights_file)] and stats.snapshot()["onnx_fallbacks"] == before + 1
