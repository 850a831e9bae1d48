"""Training runs on an RQ queue (TRAIN_QUEUE=rq): real Redis (Debian's redis-server on loopback), a real
`rq worker` process, the real backend and Label Studio. Same rules as the embedded worker: a run per
TRAIN_MIN_ANNOTATIONS, and events during a run cause exactly one follow-up run."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis

from ml_backend.active_learning.queue import RQ_QUEUE_NAME
from sdk_scripts.devserver.backend import LocalBackend
from sdk_scripts.devserver.ports import free_port as _free_port
from tests.support.backends import MIN_NEW, wait_for_runs
from tests.support.projects import ROUTE, ROUTING_CONFIG, routing_data, routing_project

# the backend against Label Studio's API: nothing database-specific; the PostgreSQL run leaves it out
pytestmark = pytest.mark.api_feature


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    exe = shutil.which("redis-server")
    assert exe, "redis-server not found: `make system-deps` installs Debian's redis-server"
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def rq_backend(label_studio, redis_url, tmp_path_factory):
    root = tmp_path_factory.mktemp("rq-backend")
    env = {"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.admin_token,
           "LABELOPS_CACHE_DIR": str(root / "cache"), "YOLO_CONFIG_DIR": str(root / "ultralytics"),
           "MODEL_DIR": str(root / "models"), "TRAIN_MIN_ANNOTATIONS": str(MIN_NEW), "TRAIN_QUEUE": "rq",
           "REDIS_URL": redis_url}
    backend = LocalBackend(env=env, log_path=root / "backend.log").start()
    rq = Path(sys.executable).parent / "rq"
    with (root / "worker.log").open("ab") as log:
        worker = subprocess.Popen([str(rq), "worker", RQ_QUEUE_NAME, "--url", redis_url,
                                   "--worker-class", "rq.worker.SimpleWorker"],
                                  env={**backend.env}, stdout=log, stderr=subprocess.STDOUT)
    backend.rq_worker = worker
    yield backend
    worker.terminate()
    worker.wait(20)
    backend.stop()


def test_rq_worker_trains_and_coalesces_events_into_one_follow_up(rq_backend, ls_client) -> None:
    pool, _ = routing_data()
    by_label = [[r for r in pool if r["label"] == label] for label in sorted(ROUTE.values())]
    mixed = [r for trio in zip(*by_label, strict=False) for r in trio]
    pid, truth = routing_project(ls_client, rq_backend.url, "al rq", mixed[:24])
    for task in list(ls_client.iter_tasks(pid))[:MIN_NEW]:  # Label Studio's webhooks enqueue the run
        ls_client.create_annotation(task["id"], [{"from_name": "queue", "to_name": "text", "type": "choices",
                                                  "value": {"choices": [truth[task["data"]["text"]]]}}])
    history = wait_for_runs(rq_backend.url, pid, 1)
    assert history[-1]["event"] == "trained", history
    assert ls_client.project(pid)["model_version"] == f"labelops-p{pid}-v1"
    status = httpx.get(f"{rq_backend.url}/al/status", params={"project": pid}, timeout=30).json()
    assert status["training"]["queue"] == "rq" and status["training"]["last_job_status"] == "finished"

    hook = f"{rq_backend.url}/webhook"
    assert httpx.post(hook, json={"action": "START_TRAINING", "project": {"id": pid}}, timeout=30).json()[
        "status"] == "started"
    deadline = time.monotonic() + 60
    while not httpx.get(f"{rq_backend.url}/al/status", params={"project": pid}, timeout=30).json()["training"][
            "running"]:
        assert time.monotonic() < deadline, "the worker never started the run"
        time.sleep(0.05)
    # Hold the worker (it runs the job in its own process) so that all ten events arrive while run 2 is
    # going, whatever the machine's load: events arriving after run 2 ended would rightly start one more
    # follow-up (run 3 may not have seen them), which is not what this test is about.
    rq_backend.rq_worker.send_signal(signal.SIGSTOP)
    try:
        answers = [httpx.post(hook, json={"action": "START_TRAINING", "project": {"id": pid}},
                              timeout=30).json()["status"] for _ in range(10)]
    finally:
        rq_backend.rq_worker.send_signal(signal.SIGCONT)
    assert answers == ["queued"] * 10
    history = wait_for_runs(rq_backend.url, pid, 3)
    time.sleep(1.0)
    history = httpx.get(f"{rq_backend.url}/al/status", params={"project": pid}, timeout=30).json()["history"]
    assert [h["event"] for h in history] == ["trained"] * 3, history
    assert ls_client.project(pid)["model_version"] == f"labelops-p{pid}-v3"
    setup = httpx.post(f"{rq_backend.url}/setup", json={"project": str(pid), "schema": ROUTING_CONFIG},
                       timeout=60).json()
    assert setup["model_version"] == f"labelops-p{pid}-v3"
