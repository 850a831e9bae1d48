"""The client's retry policy against real sockets: a scripted stdlib HTTP server in a thread, no mocks.

Idempotent calls retry connection refused, 5xx / 429 and timeouts with capped exponential backoff;
creating calls (POST) retry only what certainly never reached the server; giving up is one line that
names the attempts; paged listings retry the failing page, not the whole listing.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sdk_scripts.devserver.ports import free_port
from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.connection import Connection

TOKEN = "retry-test-token-93b1"
WHOAMI = {"id": 1, "email": "admin@example.test", "username": "admin"}
# An answer: (status, JSON body) or, for a stalled server, ("sleep", seconds).
Answer = tuple[int | str, object]


class ScriptedServer:
    """Answers each (method, path) from a script; the last answer repeats. Records every request."""

    def __init__(self, script: dict[tuple[str, str], list[Answer]], port: int = 0) -> None:
        self.script = script
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                path = self.path.split("?", 1)[0]
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with owner.lock:
                    owner.requests.append((self.command, self.path))
                    answers = owner.script.get((self.command, path)) or [(404, {"detail": "Not found."})]
                    status, body = answers.pop(0) if len(answers) > 1 else answers[0]
                if status == "sleep":
                    time.sleep(float(body))  # the client gave up waiting meanwhile
                    status, body = 200, WHOAMI
                payload = json.dumps(body).encode()
                try:
                    self.send_response(int(status))
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass

            do_GET = do_POST = do_PATCH = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.split("?", 1)[0] == path)


@pytest.fixture
def serve() -> Iterator[Callable[[dict], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(script: dict) -> ScriptedServer:
        server = ScriptedServer(script)
        server.thread.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.httpd.shutdown()
        server.httpd.server_close()


def fast_client(url: str, retries: int = 4, timeout: float = 5.0) -> LabelStudioClient:
    return LabelStudioClient(Connection(url, TOKEN), timeout=timeout, retries=retries, retry_wait=0.05,
                             retry_max_wait=0.2, env={})


def test_get_retries_503_until_it_succeeds(serve, caplog) -> None:
    server = serve({("GET", "/api/current-user/whoami"): [(503, {"detail": "busy"})] * 2 + [(200, WHOAMI)]})
    with caplog.at_level(logging.WARNING, logger="labelops"):
        assert fast_client(server.url).whoami()["email"] == WHOAMI["email"]
    assert server.count("GET", "/api/current-user/whoami") == 3
    assert "failed to identify the API token's user (503): busy; retrying in" in caplog.text
    assert TOKEN not in caplog.text


def test_always_500_gives_up_naming_the_attempts(serve) -> None:
    server = serve({("GET", "/api/projects/1/"): [(500, {"detail": "boom"})]})
    with pytest.raises(LabelopsError) as err:
        fast_client(server.url, retries=3).project(1)
    message = str(err.value)
    assert message.startswith(f"Label Studio at {server.url} failed to read project 1 (500): boom")
    assert ", gave up after 4 attempts over " in message and "\n" not in message
    assert server.count("GET", "/api/projects/1/") == 4
    assert TOKEN not in message


def test_closed_port_gives_up_within_the_backoff_bound(monkeypatch) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("LABELOPS_RETRIES", "3")
    monkeypatch.setenv("LABELOPS_RETRY_MAX_WAIT", "0.2")
    client = LabelStudioClient(Connection(url, TOKEN))  # settings from the environment
    assert (client.retries, client.retry_max_wait) == (3, 0.2)
    started = time.monotonic()
    with pytest.raises(LabelopsError) as err:
        client.whoami()
    elapsed = time.monotonic() - started
    assert re.fullmatch(rf"cannot reach Label Studio at {re.escape(url)} \(connection refused\) to identify the "
                        r"API token's user, gave up after 4 attempts over \d+ s", str(err.value)), str(err.value)
    assert 0.15 <= elapsed < 3, elapsed  # three waits of at most 0.2 s each, refused connections are instant


def test_retries_off_reports_the_first_failure() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(LabelopsError) as err:
        LabelStudioClient(Connection(url, TOKEN), env={"LABELOPS_RETRIES": "0"}).whoami()
    assert str(err.value) == f"cannot reach Label Studio at {url} (connection refused) to identify the API token's user"


def test_bad_retry_settings_are_one_clear_error() -> None:
    with pytest.raises(LabelopsError, match="LABELOPS_RETRIES must be a number, got 'many'"):
        LabelStudioClient(Connection("http://127.0.0.1:1", TOKEN), env={"LABELOPS_RETRIES": "many"})


def test_post_503_is_not_retried(serve) -> None:
    server = serve({("POST", "/api/projects/"): [(503, {"detail": "busy"})]})
    with pytest.raises(LabelopsError) as err:
        fast_client(server.url).create_project(title="Never twice")
    assert server.count("POST", "/api/projects/") == 1
    assert "failed to create project 'Never twice' (503): busy; not retried, as it may have been carried out; " \
           "rerunning the labelops command is safe" in str(err.value)


def test_post_to_a_closed_port_is_retried() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(LabelopsError, match=r"\(connection refused\) to import 1 tasks into project 3, "
                                            r"gave up after 3 attempts"):
        fast_client(url, retries=2).import_tasks(3, [{"data": {"text": "x"}}])


def test_post_is_retried_until_the_server_comes_up(caplog) -> None:
    port = free_port()
    started: list[ScriptedServer] = []

    def come_up() -> None:  # binding is listening: nothing may be bound before this
        server = ScriptedServer({("POST", "/api/projects/"): [(201, {"id": 8, "title": "late"})]}, port=port)
        server.thread.start()
        started.append(server)

    timer = threading.Timer(0.4, come_up)
    timer.start()
    try:
        client = LabelStudioClient(Connection(f"http://127.0.0.1:{port}", TOKEN), retries=20, retry_wait=0.05,
                                   retry_max_wait=0.1, env={})
        with caplog.at_level(logging.WARNING, logger="labelops"):
            assert client.create_project(title="late")["id"] == 8
    finally:
        timer.join()
        for server in started:
            server.httpd.shutdown()
            server.httpd.server_close()
    assert started[0].count("POST", "/api/projects/") == 1
    assert "(connection refused) to create project 'late'; retrying in" in caplog.text


def test_post_429_is_retried(serve) -> None:
    server = serve({("POST", "/api/projects/"): [(429, {"detail": "slow down"}), (201, {"id": 7, "title": "t"})]})
    assert fast_client(server.url).create_project(title="t")["id"] == 7
    assert server.count("POST", "/api/projects/") == 2


def test_get_that_times_out_is_retried(serve) -> None:
    server = serve({("GET", "/api/current-user/whoami"): [("sleep", 2.0), (200, WHOAMI)]})
    started = time.monotonic()
    assert fast_client(server.url, timeout=0.5).whoami()["id"] == 1
    assert server.count("GET", "/api/current-user/whoami") == 2
    assert time.monotonic() - started < 2.0


def test_get_that_always_times_out_names_the_timeout(serve) -> None:
    server = serve({("GET", "/api/current-user/whoami"): [("sleep", 1.0)]})
    with pytest.raises(LabelopsError, match=r"did not answer in time \(0.3 s\) to identify the API token's user, "
                                            r"gave up after 2 attempts"):
        fast_client(server.url, retries=1, timeout=0.3).whoami()


def test_401_and_404_are_not_retried(serve) -> None:
    server = serve({("GET", "/api/current-user/whoami"): [(401, {"detail": "Invalid token."})],
                    ("GET", "/api/projects/9/"): [(404, {"detail": "Not found."})]})
    client = fast_client(server.url)
    with pytest.raises(LabelopsError, match=r"rejected the legacy token \(401\)"):
        client.whoami()
    with pytest.raises(LabelopsError, match="no project with id 9"):
        client.project(9)
    assert len(server.requests) == 2


def test_delete_whose_first_answer_was_lost_counts_as_done(serve) -> None:
    server = serve({("DELETE", "/api/tasks/5/"): [(502, {"detail": "bad gateway"}), (404, {"detail": "Not found."})]})
    fast_client(server.url).delete_task(5)
    assert server.count("DELETE", "/api/tasks/5/") == 2


def test_paged_listing_retries_only_the_failing_page(serve) -> None:
    # Label Studio answers 404 for the page after the last one.
    def page(ids: list[int]) -> tuple[int, dict]:
        return 200, {"tasks": [{"id": i, "data": {"text": f"t{i}"}} for i in ids], "total": 5}

    pages = {1: [page([1, 2])], 2: [(503, {"detail": "busy"}), page([3, 4])], 3: [page([5])],
             4: [(404, {"detail": "Invalid page."})]}
    server = ScriptedServer({})
    served: dict[int, int] = {}

    class Script(dict):
        def get(self, key, default=None):  # noqa: ANN001, ANN202 - route by the page query parameter
            number = int(server.requests[-1][1].split("page=", 1)[1].split("&", 1)[0])
            served[number] = served.get(number, 0) + 1
            return pages[number]

    server.script = Script()
    server.thread.start()
    try:
        tasks = list(fast_client(server.url).iter_tasks(1, page_size=2))
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    assert [t["id"] for t in tasks] == [1, 2, 3, 4, 5]
    assert served == {1: 1, 2: 2, 3: 1, 4: 1}


def test_prediction_import_that_times_out_names_label_studios_flag_and_is_not_retried(serve) -> None:
    """Label Studio 1.23 recounts the whole project per prediction import: a timeout says which flag fixes it."""
    server = serve({("POST", "/api/projects/3/import/predictions"): [("sleep", 1.0)]})
    with pytest.raises(LabelopsError) as err:
        fast_client(server.url, timeout=0.3).import_predictions(3, [{"task": 1, "result": [], "model_version": "v"}])
    assert server.count("POST", "/api/projects/3/import/predictions") == 1
    assert str(err.value).startswith("Label Studio at " + server.url + " did not answer in time (0.3 s) to import "
                                     "1 predictions into project 3; not retried, as it may have been carried out")
    assert "fflag_fix_back_4620_memory_efficient_predictions_import_08012025_short=true" in str(err.value)


def test_deleting_a_big_model_version_waits_for_its_size(serve) -> None:
    """One DELETE answers after the whole delete: the client waits 10 ms per prediction, never less than its timeout."""
    server = serve({("GET", "/api/projects/3/"): [(200, {"id": 3, "label_config": "<View/>", "model_version": ""})],
                    ("DELETE", "/api/projects/3/model-versions/"): [("sleep", 0.8)]})
    with pytest.raises(LabelopsError, match="did not answer in time"):
        fast_client(server.url, retries=0, timeout=0.3).delete_model_version(3, "v1", expected=10)
    fast_client(server.url, retries=0, timeout=0.3).delete_model_version(3, "v1", expected=200)  # waits 2 s
    assert server.count("DELETE", "/api/projects/3/model-versions/") == 2
