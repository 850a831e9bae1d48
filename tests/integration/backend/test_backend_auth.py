"""HTTP basic auth on the ML backend: a real gunicorn backend with BASIC_AUTH_USER / BASIC_AUTH_PASS, a real
Label Studio that stores the credentials (ML-backend row + its webhook's headers), the real CLI. No mocks."""

from __future__ import annotations

import base64
import time

import httpx
import pytest

from sdk_scripts.devserver.backend import LocalBackend
from tests.support.labelstudio import unique_title

# the backend against Label Studio's API: nothing database-specific; the PostgreSQL run leaves it out
pytestmark = pytest.mark.api_feature

USER = "labelops-ml"
PASSWORD = "s3cret-Basic-pass-7d1e"
CONFIG = ('<View><Text name="text" value="$text"/><Choices name="queue" toName="text" choice="single-radio">'
          '<Choice value="a"/><Choice value="b"/></Choices></View>')
REFUSED = "refused the credentials (401): set LABELOPS_BACKEND_USER / LABELOPS_BACKEND_PASSWORD"


@pytest.fixture(scope="module")
def auth_backend(label_studio, tmp_path_factory):
    root = tmp_path_factory.mktemp("auth-backend")
    env = {"BASIC_AUTH_USER": USER, "BASIC_AUTH_PASS": PASSWORD, "LABEL_STUDIO_URL": label_studio.url,
           "LABEL_STUDIO_API_KEY": label_studio.admin_token, "MODEL_DIR": str(root / "models"),
           "LABELOPS_CACHE_DIR": str(root / "cache"), "YOLO_CONFIG_DIR": str(root / "ultralytics"),
           "TRAIN_MIN_ANNOTATIONS": "1000"}  # count annotations, never train here
    backend = LocalBackend(env=env, log_path=root / "backend.log").start()
    yield backend
    backend.stop()


def _assert_401(resp: httpx.Response) -> None:
    assert resp.status_code == 401, resp.text
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="labelops ML backend"'
    body = resp.json()
    assert body["status"] == "error" and "basic auth" in body["error"]
    assert PASSWORD not in resp.text and USER not in resp.text


def test_every_route_needs_the_credentials(auth_backend) -> None:
    url = auth_backend.url
    predict = {"tasks": [{"id": 1, "data": {"text": "hello"}}], "label_config": CONFIG, "project": "1"}
    webhook = {"action": "ANNOTATION_CREATED", "project": {"id": 1}}
    for method, path, kwargs in (("GET", "/health", {}), ("GET", "/", {}), ("POST", "/predict", {"json": predict}),
                                 ("POST", "/setup", {"json": {"schema": CONFIG}}),
                                 ("POST", "/webhook", {"json": webhook}), ("GET", "/al/status?project=1", {}),
                                 ("POST", "/al/rollback", {"json": {"project": 1}}), ("GET", "/metrics", {}),
                                 ("POST", "/versions", {"json": {"project": "1"}}), ("GET", "/no-such-route", {})):
        _assert_401(httpx.request(method, url + path, timeout=30, **kwargs))
        _assert_401(httpx.request(method, url + path, timeout=30, auth=(USER, PASSWORD + "x"), **kwargs))
        _assert_401(httpx.request(method, url + path, timeout=30, auth=("someone", PASSWORD), **kwargs))
    _assert_401(httpx.get(f"{url}/health", headers={"Authorization": "Bearer " + PASSWORD}, timeout=10))
    _assert_401(httpx.get(f"{url}/health", headers={"Authorization": "Basic not-base64!"}, timeout=10))

    health = httpx.get(f"{url}/health", auth=(USER, PASSWORD), timeout=10)
    assert health.status_code == 200 and health.json()["basic_auth"] is True
    assert PASSWORD not in health.text
    resp = httpx.post(f"{url}/predict", json=predict, auth=(USER, PASSWORD), timeout=120)
    assert resp.status_code == 200 and len(resp.json()["results"]) == 1
    status = httpx.get(f"{url}/al/status", params={"project": 1}, auth=(USER, PASSWORD), timeout=30)
    assert status.status_code == 200


def test_connect_stores_the_credentials_and_webhooks_get_through(
        auth_backend, label_studio, ls_client, run_cli, monkeypatch) -> None:
    url = auth_backend.url
    pid = ls_client.create_project(title=unique_title("auth"), label_config=CONFIG)["id"]
    task_ids = ls_client.import_tasks(pid, [{"text": "first"}, {"text": "second"}])

    # no credentials / wrong ones: one clear line, nothing registered
    monkeypatch.delenv("LABELOPS_BACKEND_USER", raising=False)
    monkeypatch.delenv("LABELOPS_BACKEND_PASSWORD", raising=False)
    refused = run_cli("backend", "connect", pid, url)
    assert refused.code != 0 and f"ML backend at {url} {REFUSED}" in refused.err, refused.err
    assert "Traceback" not in refused.err
    pre = run_cli("preannotate", pid, "--backend", url)
    assert pre.code != 0 and REFUSED in pre.err
    monkeypatch.setenv("LABELOPS_BACKEND_USER", USER)
    monkeypatch.setenv("LABELOPS_BACKEND_PASSWORD", "wrong")
    wrong = run_cli("backend", "connect", pid, url)
    assert wrong.code != 0 and REFUSED in wrong.err
    monkeypatch.delenv("LABELOPS_BACKEND_PASSWORD")
    half = run_cli("backend", "connect", pid, url)
    assert half.code != 0 and "LABELOPS_BACKEND_PASSWORD is not set" in half.err
    assert ls_client.ml_backends(pid) == []

    monkeypatch.setenv("LABELOPS_BACKEND_PASSWORD", PASSWORD)
    ok = run_cli("backend", "connect", pid, url)
    assert ok.code == 0, ok.err
    assert "connected: ML backend" in ok.out
    again = run_cli("backend", "connect", pid, url)  # idempotent; re-stores the (write-only) password
    assert again.code == 0 and "already connected" in again.out, again.err
    [row] = ls_client.ml_backends(pid)
    # Label Studio's own /health + /setup with the stored basic auth succeeded
    assert row["state"] == "CO" and row["auth_method"] == "BASIC_AUTH" and row["basic_auth_user"] == USER
    assert row["basic_auth_pass_is_set"] is True and "basic_auth_pass" not in row
    hooks = ls_client.webhooks(pid)
    [hook] = [h for h in hooks if h["url"] == f"{url}/webhook"]
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert hook["headers"]["Authorization"] == f"Basic {token}"

    # preannotate with the env credentials
    pre = run_cli("preannotate", pid, "--backend", url)
    assert pre.code == 0 and "2 tasks predicted" in pre.out, pre.err

    # an annotation made in Label Studio reaches the protected /webhook (Label Studio sends it)
    log_start = auth_backend.log_path.stat().st_size
    result = [{"from_name": "queue", "to_name": "text", "type": "choices", "value": {"choices": ["a"]}}]
    ls_client.create_annotation(task_ids[0], result)
    deadline = time.monotonic() + 60
    pending = 0
    while time.monotonic() < deadline:
        status = httpx.get(f"{url}/al/status", params={"project": pid}, auth=(USER, PASSWORD), timeout=30).json()
        pending = status["training"]["new_annotations_since_last_run"]
        if pending >= 1:
            break
        time.sleep(0.5)
    assert pending >= 1, "Label Studio's annotation webhook did not reach the backend"

    log = auth_backend.log_path.read_text(errors="replace")
    assert f"webhook ANNOTATION_CREATED for project {pid}" in log[log_start:]
    assert "401 POST /webhook" not in log[log_start:]
    assert PASSWORD not in log and token not in log
    assert PASSWORD not in httpx.get(f"{url}/health", auth=(USER, PASSWORD), timeout=10).text
