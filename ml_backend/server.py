"""The WSGI app: Label Studio's ML-backend protocol (/health, /setup, /predict, /webhook, /versions) on Flask.

Every request builds its model object from the label config it carries (weights are cached per
process), so any gunicorn worker answers any request and a restart loses nothing. Serve it with
gunicorn (`python -m ml_backend`), never Flask's dev server.

Label Studio 1.23 calls: `GET /health` (connect, "Validate"), `POST /setup` (connect, every settings
save), `POST /predict` (task opened with "Retrieve predictions" on, the Data Manager's "Retrieve
predictions" action), `POST /webhook` (annotation events, "Start Training" on the model page) and
`GET /versions` (the model-version list; Label Studio sends no project with it).

Limits: request bodies above MAX_REQUEST_BYTES get 413, more than MAX_TASKS_PER_REQUEST tasks 400;
anything that is not the JSON shape a route takes gets 400 with the reason; an unexpected error is
logged and answered 500 without a traceback. With BASIC_AUTH_USER and BASIC_AUTH_PASS set, every route
requires HTTP basic auth (Label Studio sends it from the ML-backend row, auth_method BASIC_AUTH, and
for its `<backend>/webhook` webhook from that webhook's `headers`, set by `labelops backend connect`).
Nothing secret reaches the log (`ml_backend.log_redaction`).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from ml_backend import stats, weights
from ml_backend.active_learning import project_settings
from ml_backend.active_learning.queue import make_queue
from ml_backend.active_learning.trainer import TrainingFailed, ls_client, rollback_project
from ml_backend.active_learning.versions import ProjectVersions
from ml_backend.controls.capabilities import capability, capability_table
from ml_backend.log_redaction import install_redaction, redacted_body
from ml_backend.model import TRAIN_EVENTS, LabelopsModel
from ml_backend.predict_batcher import RequestBatcher
from ml_backend.settings import BackendSettings
from sdk_scripts.errors import NotFoundError
from sdk_scripts.labelstudio.project_ids import project_id_from, project_uid_parts

log = logging.getLogger(__name__)

AUTH_REALM = "labelops ML backend"
_AUTH_CONFIG_KEY = "LABELOPS_BASIC_AUTH"
MAX_CONFIG_CHARS = 1_000_000


class BadRequest(Exception):
    """A request that is not what the route takes: answered 400 with the message."""


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"status": "error", "error": message}), status


def _weights_status(s: BackendSettings) -> dict[str, Any]:
    out = {}
    for name in ("yolo_model_path", "yolo_seg_model_path", "yolo_cls_model_path"):
        path = getattr(s, name)
        out[name.upper()] = "not configured" if not path else ("ok" if os.path.isfile(path) else "file not found")
    # a Whisper checkpoint is a directory
    out["ASR_MODEL_PATH"] = ("not configured" if not s.asr_model_path else
                             "ok" if os.path.isdir(s.asr_model_path) else "directory not found")
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


def _log_request() -> None:
    """DEBUG: the request, with the Authorization header and every secret-looking JSON field redacted."""
    if log.isEnabledFor(logging.DEBUG):
        headers = {k: ("<redacted>" if k.lower() in ("authorization", "cookie") else v)
                   for k, v in request.headers.items()}
        log.debug("%s %s headers=%s body=%s", request.method, request.path, headers,
                  redacted_body(request.get_data(cache=True)))


def _json_object() -> dict:
    """The request body as a JSON object (BadRequest otherwise; deep nesting included)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest("the body must be a JSON object (it is empty)")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else f"invalid JSON ({str(exc)[:80]})"
        raise BadRequest(f"the body must be a JSON object: {reason}") from None
    if not isinstance(data, dict):
        raise BadRequest(f"the body must be a JSON object, not {type(data).__name__}")
    return data


def _label_config(data: dict, *keys: str) -> str:
    for key in keys:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadRequest(f"'{key}' must be the labeling config as a string")
        if len(value) > MAX_CONFIG_CHARS:
            raise BadRequest(f"'{key}' is longer than {MAX_CONFIG_CHARS} characters")
        return value
    return ""


def _project(data: dict) -> Any:
    """The `project` field as Label Studio sends it ("<id>.<created>"), checked; None when absent."""
    value = data.get("project")
    if value is None:
        return None
    if isinstance(value, dict | bool | list | float) or project_id_from(value) is None:
        raise BadRequest("'project' must be a Label Studio project id (\"<id>.<created>\" or digits)")
    return value


def _tasks(data: dict, limit: int) -> list[dict]:
    tasks = data.get("tasks")
    if tasks is None:
        return []
    if not isinstance(tasks, list):
        raise BadRequest("'tasks' must be a list of task objects")
    if len(tasks) > limit:
        raise BadRequest(f"{len(tasks)} tasks in one request; at most {limit} (MAX_TASKS_PER_REQUEST)")
    for i, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise BadRequest(f"tasks[{i}] must be a task object, not {type(task).__name__}")
        if not isinstance(task.get("data", {}), dict):
            raise BadRequest(f"tasks[{i}].data must be an object")
    return tasks


def create_app(settings: BackendSettings | None = None) -> Flask:
    """The Flask app to hand to gunicorn."""
    settings = settings or BackendSettings.load()
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO: presigned storage URLs among them
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    install_redaction(secrets=[settings.label_studio_api_key, settings.basic_auth_pass])
    app = Flask("ml_backend")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.sort_keys = False
    credentials = settings.basic_auth()  # ValueError when only one of the two is set
    app.config[_AUTH_CONFIG_KEY] = credentials
    app.before_request(_require_basic_auth)
    app.before_request(_log_request)
    log.info("HTTP basic auth %s", f"required (user {credentials[0]!r})" if credentials else "off")
    _Routes(settings, credentials).register(app)
    return app


class _Routes:
    """The routes' handlers; they share the settings, the training queue and the projects seen to exist."""

    def __init__(self, settings: BackendSettings, credentials: tuple[str, str] | None) -> None:
        self.settings = settings
        self.credentials = credentials
        self.queue = make_queue(settings)
        self.known_projects: set[str] = set()
        # gthread workers answer concurrent requests on threads of one process: small ones share a model call
        self.batcher = RequestBatcher(settings.predict_batch_window_ms / 1000, settings.batch_size)
        self.text_model = {"name": settings.text_model, "path": str(weights.text_model_path(settings.text_model)),
                           "tag": weights.text_model_tag(settings.text_model)}

    def register(self, app: Flask) -> None:
        app.register_error_handler(BadRequest, self.bad_request)
        app.register_error_handler(HTTPException, self.http_error)
        app.register_error_handler(Exception, self.unexpected)
        for rule, methods, view in (
            ("/", ["GET"], self.health), ("/health", ["GET"], self.health), ("/metrics", ["GET"], self.metrics),
            ("/setup", ["POST"], self.setup), ("/predict", ["POST"], self.predict),
            ("/webhook", ["POST"], self.webhook), ("/train", ["POST"], self.train),
            ("/versions", ["GET", "POST"], self.versions),
            ("/al/status", ["GET"], self.al_status), ("/al/rollback", ["POST"], self.al_rollback),
        ):
            app.add_url_rule(rule, view_func=view, methods=methods)

    def bad_request(self, exc: BadRequest) -> Any:
        log.info("400 %s %s: %s", request.method, request.path, exc)
        return _error(400, str(exc))

    def http_error(self, exc: HTTPException) -> Any:
        message = exc.description or exc.name
        if exc.code == 413:
            message = f"request body larger than {self.settings.max_request_bytes} bytes (MAX_REQUEST_BYTES)"
        return _error(exc.code or 500, message)

    def unexpected(self, exc: Exception) -> Any:
        log.exception("%s %s failed", request.method, request.path)
        return _error(500, f"internal error ({type(exc).__name__}); see the backend log")

    def health(self) -> Any:
        weights = _weights_status(self.settings)
        ok = any(v == "ok" for v in weights.values())
        return jsonify({"status": "UP", "model_class": "LabelopsModel", "weights": weights,
                        "detector_ready": weights["YOLO_MODEL_PATH"] == "ok",
                        "text_model": self.text_model, "basic_auth": self.credentials is not None,
                        "message": "" if ok else "no YOLO weights configured or found: image tags are not servable",
                        "controls": capability_table(), "pid": os.getpid(), "stats": stats.snapshot()})

    def metrics(self) -> Any:
        return jsonify(stats.snapshot())

    def setup(self) -> Any:
        data = _json_object()
        project = _project(data)
        label_config = _label_config(data, "schema", "label_config")
        extra = data.get("extra_params")
        if extra is not None and not isinstance(extra, dict):
            raise BadRequest("'extra_params' must be an object")
        project_id = project_id_from(project)
        if project_id and extra:
            try:
                project_settings.store(self.settings, project_id, extra)
            except ValueError as exc:
                raise BadRequest(f"extra_params: {exc}") from None
        model = LabelopsModel(label_config=label_config, settings=self.settings, project=project)
        if model.unservable:
            return _error(400, model.unservable)
        served = [{"control": m.from_name, **capability(type(m)), **({"note": m.note} if m.note else {})}
                  for m in model.models]
        return jsonify({"model_version": model.model_version, "controls": served, "skipped_controls": model.skipped,
                        "train_min_annotations": model.settings.train_min_annotations})

    def predict(self) -> Any:
        with self.batcher.tracked():
            data = _json_object()
            tasks = _tasks(data, self.settings.max_tasks_per_request)
            project = _project(data)
            params = data.get("params") if isinstance(data.get("params"), dict) else {}
            context = params.get("context") if isinstance(params.get("context"), dict) else None
            label_config = _label_config(data, "label_config")
            model = LabelopsModel(label_config=label_config, settings=self.settings, project=project)
            if context is None and not model.unservable:
                # same config, project and served version: any of these requests' models answers them all
                key = (label_config, model.project, model.model_version)
                results = self.batcher.submit(key, tasks, model.predict)
            else:
                results = model.predict(tasks, context=context)
        return jsonify({"results": results, "model_version": model.model_version})

    def webhook(self) -> Any:
        data = _json_object()
        action = data.get("action")
        if not isinstance(action, str):
            raise BadRequest("webhook payload must be a JSON object with an 'action'")
        if action not in TRAIN_EVENTS:
            return jsonify({"status": "ignored", "action": action}), 200
        project = project_id_from(data.get("project"))
        if project is None:
            raise BadRequest(f"{action}: payload has no project id ('project': {{'id': ...}})")
        if not self.settings.label_studio_url or not self.settings.label_studio_api_key:
            return _error(503, "training needs LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY in the backend's settings")
        if project not in self.known_projects:
            try:
                ls_client(self.settings).project(int(project))
            except NotFoundError as exc:
                return _error(404, f"{action}: project {project}: {exc}")
            except Exception as exc:
                return _error(502, f"{action}: project {project}: {exc}")
            self.known_projects.add(project)
        answer = LabelopsModel(None, self.settings, project=project, run=None).fit(action, data, queue=self.queue)
        log.info("webhook %s for project %s: training %s", action, project, answer["status"])
        return jsonify(answer), 201

    def train(self) -> Any:
        """Label Studio before 1.15 (or with its webhook flag off) asks for training here: START_TRAINING."""
        data = _json_object()
        project = project_id_from(_project(data))
        if project is None:
            raise BadRequest("'project' is required")
        model = LabelopsModel(None, self.settings, project=project, run=None)
        answer = model.fit("START_TRAINING", data, queue=self.queue)
        return jsonify(answer), 201

    def versions(self) -> Any:
        """The trained model versions: of one project (`?project=` or a JSON body), else of every project.

        Label Studio 1.23 sends `GET /versions` without naming the project, so the answer then lists
        every project's versions; their names say the project (`labelops-p<id>-v<N>`).
        """
        raw = request.args.get("project")
        if raw is None and request.method == "POST" and request.get_data(cache=True).strip():
            raw = _json_object().get("project")
        if raw is not None:
            project, created = project_uid_parts(raw)
            if project is None:
                raise BadRequest("'project' must be a Label Studio project id")
            stores = [ProjectVersions(self.settings.versions_root(), project, self.settings.keep_versions)]
            stores = [s for s in stores if s.belongs_to(created)]
        else:
            root = self.settings.versions_root()
            ids = sorted((p.name for p in root.iterdir() if p.is_dir() and project_id_from(p.name)), key=int) \
                if root.is_dir() else []
            stores = [ProjectVersions(root, pid, self.settings.keep_versions) for pid in ids]
        names = []
        for store in stores:
            current = store.current()
            kept = [store.meta(v).get("model_version") for v in store.versions()]
            served = store.meta(current).get("model_version") if current else None
            names += [served] if served else []
            names += [name for name in reversed(kept) if name and name != served]
        return jsonify({"versions": names})

    def al_status(self) -> Any:
        project, created = project_uid_parts(request.args.get("project"))
        if project is None:
            raise BadRequest("give ?project=ID")
        store = ProjectVersions(self.settings.versions_root(), project, self.settings.keep_versions)
        if not store.belongs_to(created):  # another project with this id: nothing of it applies
            return jsonify({"project": project, "current_version": None, "model_version": None, "kept_versions": [],
                            "history": [], "training": self.queue.state(project),
                            "strategy": self.settings.al_strategy})
        current = store.current()
        return jsonify({"project": project, "current_version": current,
                        "model_version": store.meta(current).get("model_version") if current else None,
                        "kept_versions": [{"version": v, **store.meta(v)} for v in store.versions()],
                        "history": store.history(), "training": self.queue.state(project),
                        "strategy": project_settings.effective(self.settings, project).al_strategy})

    def al_rollback(self) -> Any:
        project = project_id_from(_json_object().get("project"))
        if project is None:
            raise BadRequest("rollback needs {'project': ID}")
        try:
            return jsonify(rollback_project(project, self.settings))
        except (TrainingFailed, ValueError) as exc:
            return _error(409, str(exc))
        except Exception as exc:  # Label Studio unreachable or refusing
            log.exception("rollback of project %s failed", project)
            return _error(502, f"rollback of project {project} failed: {type(exc).__name__}: {exc}")

