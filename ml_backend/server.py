"""The WSGI app: label-studio-ml's Flask app with /setup, /predict and /health answered by labelops.

label-studio-ml 1.0.9 keeps the model built at /setup in one worker's memory and answers /predict
from it, which breaks with several gunicorn workers or after a restart. Here every request builds
its model object from the label config it carries (weights are cached per process), so any worker
answers any request. Serve it with gunicorn (`python -m ml_backend`), never Flask's dev server.

With BASIC_AUTH_USER and BASIC_AUTH_PASS set, every route (label-studio-ml's own included) requires
HTTP basic auth with those credentials; label-studio-ml 1.0.9 has no such check, so it is a
`before_request` hook here. Label Studio sends them from the ML-backend row (auth_method BASIC_AUTH)
and, for its `<backend>/webhook` webhook, from that webhook's `headers` (set by `labelops backend connect`).
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any

from flask import Flask, current_app, jsonify, request
from label_studio_ml import api as ls_ml_api
from label_studio_ml.api import init_app

from ml_backend import stats
from ml_backend.active_learning import project_settings
from ml_backend.active_learning.queue import make_queue
from ml_backend.active_learning.trainer import TrainingFailed, ls_client, rollback_project
from ml_backend.active_learning.versions import ProjectVersions, project_id_from, project_uid_parts
from ml_backend.model import LabelopsModel
from ml_backend.settings import BackendSettings

log = logging.getLogger("ml_backend")


TRAIN_EVENTS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED", "START_TRAINING")
AUTH_REALM = "labelops ML backend"
_AUTH_CONFIG_KEY = "LABELOPS_BASIC_AUTH"


def _error(status: int, message: str) -> tuple[Any, int]:
    return jsonify({"status": "error", "error": message}), status


def _weights_status(s: BackendSettings) -> dict[str, Any]:
    out = {}
    for name in ("yolo_model_path", "yolo_seg_model_path", "yolo_cls_model_path"):
        path = getattr(s, name)
        out[name.upper()] = "not configured" if not path else ("ok" if os.path.isfile(path) else "file not found")
    return out


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _require_basic_auth() -> Any:
    """before_request: 401 unless the request carries the configured basic-auth credentials."""
    expected = current_app.config.get(_AUTH_CONFIG_KEY)
    if not expected:
        return None
    auth = request.authorization
    user = auth.username if auth is not None and auth.type == "basic" else None
    password = auth.password if auth is not None and auth.type == "basic" else None
    # both compared in constant time, always both (no early exit on a wrong user name)
    user_ok = _same(user or "", expected[0])
    pass_ok = _same(password or "", expected[1])
    if user is not None and password is not None and user_ok and pass_ok:
        return None
    reason = "no basic-auth credentials" if user is None else "wrong basic-auth credentials"
    log.warning("401 %s %s from %s: %s", request.method, request.path, request.remote_addr, reason)
    resp = jsonify({"status": "error",
                    "error": f"authentication required: {reason}; this ML backend needs HTTP basic auth"})
    resp.status_code = 401
    resp.headers["WWW-Authenticate"] = f'Basic realm="{AUTH_REALM}"'
    return resp


def _log_request_info() -> None:
    """label-studio-ml's DEBUG request log, without the Authorization header (it carries the password)."""
    if log.isEnabledFor(logging.DEBUG) or ls_ml_api.logger.isEnabledFor(logging.DEBUG):
        headers = {k: ("<redacted>" if k.lower() == "authorization" else v) for k, v in request.headers.items()}
        ls_ml_api.logger.debug("Request headers: %s", headers)
        ls_ml_api.logger.debug("Request body: %s", request.get_data())


def _install_hooks(app: Flask) -> None:
    """Auth first, then the redacted request log; idempotent (label-studio-ml's app is a module global)."""
    funcs = app.before_request_funcs.setdefault(None, [])
    original = getattr(ls_ml_api, "log_request_info", None)
    funcs[:] = [f for f in funcs if f not in (original, _require_basic_auth, _log_request_info)]
    funcs[:0] = [_require_basic_auth, _log_request_info]


def create_app(settings: BackendSettings | None = None) -> Flask:
    """The Flask app to hand to gunicorn."""
    settings = settings or BackendSettings.load()
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # label-studio-ml's manager wants a model_dir (its own /train route writes job dirs there): the same
    # MODEL_DIR that holds the trained versions (MODEL_DIR/projects), never the cwd
    model_dir = str(settings.versions_root().parent)
    os.makedirs(model_dir, exist_ok=True)
    app = init_app(LabelopsModel, model_dir=model_dir)
    credentials = settings.basic_auth()  # ValueError when only one of the two is set
    app.config[_AUTH_CONFIG_KEY] = credentials
    _install_hooks(app)
    log.info("HTTP basic auth %s", f"required (user {credentials[0]!r})" if credentials else "off")

    queue = make_queue(settings)
    known_projects: set[str] = set()

    def setup() -> Any:
        data = request.get_json(force=True, silent=True) or {}
        project = project_id_from(data.get("project"))
        extra = data.get("extra_params") or {}
        if project and isinstance(extra, dict):
            try:
                project_settings.store(settings, project, extra)
            except ValueError as exc:
                return jsonify({"status": "error", "error": f"extra_params: {exc}"}), 400
        model = LabelopsModel(label_config=data.get("schema") or data.get("label_config"), settings=settings,
                              project=data.get("project"))
        if model.unservable:
            return jsonify({"status": "error", "error": model.unservable}), 400
        return jsonify({"model_version": model.model_version, "skipped_controls": model.skipped})

    def predict() -> Any:
        data = request.get_json(force=True, silent=True) or {}
        tasks = data.get("tasks") or []
        model = LabelopsModel(label_config=data.get("label_config") or "", settings=settings,
                              project=data.get("project"))
        results = model.predict(tasks)
        return jsonify({"results": results, "model_version": model.model_version})

    def health() -> Any:
        weights = _weights_status(settings)
        ok = any(v == "ok" for v in weights.values())
        return jsonify({"status": "UP", "model_class": "LabelopsModel", "weights": weights,
                        "detector_ready": weights["YOLO_MODEL_PATH"] == "ok",
                        "text_model": settings.text_model, "basic_auth": credentials is not None,
                        "message": "" if ok else "no YOLO weights configured or found: image tags are not servable",
                        "pid": os.getpid(), "stats": stats.snapshot()})

    def webhook() -> Any:
        data = request.get_json(force=True, silent=True)
        if not isinstance(data, dict) or not isinstance(data.get("action"), str):
            return _error(400, "webhook payload must be a JSON object with an 'action'")
        action = data["action"]
        if action not in TRAIN_EVENTS:
            return jsonify({"status": "ignored", "action": action}), 200
        project = project_id_from(data.get("project"))
        if project is None:
            return _error(400, f"{action}: payload has no project id ('project': {{'id': ...}})")
        if not settings.label_studio_url or not settings.label_studio_api_key:
            return _error(503, "training needs LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY in the backend's settings")
        if project not in known_projects:
            try:
                ls_client(settings).project(int(project))
            except Exception as exc:
                status = 404 if "no project with id" in str(exc) else 502
                return _error(status, f"{action}: project {project}: {exc}")
            known_projects.add(project)
        if action == "ANNOTATIONS_DELETED":
            count = len(data.get("annotations") or []) or 1
        else:
            count = 0 if action == "START_TRAINING" else 1
        status = queue.notify(project, count, force=action == "START_TRAINING")
        log.info("webhook %s for project %s: training %s", action, project, status)
        return jsonify({"status": status, "project": project, "action": action}), 201

    def al_status() -> Any:
        project, created = project_uid_parts(request.args.get("project"))
        if project is None:
            return _error(400, "give ?project=ID")
        store = ProjectVersions(settings.versions_root(), project, settings.keep_versions)
        if not store.belongs_to(created):  # another project with this id: nothing of it applies
            return jsonify({"project": project, "current_version": None, "model_version": None, "kept_versions": [],
                            "history": [], "training": queue.state(project),
                            "strategy": settings.al_strategy})
        current = store.current()
        return jsonify({"project": project, "current_version": current,
                        "model_version": store.meta(current).get("model_version") if current else None,
                        "kept_versions": [{"version": v, **store.meta(v)} for v in store.versions()],
                        "history": store.history(), "training": queue.state(project),
                        "strategy": project_settings.effective(settings, project).al_strategy})

    def al_rollback() -> Any:
        data = request.get_json(force=True, silent=True) or {}
        project = project_id_from(data.get("project"))
        if project is None:
            return _error(400, "rollback needs {'project': ID}")
        try:
            return jsonify(rollback_project(project, settings))
        except (TrainingFailed, ValueError) as exc:
            return _error(409, str(exc))
        except Exception as exc:  # Label Studio unreachable or refusing
            log.exception("rollback of project %s failed", project)
            return _error(502, f"rollback of project {project} failed: {type(exc).__name__}: {exc}")

    app.view_functions["webhook"] = webhook
    for rule, name, view, method in (("/al/status", "al_status", al_status, "GET"),
                                     ("/al/rollback", "al_rollback", al_rollback, "POST")):
        if name in app.view_functions:  # label-studio-ml's app is a module global: a second create_app
            app.view_functions[name] = view
        else:
            app.add_url_rule(rule, name, view, methods=[method])
    app.view_functions["_setup"] = setup
    app.view_functions["_predict"] = predict
    app.view_functions["health"] = health
    return app
