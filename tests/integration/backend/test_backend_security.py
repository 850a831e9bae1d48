"""Hostile input against the real backend (gunicorn) and the session's real Label Studio: where the token goes,
allow-lists, memory per request, secrets in the log, no 500s.

Label Studio sits behind a recording proxy on loopback (every path and Authorization header the backend sends
it is kept); two more loopback servers stand in for an allowed media host and a host that must never be
reached. One backend process serves the whole module (DEBUG log, basic auth, local-files root).
"""

from __future__ import annotations

import base64
import json
import os
import posixpath
import re
import struct
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import httpx
import pytest
from PIL import Image, ImageDraw

from sdk_scripts.devserver.backend import LocalBackend
from sdk_scripts.devserver.ports import free_port
from sdk_scripts.label_config_library import read_config, render_config
from tests.support.backends import NETGUARD_DIR
from tests.support.labelstudio import unique_title
from tests.support.shapes import matched_shapes, write_test_images

# the backend against Label Studio's API: nothing database-specific; the PostgreSQL run leaves it out
pytestmark = pytest.mark.api_feature

IMAGE_CONFIG = render_config(read_config("image_bbox"), {"label": ["Circle", "Square", "Triangle"]})
TEXT_CONFIG = render_config(read_config("text_sentiment"), {})
USER, PASSWORD = "ml-basic", "Basic-pass-9f3e1c7a"
# Worker peak memory above idle allowed for any one hostile request or mix of them (docs/security.md)
MEMORY_BOUND_MB = 1536
MEMORY_FIGURES: dict[str, dict] = {}

Respond = Callable[["Hit"], tuple[int, dict[str, str], bytes]]


@dataclass
class Hit:
    method: str
    path: str
    authorization: str | None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass
class Recorder:
    """A loopback HTTP server that records every request (path as sent, Authorization) and answers via `respond`."""

    respond: Respond
    port: int = 0
    hits: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                hit = Hit(self.command, self.path, self.headers.get("Authorization"), self.rfile.read(length),
                          dict(self.headers.items()))
                recorder.hits.append(hit)
                status, headers, body = recorder.respond(hit)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _png_response(data: bytes) -> Respond:
    return lambda hit: (200, {"Content-Type": "image/png"}, data)


def _port_prefixed_pair(respond_a: Respond, respond_b: Respond) -> tuple[Recorder, Recorder]:
    """Two recorders where B's port number starts with A's (A on 4123, B on 4123x): `:80` vs `:8080`."""
    for port in range(4100, 6500, 37):
        try:
            a = Recorder(respond_a, port=port)
        except OSError:
            continue
        for digit in range(10):
            try:
                return a, Recorder(respond_b, port=port * 10 + digit)
            except OSError:
                continue
        a.close()
    raise RuntimeError("no free pair of loopback ports P and P<digit>")


def _proxy_to(target: str) -> Respond:
    """Forward each request to `target` (the real Label Studio) and hand its answer back unchanged."""
    client = httpx.Client(timeout=60, follow_redirects=False)
    skip = {"host", "connection", "content-length", "accept-encoding", "transfer-encoding", "keep-alive"}

    def respond(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        headers = {k: v for k, v in hit.headers.items() if k.lower() not in skip}
        resp = client.request(hit.method, target + hit.path, headers=headers, content=hit.body)
        back = {k: v for k, v in resp.headers.items()
                if k.lower() not in skip | {"content-encoding", "set-cookie"}}
        return resp.status_code, back, resp.content

    return respond


def _png_header_only(width: int, height: int) -> bytes:
    """A small PNG that claims `width` x `height` pixels (a decompression-bomb header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@dataclass
class Rig:
    backend: LocalBackend
    proxy: Recorder          # in front of the session's Label Studio: the backend's LABEL_STUDIO_URL
    allowed: Recorder        # under ALLOWED_URL_PREFIXES
    forbidden: Recorder      # port = allowed's port + one digit; never allowed
    storage: Recorder        # where a Label Studio media redirect points (a presigned-URL stand-in)
    docroot: Path
    images: dict[str, tuple[Path, list]]
    project_id: int
    upload_path: str         # the uploaded image's /data/upload/... path, as Label Studio stores it
    upload_shapes: list
    log_path: Path

    def post(self, path: str, body: object = None, *, raw: bytes | None = None, timeout: float = 300,
             **kwargs: object) -> httpx.Response:
        content = raw if raw is not None else json.dumps(body).encode()
        return httpx.post(self.backend.url + path, content=content, auth=(USER, PASSWORD), timeout=timeout,
                          headers={"Content-Type": "application/json", **kwargs.pop("headers", {})}, **kwargs)

    def predict(self, tasks: list[dict], config: str = IMAGE_CONFIG) -> list[dict]:
        resp = self.post("/predict", {"tasks": tasks, "label_config": config, "project": f"{self.project_id}.1"})
        assert resp.status_code == 200, resp.text
        results = resp.json()["results"]
        assert len(results) == len(tasks)
        return results

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def rig(label_studio, ls_client, tmp_path_factory) -> Rig:
    root = tmp_path_factory.mktemp("security")
    shapes = write_test_images(root, 3, seed=4242, prefix="sec")
    images = {name: item for name, item in zip(("inside", "served", "secret"), shapes, strict=True)}
    served_png = images["served"][0].read_bytes()

    storage = Recorder(_png_response(served_png))
    ports: dict[str, int] = {}

    def allowed_respond(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        if hit.path.startswith("/imgs/redir"):
            return 302, {"Location": f"http://127.0.0.1:{ports['forbidden']}/stolen.png"}, b""
        return 200, {"Content-Type": "image/png"}, served_png

    allowed, forbidden = _port_prefixed_pair(allowed_respond, _png_response(served_png))
    ports["forbidden"] = forbidden.port

    forward = _proxy_to(label_studio.url)

    def ls_respond(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        if hit.path.startswith("/data/upload/redir"):  # Label Studio handing out a presigned URL elsewhere
            return 302, {"Location": f"http://localhost:{storage.port}/bucket/presigned.png?sig=1"}, b""
        return forward(hit)

    proxy = Recorder(ls_respond)

    # local files: docroot/allowed is ALLOWED_LOCAL_DIRS; docroot/private and ../outside must stay unreadable
    docroot = root / "docroot"
    for d in ("allowed", "private"):
        (docroot / d).mkdir(parents=True)
    (root / "outside").mkdir()
    inside = docroot / "allowed" / "inside.png"
    inside.write_bytes(images["inside"][0].read_bytes())
    secret = docroot / "private" / "secret.png"
    secret.write_bytes(images["secret"][0].read_bytes())
    (root / "outside" / "x.png").write_bytes(images["secret"][0].read_bytes())
    (docroot / "allowed" / "link.png").symlink_to(secret)
    (docroot / "allowed" / "linkdir").symlink_to(docroot / "private", target_is_directory=True)
    big = Image.new("RGB", (6000, 6000), "white")  # 36 megapixels, a ~130 KB file
    draw = ImageDraw.Draw(big)
    draw.rectangle((1000, 1000, 3000, 3000), fill="black")
    draw.ellipse((3500, 3500, 5500, 5500), fill="gray")
    big.save(docroot / "allowed" / "big36mp.png", compress_level=9)
    del big, draw
    (docroot / "allowed" / "bomb.png").write_bytes(_png_header_only(60000, 60000))

    pid = ls_client.create_project(title=unique_title("security"), label_config=IMAGE_CONFIG)["id"]
    upload_shapes_path, upload_shapes = write_test_images(root, 1, seed=777, prefix="upload")[0]
    [task_id] = ls_client.upload_files(pid, [str(upload_shapes_path)])
    upload_path = ls_client.task(task_id)["data"]["image"]
    assert upload_path.startswith("/data/upload/"), upload_path

    env = {
        "LABEL_STUDIO_URL": proxy.url,
        "LABEL_STUDIO_API_KEY": label_studio.admin_token,  # a personal access token: refreshed via the proxy
        "BASIC_AUTH_USER": USER, "BASIC_AUTH_PASS": PASSWORD,
        "LOG_LEVEL": "DEBUG",
        # no trailing slash on either prefix: the cases that beat a string-prefix comparison
        "ALLOWED_URL_PREFIXES": f"{allowed.url}/imgs,http://localhost:{allowed.port}",
        "ALLOWED_LOCAL_DIRS": str(docroot / "allowed"),
        "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT": str(docroot),
        "MAX_IMAGE_PIXELS": "40000000",  # the 36-megapixel image passes the pixel guard
        "MEDIA_CACHE_BYTES": "0",  # every fetch reaches the recorders
        "MODEL_DIR": str(root / "models"), "LABELOPS_CACHE_DIR": str(root / "cache"),
        "YOLO_CONFIG_DIR": str(root / "ultralytics"),
        "PYTHONPATH": os.pathsep.join([NETGUARD_DIR, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "NETGUARD_LOG": str(root / "netguard.log"),
    }
    (root / "netguard.log").write_text("")
    backend = LocalBackend(env=env, log_path=root / "backend.log").start()
    try:
        yield Rig(backend, proxy, allowed, forbidden, storage, docroot, images, pid, upload_path, upload_shapes,
                  root / "backend.log")
    finally:
        backend.stop()
        for server in (proxy, allowed, forbidden, storage):
            server.close()


def _media_path_once_decoded(path: str) -> str:
    """The path part of a request line as a server that decodes once and normalises would route it."""
    decoded = unquote(urlsplit(path).path)
    return posixpath.normpath(decoded) + ("/" if decoded.endswith("/") else "")


# -- 1. the token goes only to Label Studio's own media paths -----------------------------------------------


def test_token_only_goes_to_label_studio_media_paths(rig: Rig) -> None:
    ls = rig.proxy.url
    port = rig.proxy.port
    hostile = [
        f"{ls}/api/current-user/whoami",
        f"{ls}/api/projects/",
        f"{ls}/api/projects/{rig.project_id}/export?exportType=JSON",
        f"{ls}/data/upload/../../api/projects/",
        f"{ls}/data/upload/{rig.project_id}/../../../api/projects/",
        "/data/upload/%2e%2e/%2e%2e/api/projects/",
        "/data/upload/..%2f..%2fapi/projects/",
        "/data/upload/%2E%2E/%2E%2E/api/current-user/whoami",
        f"{ls}/tasks/1/../../api/projects/",
        f"HTTP://127.0.0.1.:{port}/api/projects/",
        f"{ls}/api/projects/?/data/upload/x.png",
        f"{ls}/api/projects/#/data/upload/x.png",
        f"//127.0.0.1:{port}/api/projects/",
        f"{ls}//api/projects/",
        f"{ls}/data/upload\\..\\..\\api\\projects\\",
    ]
    tasks = [{"id": 1, "data": {"image": rig.upload_path}},
             {"id": 2, "data": {"image": ls + rig.upload_path}},
             {"id": 3, "data": {"image": "/data/upload/redir.png"}},
             # double-encoded: sent so that one decoding gives the name back, never '..'
             {"id": 4, "data": {"image": "/data/upload/%252e%252e/%252e%252e/api/projects/"}}]
    tasks += [{"id": 10 + i, "data": {"image": ref}} for i, ref in enumerate(hostile)]
    rig.proxy.hits.clear()
    rig.storage.hits.clear()
    results = rig.predict(tasks)

    # the real uploads came back with boxes: the token reached Label Studio's media path and worked
    assert matched_shapes(rig.upload_shapes, results[0]["result"]) >= 1
    assert matched_shapes(rig.upload_shapes, results[1]["result"]) >= 1
    # Label Studio's redirect to storage was followed, without the token
    assert matched_shapes(rig.images["served"][1], results[2]["result"]) >= 1
    assert [h.authorization for h in rig.storage.hits] == [None]
    assert rig.storage.hits[0].path == "/bucket/presigned.png?sig=1"
    assert results[3]["result"] == []
    leaked = [t["data"]["image"] for t, r in zip(tasks[4:], results[4:], strict=True) if r["result"]]
    assert leaked == []

    with_token = [h for h in rig.proxy.hits if h.authorization]
    assert {h.path for h in with_token} == {rig.upload_path, "/data/upload/redir.png",
                                            "/data/upload/%252e%252e/%252e%252e/api/projects/"}
    for hit in with_token:
        routed = _media_path_once_decoded(hit.path)
        assert routed.startswith("/data/upload/") and ".." not in routed.split("/"), hit.path
        assert hit.authorization.startswith("Bearer ")  # an access token, never the personal access token itself
    # nothing under /api except the SDK exchanging the personal access token, which carries no header
    api = [h for h in rig.proxy.hits if _media_path_once_decoded(h.path).startswith("/api/")]
    assert all((h.method, h.path, h.authorization) == ("POST", "/api/token/refresh/", None) for h in api), api
    log = rig.log()
    assert "no prediction: not a Label Studio media path" in log
    assert "no prediction: path with '..' or backslashes refused" in log


def test_personal_access_token_is_only_exchanged_at_token_refresh(label_studio, tmp_path) -> None:
    """In-process: the resolver the backend builds, with a legacy key and with a personal access token."""
    from ml_backend.media import resolver
    from ml_backend.settings import BackendSettings
    from sdk_scripts.labelstudio.media import MediaError

    png = write_test_images(tmp_path, 1, seed=31)[0][0].read_bytes()
    access = _fake_jwt("access", exp=4102444800)

    def respond(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        if hit.path == "/api/token/refresh/":
            return 200, {"Content-Type": "application/json"}, json.dumps({"access": access}).encode()
        return 200, {"Content-Type": "image/png"}, png

    ls = Recorder(respond)
    try:
        refs = [f"{ls.url}/api/current-user/whoami", f"{ls.url}/data/upload/../../api/projects/",
                "/data/upload/%2e%2e/%2e%2e/api/x", f"{ls.url}/data/local-files/?d=../../etc/passwd",
                f"{ls.url}/data/upload/1/ok.png"]
        for key, header in (("legacy-style-key-0123456789", "Token legacy-style-key-0123456789"),
                            (_fake_jwt("refresh", exp=4102444800), f"Bearer {access}")):
            ls.hits.clear()
            fetch = resolver(BackendSettings(label_studio_url=ls.url, label_studio_api_key=key,
                                             media_cache_bytes=0)).fetch
            for ref in refs[:-1]:
                with pytest.raises(MediaError):
                    fetch(ref)
            assert fetch(refs[-1]) == png
            assert [(h.method, h.path, h.authorization) for h in ls.hits if h.path != "/api/token/refresh/"] == \
                [("GET", "/data/upload/1/ok.png", header)]
            refresh = [h for h in ls.hits if h.path == "/api/token/refresh/"]
            if key.startswith("legacy"):
                assert refresh == []
            else:  # the refresh token goes in the body of the one exchange, nowhere else
                assert [(h.method, h.authorization, json.loads(h.body)) for h in refresh] == \
                    [("POST", None, {"refresh": key})]
    finally:
        ls.close()


def _fake_jwt(token_type: str, exp: int) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'token_type': token_type, 'exp': exp})}.c2lnbmF0dXJl"


# -- 2. allow-lists that cannot be walked around -----------------------------------------------------------


def test_local_files_stay_inside_the_allowed_dirs(rig: Rig) -> None:
    secret = rig.docroot / "private" / "secret.png"
    inside = rig.docroot / "allowed" / "inside.png"
    refused = {
        "/data/local-files/?d=private/secret.png": "outside ALLOWED_LOCAL_DIRS",
        "/data/local-files/?d=../outside/x.png": "without '..'",
        "/data/local-files/?d=allowed/../private/secret.png": "without '..'",
        "/data/local-files/?d=allowed/../../outside/x.png": "without '..'",
        "/data/local-files/?d=allowed%2F..%2Fprivate%2Fsecret.png": "without '..'",
        "/data/local-files/?d=/etc/passwd": "must be relative",
        f"/data/local-files/?d={quote(str(secret))}": "must be relative",
        "/data/local-files/?d=/proc/self/environ": "must be relative",
        "/data/local-files/?d=allowed/link.png": "outside ALLOWED_LOCAL_DIRS",
        "/data/local-files/?d=allowed/linkdir/secret.png": "outside ALLOWED_LOCAL_DIRS",
        f"{rig.proxy.url}/data/local-files/?d=private/secret.png": "outside ALLOWED_LOCAL_DIRS",
        f"{inside.parent}/../private/secret.png": "local path outside ALLOWED_LOCAL_DIRS",
        f"{inside.parent}/link.png": "local path outside ALLOWED_LOCAL_DIRS",
        f"file://{secret}": "local path outside ALLOWED_LOCAL_DIRS",
        "/proc/self/environ": "local path outside ALLOWED_LOCAL_DIRS",
    }
    allowed = ["/data/local-files/?d=allowed/inside.png", f"{rig.proxy.url}/data/local-files/?d=allowed/inside.png",
               str(inside), f"file://{inside}"]
    tasks = [{"id": 100 + i, "data": {"image": ref}} for i, ref in enumerate([*allowed, *refused])]
    rig.proxy.hits.clear()
    results = rig.predict(tasks)
    truth = rig.images["inside"][1]
    for ref, result in zip(allowed, results, strict=False):
        assert matched_shapes(truth, result["result"]) >= 1, ref
    assert [r["result"] for r in results[len(allowed):]] == [[]] * len(refused)
    log = rig.log()
    for i, (ref, reason) in enumerate(refused.items()):
        line = next((ln for ln in log.splitlines() if f"task {100 + len(allowed) + i}, control" in ln), "")
        assert "no prediction" in line and reason in line, (ref, line)
    assert rig.proxy.hits == []  # read from disk, never through Label Studio


def test_allowed_url_prefixes_cannot_be_walked_around(rig: Rig) -> None:
    a, f = rig.allowed.port, rig.forbidden.port
    assert str(f).startswith(str(a)) and f != a
    allowed = [f"http://127.0.0.1:{a}/imgs/a.png", f"http://localhost:{a}/other/b.png"]
    refused = [
        f"http://127.0.0.1:{a}/imgs/redir.png",  # 302 to the forbidden host
        f"http://localhost:{a}@127.0.0.1:{f}/x.png",  # the prefix http://localhost:A, then user info
        f"http://localhost:{a}:pw@127.0.0.1:{f}/x.png",
        f"http://localhost:{f}/x.png",  # :A vs :A<digit> (:80 vs :8080)
        f"http://127.0.0.1:{f}/imgs/a.png",
        f"http://127.0.0.1:{a}/imgs-private/x.png",  # /imgs vs /imgs-private
        f"http://127.0.0.1:{a}/imgsx.png",
        f"http://127.0.0.1:{a}/imgs/../private/x.png",
        f"http://127.0.0.1:{a}/imgs/%2e%2e/private/x.png",
        f"http://127.0.0.1:{a}/imgs%2f..%2fprivate/x.png",
        f"http://127.0.0.1:{a}/IMGS/a.png",
        f"HTTP://127.0.0.1.:{f}/imgs/a.png",
        f"http://LOCALHOST.:{f}/x.png",
        f"http://127.0.0.1:{f}#@127.0.0.1:{a}/imgs/a.png",
        f"http://127.0.0.1:{f}?@127.0.0.1:{a}/imgs/a.png",
        f"http://127.0.0.1:{a}\\@127.0.0.1:{f}/imgs/a.png",
        f"https://127.0.0.1:{a}/imgs/a.png",
        f"ftp://127.0.0.1:{a}/imgs/a.png",
    ]
    tasks = [{"id": 200 + i, "data": {"image": ref}} for i, ref in enumerate([*allowed, *refused])]
    rig.allowed.hits.clear()
    rig.forbidden.hits.clear()
    results = rig.predict(tasks)
    truth = rig.images["served"][1]
    assert all(matched_shapes(truth, r["result"]) >= 1 for r in results[:len(allowed)])
    assert [r["result"] for r in results[len(allowed):]] == [[]] * len(refused)
    assert rig.forbidden.hits == []
    assert sorted(h.path for h in rig.allowed.hits) == ["/imgs/a.png", "/imgs/redir.png", "/other/b.png"]
    assert all(h.authorization is None for h in rig.allowed.hits)
    log = rig.log()
    assert "no prediction: redirected to a URL not allowed by ALLOWED_URL_PREFIXES" in log
    assert "no prediction: URLs with user info (user@host) are refused" in log


# -- 3. bounded memory per request -------------------------------------------------------------------------


def _worker_pid(backend: LocalBackend) -> int:
    master = backend._proc.pid  # the gunicorn master this test started
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _memory_mb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = int(value.split()[0]) // 1024
    return fields


def _peak_above_idle(pid: int, idle: int, run: Callable[[], object]) -> tuple[object, int]:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    outcome = run()
    return outcome, _memory_mb(pid)["VmHWM"] - idle


def test_memory_per_request_is_bounded(rig: Rig) -> None:
    pid = _worker_pid(rig.backend)
    big = str(rig.docroot / "allowed" / "big36mp.png")
    rig.predict([{"id": 1, "data": {"image": big}}])  # weights loaded, allocator warm
    rig.predict([{"id": 1, "data": {"text": "warm up the text model"}}], TEXT_CONFIG)
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    idle = _memory_mb(pid)["VmRSS"]
    MEMORY_FIGURES["idle_rss_mb"] = {"mb": idle}

    # 50 MB of text: refused before it is read
    over_limit = json.dumps({"tasks": [{"id": 1, "data": {"text": "lorem ipsum " * 4_400_000}}],
                             "label_config": TEXT_CONFIG}).encode()
    resp, extra = _peak_above_idle(pid, idle, lambda: rig.post("/predict", raw=over_limit))
    assert resp.status_code == 413 and "MAX_REQUEST_BYTES" in resp.json()["error"]
    MEMORY_FIGURES["text 50 MB (413)"] = {"above_idle_mb": extra}

    # ~30 MB of text, under MAX_REQUEST_BYTES: answered, the model reads MAX_TEXT_CHARS of it
    under_limit = json.dumps({"tasks": [{"id": 1, "data": {"text": "wonderful, I love it. " * 1_350_000}}],
                              "label_config": TEXT_CONFIG, "project": "1.1"}).encode()
    assert 29_000_000 < len(under_limit) < 32_000_000
    resp, extra = _peak_above_idle(pid, idle, lambda: rig.post("/predict", raw=under_limit))
    assert resp.status_code == 200
    [result] = resp.json()["results"]
    assert [r["value"]["choices"] for r in result["result"]] == [["positive"]]
    MEMORY_FIGURES["text 30 MB"] = {"above_idle_mb": extra}

    tasks = [{"id": i, "data": {"image": big}} for i in range(12)]
    results, extra = _peak_above_idle(pid, idle, lambda: rig.predict(tasks))
    assert all(r["result"] for r in results)  # the square and the circle are found in every copy
    MEMORY_FIGURES["12 x 36 MP PNG"] = {"above_idle_mb": extra}

    def four_at_once() -> list[list[dict]]:
        out: list[list[dict]] = []
        threads = [threading.Thread(target=lambda: out.append(rig.predict(tasks))) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return out

    answers, extra = _peak_above_idle(pid, idle, four_at_once)
    assert len(answers) == 4 and all(len(a) == 12 and all(r["result"] for r in a) for a in answers)
    MEMORY_FIGURES["4 concurrent x 12 x 36 MP PNG"] = {"above_idle_mb": extra}
    print("\nworker memory:", json.dumps(MEMORY_FIGURES))
    over = {k: v for k, v in MEMORY_FIGURES.items() if v.get("above_idle_mb", 0) > MEMORY_BOUND_MB}
    assert not over, f"above the {MEMORY_BOUND_MB} MB bound: {over}"


# -- 5. no 500s, and the guards that were sound stay sound ---------------------------------------------------

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE v [<!ENTITY a "aaaaaaaaaa">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
                  + ']><View><Text name="t" value="$t"/><Choices name="c" toName="t">'
                    '<Choice value="&i;"/><Choice value="x"/></Choices></View>')


def _xxe(path: Path) -> str:
    return (f'<?xml version="1.0"?><!DOCTYPE v [<!ENTITY x SYSTEM "file://{path}">]>'
            '<View><Text name="t" value="$t"/><Choices name="c" toName="t">'
            '<Choice value="&x;"/><Choice value="other"/></Choices></View>')


def test_hostile_bodies_get_400_never_500(rig: Rig, tmp_path: Path) -> None:
    big_id = "9" * 5000
    task = {"id": 1, "data": {"t": "hello"}}
    cases: list[tuple[str, bytes, int]] = [
        ("/predict", b"[1, 2]", 400), ("/predict", b'"tasks"', 400), ("/predict", b"null", 400),
        ("/predict", b"", 400), ("/predict", b"{", 400), ("/predict", b"\xff\xfe{", 400),
        ("/predict", b"[" * 50_000, 400),
        ("/predict", json.dumps({"tasks": "x"}).encode(), 400),
        ("/predict", json.dumps({"tasks": [1, "x", None]}).encode(), 400),
        ("/predict", json.dumps({"tasks": [{"data": "x"}]}).encode(), 400),
        ("/predict", json.dumps({"tasks": [task], "label_config": 5}).encode(), 400),
        ("/predict", json.dumps({"tasks": [task], "project": big_id}).encode(), 400),
        ("/predict", json.dumps({"tasks": [task], "project": big_id + ".1"}).encode(), 400),
        ("/predict", json.dumps({"tasks": [task], "project": {"id": 1}}).encode(), 400),
        ("/predict", b'{"tasks": [{"id": ' + b"9" * 5000 + b', "data": {}}]}', 400),
        ("/setup", b"[]", 400),
        ("/setup", json.dumps({"schema": "<View><Text"}).encode(), 400),
        ("/setup", json.dumps({"schema": IMAGE_CONFIG, "project": big_id}).encode(), 400),
        ("/setup", json.dumps({"schema": IMAGE_CONFIG, "extra_params": [1]}).encode(), 400),
        ("/setup", json.dumps({"schema": BILLION_LAUGHS, "project": "1.1"}).encode(), 400),
        ("/webhook", b"[]", 400), ("/webhook", json.dumps({"action": 5}).encode(), 400),
        ("/webhook", json.dumps({"action": "ANNOTATION_CREATED"}).encode(), 400),
        ("/webhook", json.dumps({"action": "ANNOTATION_CREATED", "project": {"id": big_id}}).encode(), 400),
        ("/webhook", json.dumps({"action": "START_TRAINING", "project": big_id}).encode(), 400),
        ("/webhook", json.dumps({"action": "PROJECT_DELETED", "project": {"id": 1}}).encode(), 200),
        ("/versions", json.dumps({"project": big_id}).encode(), 400),
        ("/al/rollback", json.dumps({"project": big_id}).encode(), 400),
        ("/al/rollback", b"[1]", 400),
    ]
    for path, raw, status in cases:
        resp = rig.post(path, raw=raw, timeout=120)
        assert resp.status_code == status, (path, raw[:80], resp.status_code, resp.text[:300])
        body = resp.json()
        assert status == 200 or body["status"] == "error" and body["error"], (path, raw[:80])
    for url in ("/versions?project=", "/al/status?project="):  # (gunicorn refuses request lines over 4 KB: 414)
        resp = httpx.get(rig.backend.url + url + big_id[:3000], auth=(USER, PASSWORD), timeout=30)
        assert resp.status_code == 400 and resp.json()["status"] == "error", url

    # where Label Studio needs one answer per task, an unparsable config gets empty results, not an error
    for config in ("<View><Text", BILLION_LAUGHS, "<View/>", "x" * 100):
        resp = rig.post("/predict", {"tasks": [task, task], "label_config": config, "project": "1.1"}, timeout=120)
        assert resp.status_code == 200, resp.text
        assert [r["result"] for r in resp.json()["results"]] == [[], []]
    log = rig.log()
    assert "Traceback" not in log and not re.search(r'HTTP/1\.[01]" 500 ', log)


def test_external_entities_are_never_read(rig: Rig, tmp_path: Path) -> None:
    marker = tmp_path / "local-secret.txt"
    marker.write_text("XXE-MARKER-5b1e")
    os.chmod(marker, 0o644)
    config = _xxe(marker)
    setup = rig.post("/setup", {"schema": config, "project": "1.1"}, timeout=60)
    assert setup.status_code == 400 and "does not parse" in setup.json()["error"]
    predict = rig.post("/predict", {"tasks": [{"id": 1, "data": {"t": "hello"}}], "label_config": config,
                                    "project": "1.1"}, timeout=60)
    assert predict.status_code == 200 and predict.json()["results"][0]["result"] == []
    for text in (setup.text, predict.text, rig.log()):
        assert "XXE-MARKER-5b1e" not in text


def test_decompression_bomb_and_pixel_guard(rig: Rig) -> None:
    bomb = str(rig.docroot / "allowed" / "bomb.png")
    [result] = rig.predict([{"id": 300, "data": {"image": bomb}}])
    assert result["result"] == []
    line = next(ln for ln in rig.log().splitlines() if "task 300, control" in ln)
    assert "no prediction: image too large" in line


def test_basic_auth_refuses_and_logs_no_credentials(rig: Rig) -> None:
    body = {"tasks": [], "label_config": IMAGE_CONFIG}
    for auth in (None, (USER, PASSWORD + "-wrong"), ("intruder", PASSWORD)):
        resp = httpx.post(f"{rig.backend.url}/predict", json=body, auth=auth, timeout=30)
        assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Basic")
        assert PASSWORD not in resp.text
    refusals = [ln for ln in rig.log().splitlines() if "401 POST /predict" in ln]
    assert len(refusals) >= 3
    assert all(PASSWORD not in ln and "intruder" not in ln for ln in refusals)


# -- 4. secrets never reach the log (runs last: it reads the whole module's log) ------------------------------


def test_no_secret_in_the_debug_log(rig: Rig, label_studio) -> None:
    setup_token = "setup-access-token-61f0a2c9e4"
    url_password = "Url-Pass-0c7d55"
    header_secret = "x-api-key-value-3d9a71b2"
    query_secret = "query-token-8e2f61"
    resp = rig.post("/setup", {"project": "1.1", "schema": IMAGE_CONFIG, "hostname": "http://ls.example",
                               "access_token": setup_token, "extra_params": {}})
    assert resp.status_code == 200
    tasks = [{"id": 400, "data": {"image": f"http://user:{url_password}@127.0.0.1:{rig.allowed.port}/imgs/a.png"}},
             {"id": 401, "data": {"image": f"http://user:{url_password}@example.com/x.png",
                                  "note": f"password={url_password}"}}]
    resp = rig.post(f"/predict?access_token={query_secret}",
                    {"tasks": tasks, "label_config": IMAGE_CONFIG, "project": "1.1",
                     "params": {"login": "someone", "password": url_password}},
                    headers={"X-Api-Key": header_secret, "Cookie": f"sessionid={header_secret}"})
    assert resp.status_code == 200 and [r["result"] for r in resp.json()["results"]] == [[], []]
    resp = httpx.post(f"{rig.backend.url}/predict", json={"tasks": []}, timeout=30,
                      headers={"Authorization": f"Bearer {label_studio.admin_token}"})
    assert resp.status_code == 401

    log = rig.log()
    assert "POST /setup headers=" in log and "POST /predict headers=" in log  # DEBUG logging is on
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for secret in (setup_token, url_password, header_secret, query_secret, PASSWORD, basic,
                   label_studio.admin_token):
        assert secret not in log, f"secret {secret[:6]}... in the backend log"
    assert "eyJ" not in log  # no JWT (personal access token, access tokens) in any form
    assert "no prediction: URLs with user info (user@host) are refused" in log
    assert Path(rig.log_path.parent / "netguard.log").read_text() == ""


def test_cli_never_prints_the_password_in_label_studio_url(run_cli, label_studio, monkeypatch) -> None:
    cli_password = "Cli-Url-Pass-41d8"
    monkeypatch.setenv("LABELOPS_RETRIES", "0")
    closed = free_port()  # nobody listens there
    for url in (f"http://admin:{cli_password}@127.0.0.1:{closed}", label_studio.url.replace(
            "http://", f"http://admin:{cli_password}@")):
        monkeypatch.setenv("LABEL_STUDIO_URL", url)
        monkeypatch.setenv("LABEL_STUDIO_API_KEY", "not-a-valid-token-0000")
        result = run_cli("status", "1")
        assert result.code != 0
        assert result.err.startswith("labelops: error: ") and "Traceback" not in result.err, result.err
        assert cli_password not in result.out + result.err
        assert "http://***@127.0.0.1:" in result.err or "401" in result.err, result.err
