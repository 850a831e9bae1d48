"""Property-based fuzzing of /predict, /setup and /webhook through the real Flask app, in-process.

The app is `create_app(BackendSettings(...))` with the shipped models; Label Studio's URL points at a
closed loopback port and no API key is set, so nothing leaves the process and /webhook answers 503 before
it would call Label Studio. Whatever the body: no 500, no exception out of the app, a JSON object back,
and for /predict one result per task. Deterministic (derandomize) so CI sees the same examples each run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ml_backend.model import TRAIN_EVENTS
from ml_backend.server import create_app
from ml_backend.settings import BackendSettings
from sdk_scripts.devserver.ports import free_port
from sdk_scripts.label_config_library import read_config, render_config
from tests.support.shapes import write_test_images

IMAGE_CONFIG = render_config(read_config("image_bbox"), {"label": ["Circle", "Square", "Triangle"]})
TEXT_CONFIG = render_config(read_config("text_sentiment"), {})
BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE v [<!ENTITY a "aaaaaaaaaa">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
                  + ']><View><Text name="t" value="$t"/><Choices name="c" toName="t">'
                    '<Choice value="&i;"/><Choice value="x"/></Choices></View>')
XXE = ('<?xml version="1.0"?><!DOCTYPE v [<!ENTITY x SYSTEM "file:///etc/passwd">]><View><Text name="text" '
       'value="$text"/><Choices name="c" toName="text"><Choice value="&x;"/><Choice value="b"/></Choices></View>')
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_ROOT: dict[str, Path] = {}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "images").mkdir()
    [(image, _)] = write_test_images(root / "images", 1, seed=99)
    _ROOT["image"] = image
    closed = f"http://127.0.0.1:{free_port()}"
    app = create_app(BackendSettings(label_studio_url=closed, label_studio_api_key="", model_dir=str(root / "models"),
                                     allowed_local_dirs=[str(root / "images")], media_cache_bytes=0,
                                     fetch_timeout=2.0))
    return app.test_client()


def _json_leaves() -> st.SearchStrategy:
    return (st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=True)
            | st.text(max_size=12) | st.sampled_from(["9" * 5000, "1.1", "", "\x00", "<View/>"]))


def _mostly(likely: st.SearchStrategy, other: st.SearchStrategy) -> st.SearchStrategy:
    """`likely` about three times in four, else `other`."""
    return st.sampled_from([True, True, True, False]).flatmap(lambda pick: likely if pick else other)


JSON = st.recursive(_json_leaves(), lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
PROJECT = _mostly(st.from_regex(r"\d{1,12}(\.\d{1,12})?", fullmatch=True) | st.integers(0, 10**12), JSON)
CONFIG = _mostly(st.sampled_from([IMAGE_CONFIG, TEXT_CONFIG, IMAGE_CONFIG, TEXT_CONFIG, "<View><Text",
                                  BILLION_LAUGHS, XXE, "<View/>", ""]), JSON | st.text(max_size=30))
REF = _mostly(st.sampled_from([
    "IMAGE", "IMAGE", "/data/upload/1/a.png", "/data/upload/../../api/projects/", "/api/current-user/whoami",
    "/data/local-files/?d=../etc/passwd", "/data/local-files/?d=a.png", "/etc/passwd", "file:///etc/passwd",
    "s3://bucket/key.png", "http://user:pw@127.0.0.1:1/x.png", "http://[::1", "http://127.0.0.1:99999/x",
    "//evil/x", "data:image/png;base64,AA",
]), st.text(max_size=30) | JSON)
TEXT = _mostly(st.text(min_size=1, max_size=40), JSON)
DATA = _mostly(st.fixed_dictionaries({}, optional={"image": REF, "text": TEXT, "t": JSON}), JSON)
TASK = _mostly(st.fixed_dictionaries({"id": st.integers(0, 10**6), "data": DATA},
                                     optional={"predictions": JSON, "annotations": JSON}),
               st.fixed_dictionaries({}, optional={"id": JSON, "data": DATA}) | JSON)
PREDICT = _mostly(
    st.fixed_dictionaries({"tasks": st.lists(TASK, min_size=1, max_size=4), "label_config": CONFIG}, optional={
        "project": PROJECT, "params": JSON | st.fixed_dictionaries({}, optional={"context": JSON, "login": JSON})}),
    st.fixed_dictionaries({}, optional={"tasks": JSON, "project": JSON, "label_config": JSON, "params": JSON}))
SETUP = _mostly(
    st.fixed_dictionaries({"schema": CONFIG}, optional={
        "project": PROJECT, "hostname": JSON, "access_token": JSON, "model_version": JSON,
        "extra_params": JSON | st.fixed_dictionaries({}, optional={"al_strategy": JSON, "al_batch": JSON,
                                                                  "class_balance_gamma": JSON})}),
    st.fixed_dictionaries({}, optional={"project": JSON, "schema": JSON, "label_config": JSON, "extra_params": JSON}))
WEBHOOK = _mostly(
    st.fixed_dictionaries({"action": st.sampled_from([*TRAIN_EVENTS, "PROJECT_UPDATED", ""]),
                           "project": PROJECT | st.fixed_dictionaries({"id": PROJECT})},
                          optional={"annotation": JSON, "annotations": JSON, "task": JSON}),
    st.fixed_dictionaries({}, optional={"action": JSON, "project": JSON, "annotation": JSON}))


def _body(shape: st.SearchStrategy) -> st.SearchStrategy:
    """A JSON body of the route's shape (mostly), any JSON value, or bytes that are not JSON at all."""
    return _mostly(shape.map(lambda v: json.dumps(_with_image(v)).encode()),
                   JSON.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=40))


def _with_image(value: object) -> object:
    """The placeholder "IMAGE" becomes the path of a real image the detector can read."""
    if value == "IMAGE":
        return str(_ROOT["image"])
    if isinstance(value, dict):
        return {k: _with_image(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_image(v) for v in value]
    return value


def _answer(client, path: str, raw: bytes) -> tuple[int, dict]:
    resp = client.post(path, data=raw, content_type="application/json")
    assert resp.status_code != 500, (path, raw[:300], resp.get_data(as_text=True)[:300])
    assert resp.is_json, (path, raw[:300], resp.status_code)
    body = resp.get_json()
    assert isinstance(body, dict)
    if resp.status_code >= 400:
        assert body["status"] == "error" and isinstance(body["error"], str) and body["error"]
    event(f"{path} {resp.status_code} {body.get('error', '')[:50]}")  # --hypothesis-show-statistics
    return resp.status_code, body


@FUZZ
@given(raw=_body(PREDICT))
def test_predict_never_fails(client, raw: bytes) -> None:
    status, body = _answer(client, "/predict", raw)
    assert status in (200, 400)
    if status == 200:
        tasks = json.loads(raw).get("tasks") or []
        assert len(body["results"]) == len(tasks)
        assert all(set(r) == {"result", "score", "model_version"} for r in body["results"])
        event(f"model_version {body['model_version'][:20]!r}, regions: {any(r['result'] for r in body['results'])}")


@FUZZ
@given(raw=_body(SETUP))
def test_setup_never_fails(client, raw: bytes) -> None:
    status, body = _answer(client, "/setup", raw)
    assert status in (200, 400)
    if status == 200:
        assert isinstance(body["model_version"], str) and body["model_version"]


@FUZZ
@given(raw=_body(WEBHOOK))
def test_webhook_never_fails(client, raw: bytes) -> None:
    status, body = _answer(client, "/webhook", raw)
    assert status in (200, 400, 503)
    if status == 200:
        assert body["status"] == "ignored"
