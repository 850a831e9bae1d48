"""Fixtures of both tiers: the session keeps its local state (review-push locks) in its temp dir, and every
backend it starts finds the shipped detector's ONNX export in one cache (`.cache/labelops/onnx`).

The servers' fixtures (Label Studio, PostgreSQL, the backend, the CLI runner) are in tests/integration/conftest.py:
a unit test cannot ask for them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# ONNX exports of the shipped detector, named by its content's hash: one export serves every run's backends
ONNX_CACHE = Path(__file__).resolve().parents[1] / ".cache" / "labelops" / "onnx"
# Read when ml_backend.offline is imported: ultralytics' settings and default ONNX exports stay in the repository's
# cache (the devserver's default too), never the user's ~/.cache
os.environ.setdefault("LABELOPS_CACHE_DIR", str(ONNX_CACHE.parent))


@pytest.fixture(scope="session", autouse=True)
def labelops_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Local state (review-push locks) in the session's temp dir, never the user's ~/.local/state; ONNX exports
    in the repository's cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LABELOPS_STATE_DIR", str(tmp_path_factory.mktemp("labelops-state")))
        patch.setenv("ONNX_CACHE_DIR", str(ONNX_CACHE))
        yield
