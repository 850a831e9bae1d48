"""Per-tag model settings read from a control tag's attributes (`model_path`, `model_score_threshold`, `model_skip`).

The attribute names are the ones Label Studio's own YOLO example backend reads (label-studio-ml-backend,
`label_studio_ml/examples/yolo`). `model_path` names a `.pt` file inside MODELS_ROOT: never a URL, never a
path that leaves the folder (`..`, an absolute path elsewhere, a symlink pointing out). Pure checks on the
file system, no model loading; every problem is a ValueError whose message is the cause.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from urllib.parse import urlparse

TRUE = ("1", "true", "yes", "on")
FALSE = ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class TagSettings:
    """What a control tag's attributes ask of its model (None: not given, the backend's setting applies)."""

    model_path: Path | None = None
    model_path_given: str = ""
    score_threshold: float | None = None


def flag(attrs: Mapping[str, object], name: str) -> bool:
    """A boolean attribute (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`; absent = false)."""
    text = str(attrs.get(name, "") or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f'{name}="{attrs.get(name)}" is not true or false')


def unit_float(attrs: Mapping[str, object], name: str) -> float | None:
    """A number in [0, 1] from attribute `name` (None when absent or empty)."""
    raw = attrs.get(name)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise ValueError(f'{name}="{raw}" is not a number (give one between 0 and 1)') from None
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f'{name}="{raw}" is outside 0..1')
    return value


def resolve_model_path(given: str, models_root: str) -> Path:
    """The real path of the weights file `given` names inside `models_root`; ValueError naming the cause."""
    shown = f'model_path="{given}"'
    if "\x00" in given:
        raise ValueError(f"{shown} holds a NUL character")
    scheme = urlparse(given).scheme
    if len(scheme) > 1 or given.startswith("//"):
        raise ValueError(f"{shown} is a URL: weights are never downloaded; put the file under MODELS_ROOT")
    if not models_root:
        raise ValueError(f"{shown} needs MODELS_ROOT (the folder the backend may load weights from), which is not set")
    root = Path(models_root).resolve()
    if not root.is_dir():
        raise ValueError(f"{shown}: MODELS_ROOT {models_root} is not a directory")
    if ".." in PurePath(given).parts:
        raise ValueError(f"{shown} contains '..': give a path inside MODELS_ROOT")
    candidate = Path(given) if Path(given).is_absolute() else root / given
    if Path(given).is_absolute() and not _lexically_inside(candidate, models_root):
        raise ValueError(f"{shown} is an absolute path outside MODELS_ROOT")
    real = candidate.resolve()
    if not real.is_relative_to(root):
        raise ValueError(f"{shown} leads outside MODELS_ROOT through a symlink")
    if real.suffix.lower() != ".pt":
        raise ValueError(f"{shown} is not a .pt file (ultralytics weights)")
    if not real.is_file():
        raise ValueError(f"{shown}: no such file under MODELS_ROOT (weights are never downloaded by name)")
    return real


def _lexically_inside(path: Path, models_root: str) -> bool:
    """Whether `path` is written under the root (as given, or with its symlinks resolved)."""
    return any(path.is_relative_to(root) for root in (Path(models_root).absolute(), Path(models_root).resolve()))


def read_tag_settings(attrs: Mapping[str, object], models_root: str) -> TagSettings:
    """`model_path` (resolved, see `resolve_model_path`) and `model_score_threshold` of a tag; ValueError if bad.

    `score_threshold` is the example backend's older name for the threshold and is read when the new one is absent.
    """
    given = str(attrs.get("model_path") or "").strip()
    path = resolve_model_path(given, models_root) if given else None
    threshold = unit_float(attrs, "model_score_threshold")
    if threshold is None:
        threshold = unit_float(attrs, "score_threshold")
    return TagSettings(model_path=path, model_path_given=given, score_threshold=threshold)
