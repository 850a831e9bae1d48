"""The WSGI app: label-studio-ml's Flask app with /setup, /predict and /health answered by labelops.

label-studio-ml 1.0.9 keeps the model built at /setup in one worker's memory and answers /predict
from it, which breaks with several gunicorn workers or after a restart. Here every request builds
its model object from the label config it carries (weights are cached per process), so any worker
answers any request. Serve it with gunicorn (`python -m ml_backend`), never Flask's dev server.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, jsonify, request
from label_studio_ml.api import init_app

from ml_backend import stats
from ml_backend.model import LabelopsModel
from ml_backend.offline import DEFAULT_CONFIG_DIR
from ml_backend.settings import BackendSettings

log = logging.getLogger("ml_backend")


def _weights_status(s: BackendSettings) -> dict[str, Any]:
    out = {}
    for name in ("yolo_model_path", "yolo_seg_model_path", "yolo_cls_model_path"):
        path = getattr(s, name)
        out[name.upper()] = "not configured" if not path else ("ok" if os.path.isfile(path) else "file not found")
    return out


def create_app(settings: BackendSettings | None = None) -> Flask:
    """The Flask app to hand to gunicorn."""
    settings = settings or BackendSettings.load()
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # label-studio-ml writes one job directory per webhook event under model_dir: keep them out of the cwd
    model_dir = os.environ.get("MODEL_DIR") or str(DEFAULT_CONFIG_DIR.parent / "ml-backend-jobs")
    os.makedirs(model_dir, exist_ok=True)
    app = init_app(LabelopsModel, model_dir=model_dir)

    def setup() -> Any:
        data = request.get_json(force=True, silent=True) or {}
        model = LabelopsModel(label_config=data.get("schema") or data.get("label_config"), settings=settings)
        if model.unservable:
            return jsonify({"status": "error", "error": model.unservable}), 400
        return jsonify({"model_version": model.model_version, "skipped_controls": model.skipped})

    def predict() -> Any:
        data = request.get_json(force=True, silent=True) or {}
        tasks = data.get("tasks") or []
        model = LabelopsModel(label_config=data.get("label_config") or "", settings=settings)
        results = model.predict(tasks)
        return jsonify({"results": results, "model_version": model.model_version})

    def health() -> Any:
        weights = _weights_status(settings)
        ok = any(v == "ok" for v in weights.values())
        return jsonify({"status": "UP", "model_class": "LabelopsModel", "weights": weights,
                        "detector_ready": weights["YOLO_MODEL_PATH"] == "ok",
                        "text_model": settings.text_model,
                        "message": "" if ok else "no YOLO weights configured or found: image tags are not servable",
                        "pid": os.getpid(), "stats": stats.snapshot()})

    app.view_functions["_setup"] = setup
    app.view_functions["_predict"] = predict
    app.view_functions["health"] = health
    return app
