"""TEXT_MODEL served by the real backend process: a local sentence-transformers directory, offline."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from sdk_scripts.devserver.backend import LocalBackend
from sdk_scripts.label_config_library import read_config
from tests.support.backends import NETGUARD_DIR
from tests.support.text_models import save_flat_model


@pytest.fixture(scope="module")
def flat_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every text embeds to one and the same vector (`tests.support.text_models.save_flat_model`)."""
    return save_flat_model(tmp_path_factory.mktemp("text-model") / "flat-minilm")


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

