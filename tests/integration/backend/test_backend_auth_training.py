"""A backend behind HTTP basic auth still moves Label Studio to the version it trained: after a run it updates
the project's ML-backend row, and Label Studio checks the backend's /health again with the update's fields only
(the stored password is write-only). Found by `make compose-smoke`. Real Label Studio, backend and CLI."""

from __future__ import annotations

import time

import pytest

from sdk_scripts.devserver.backend import LocalBackend
from tests.support.labelstudio import unique_title

# the backend against Label Studio's API: nothing database-specific; the PostgreSQL run leaves it out
pytestmark = pytest.mark.api_feature

USER = "labelops-ml"
PASSWORD = "s3cret-Training-pass-41c"
CONFIG = ('<View><Text name="text" value="$text"/><Choices name="tone" toName="text" choice="single-radio">'
          '<Choice value="warm"/><Choice value="cold"/></Choices></View>')
TEXTS = [("a sunny friendly hug", "warm"), ("an icy grey wind", "cold"), ("a kind warm smile", "warm"),
         ("a frozen empty street", "cold"), ("a cosy fire at home", "warm"), ("snow on a dark night", "cold")]


@pytest.fixture(scope="module")
def protected_backend(label_studio, tmp_path_factory):
    root = tmp_path_factory.mktemp("auth-training-backend")
    env = {"BASIC_AUTH_USER": USER, "BASIC_AUTH_PASS": PASSWORD, "LABEL_STUDIO_URL": label_studio.url,
           "LABEL_STUDIO_API_KEY": label_studio.admin_token, "MODEL_DIR": str(root / "models"),
           "LABELOPS_CACHE_DIR": str(root / "cache"), "YOLO_CONFIG_DIR": str(root / "ultralytics"),
           "TRAIN_MIN_ANNOTATIONS": "4"}
    backend = LocalBackend(env=env, log_path=root / "backend.log").start()
    yield backend
    backend.stop()


def test_a_protected_backend_switches_the_project_to_its_trained_version(
        protected_backend, ls_client, run_cli, monkeypatch) -> None:
    pid = ls_client.create_project(title=unique_title("auth-training"), label_config=CONFIG)["id"]
    task_ids = ls_client.import_tasks(pid, [{"text": text} for text, _ in TEXTS])
    monkeypatch.setenv("LABELOPS_BACKEND_USER", USER)
    monkeypatch.setenv("LABELOPS_BACKEND_PASSWORD", PASSWORD)
    connected = run_cli("backend", "connect", str(pid), protected_backend.url)
    assert connected.code == 0, connected.err
    for task_id, (_, tone) in zip(task_ids[:4], TEXTS, strict=False):
        ls_client.create_annotation(task_id, [{"from_name": "tone", "to_name": "text", "type": "choices",
                                               "value": {"choices": [tone]}}])
    expected = f"labelops-p{pid}-v1"
    deadline = time.monotonic() + 120
    while ls_client.project(pid)["model_version"] != expected and time.monotonic() < deadline:
        time.sleep(1)
    log = protected_backend.log_path.read_text()
    assert ls_client.project(pid)["model_version"] == expected, log[-3000:]
    [row] = ls_client.ml_backends(pid)
    assert row["title"] == expected and row["auth_method"] == "BASIC_AUTH" and row["basic_auth_user"] == USER
    assert "not switched to" not in log and PASSWORD not in log
    ls_client.delete_project(pid)
