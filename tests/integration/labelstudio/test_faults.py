"""Faults: Label Studio SIGKILLed in the middle of `labelops pull` and `tasks import`, the ML backend SIGKILLed in
the middle of `preannotate`; each time the rerun completes with nothing lost and nothing duplicated. A pull from
Label Studio's export rides out a restart while the snapshot is written and a download cut off mid-file.

These tests kill servers, so they run their own Label Studio (module fixture, restarted on the same data dir
and port) rather than the session one. The CLI runs as a real subprocess (`python -m sdk_scripts.cli`).
`review push` under a Label Studio crash is covered by tests/integration/review/test_review_faults.py.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sdk_scripts.devserver.label_studio import LocalLabelStudio
from sdk_scripts.label_config_library import read_config
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.connection import Connection
from sdk_scripts.labelstudio.export_snapshots import TITLE_PREFIX
from sdk_scripts.pull import read_pull
from sdk_scripts.task_files import KEY_FIELD
from tests.support.cutting_proxy import CuttingProxy
from tests.support.labelstudio import TEST_ADMIN, unique_title
from tests.support.paths import ROOT

# Fail fast once Label Studio is gone: one retry, 0.2 s apart.
NO_PATIENCE = {"LABELOPS_RETRIES": "1", "LABELOPS_RETRY_MAX_WAIT": "0.2"}
QUEUE_CONFIG = ('<View><Text name="text" value="$text"/><Choices name="queue" toName="text" choice="single-radio">'
                '<Choice value="positive"/><Choice value="negative"/></Choices></View>')


@pytest.fixture(scope="module")
def fault_ls(tmp_path_factory: pytest.TempPathFactory, postgres) -> Iterator[LocalLabelStudio]:
    # its own server (it gets killed), on the session's database server when that is PostgreSQL
    server = LocalLabelStudio(tmp_path_factory.mktemp("fault-ls") / "data", TEST_ADMIN, database=postgres).start()
    yield server
    server.stop()


@pytest.fixture
def ls(fault_ls: LocalLabelStudio) -> LocalLabelStudio:
    """The fault server, up (a failed test may have left it killed)."""
    return fault_ls.start()


@pytest.fixture
def client(ls: LocalLabelStudio) -> LabelStudioClient:
    return LabelStudioClient(Connection(ls.url, ls.admin_token))


def poller(ls: LocalLabelStudio) -> LabelStudioClient:
    """A client that never waits (for polling while killing)."""
    return LabelStudioClient(Connection(ls.url, ls.admin_token), timeout=10, retries=0)


def start_cli(ls: LocalLabelStudio, *args: object, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LABELOPS_")}
    full_env.update({"LABEL_STUDIO_URL": ls.url, "LABEL_STUDIO_API_KEY": ls.admin_token, **(env or {})})
    return subprocess.Popen([sys.executable, "-m", "sdk_scripts.cli", *map(str, args)], env=full_env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_cli(ls: LocalLabelStudio, *args: object, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = start_cli(ls, *args, env=env)
    out, err = proc.communicate(timeout=240)
    return proc.returncode, out, err


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[str], what: str, timeout: float = 120) -> None:
    """Poll until `condition()`; fail if the command ends first (the fault would come too late to test anything)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the command ended (exit {proc.returncode}) before {what}: {out} {err}")
        time.sleep(0.01)
    proc.kill()
    pytest.fail(f"timed out waiting for {what}")


def one_error_line(err: str) -> str:
    """The command's one `labelops: error: ...` line (its last); no traceback."""
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("labelops: error: ")]
    print(f"[{time.strftime('%X')}] {err}")  # shown with `pytest -rP`: which way the fault went
    assert len(errors) == 1 and err.splitlines()[-1] == errors[0], err
    return errors[0]


def sentiment(value: str) -> list[dict]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


def pulled_matches_server(client: LabelStudioClient, project_id: int, out: Path, n_tasks: int) -> None:
    meta, _, tasks = read_pull(out)
    ids = [t["id"] for t in tasks]
    assert len(ids) == n_tasks and len(set(ids)) == n_tasks  # every task exactly once
    server = {t["id"]: t for t in client.iter_tasks(project_id)}
    assert set(ids) == set(server)
    for task in tasks:
        there = server[task["id"]]
        assert [(a["id"], a["result"]) for a in task["annotations"]] == [(a["id"], a["result"])
                                                                         for a in there["annotations"]]
        assert task["data"] == there["data"]
    annotations = sum(len(t["annotations"]) for t in server.values())
    assert meta["counts"] == {"tasks": n_tasks, "annotations": annotations, "predictions": 0}
    assert sorted(p.name for p in out.iterdir()) == ["label_config.xml", "project.json", "tasks.jsonl"]


def annotated_project(client: LabelStudioClient, title: str, n_tasks: int) -> int:
    """A sentiment project of `n_tasks` texts, every third with an annotation; its id."""
    project = client.create_project(title=unique_title(title), label_config=read_config("text_sentiment"))
    filler = " ".join(["lorem ipsum dolor sit amet"] * 8)
    client.import_tasks(project["id"], [
        {"data": {"text": f"text {i} {filler}"},
         **({"annotations": [{"result": sentiment("positive" if i % 2 else "negative"), "ground_truth": False}]}
            if i % 3 == 0 else {})} for i in range(n_tasks)])
    return project["id"]


def test_pull_cut_off_by_a_label_studio_crash(ls, client, tmp_path) -> None:
    pid = annotated_project(client, "Fault pull", 300)
    out = tmp_path / "pulled"

    def partial() -> list[Path]:  # a pull writes into a temp dir beside DIR, swapped in when complete
        return list(out.parent.glob(f".{out.name}.pull-*/tasks.jsonl"))

    def some_pages_written() -> bool:
        return any(p.exists() and p.stat().st_size > 0 for p in partial())

    # 1. Label Studio stays down past the (short) retry window: the pull fails with one clear line,
    #    leaving no partial file.
    pull = start_cli(ls, "pull", pid, "--out", out, "--source", "tasks", "--page-size", 20, env=NO_PATIENCE)
    wait_for(some_pages_written, pull, "the first pages were written")
    ls.kill()
    _, err = pull.communicate(timeout=60)
    assert pull.returncode == 1
    assert re.fullmatch(rf"labelops: error: cannot reach Label Studio at {re.escape(ls.url)} \(connection refused\) "
                        rf"to list tasks of project {pid} \(page \d+\), gave up after 2 attempts over \d+ s",
                        one_error_line(err)), err
    assert not out.exists() and not partial()

    ls.start()  # same data dir and port
    code, stdout, err = run_cli(ls, "pull", pid, "--out", out, "--source", "tasks", "--page-size", 20)
    assert code == 0, err
    assert "pulled 300 tasks, 100 annotations, 0 predictions" in stdout
    pulled_matches_server(client, pid, out, 300)

    # 2. Label Studio comes back within the retry window: the same pull rides it out, page by page.
    out2 = tmp_path / "pulled-again"
    out = out2
    pull = start_cli(ls, "pull", pid, "--out", out2, "--source", "tasks", "--page-size", 20,
                     env={"LABELOPS_RETRIES": "60", "LABELOPS_RETRY_MAX_WAIT": "1"})
    wait_for(some_pages_written, pull, "the first pages were written")
    ls.kill()
    ls.start()
    stdout, err = pull.communicate(timeout=120)
    assert pull.returncode == 0, err
    # the page in flight lost its connection, or the next one was refused: either way that page is retried
    assert re.search(r"labelops: (lost the connection to|cannot reach) Label Studio at .* to list tasks of project "
                     rf"{pid} \(page \d+\).*; retrying in [\d.]+ s \(attempt 2 of 61\)", err), err
    assert "pulled 300 tasks, 100 annotations, 0 predictions" in stdout
    pulled_matches_server(client, pid, out2, 300)


def pull_snapshots(client: LabelStudioClient, pid: int) -> list[dict]:
    return [e for e in client.export_snapshots(pid) if str(e.get("title")).startswith(TITLE_PREFIX)]


def test_export_pull_rides_out_a_restart_while_label_studio_writes_the_snapshot(ls, client, tmp_path) -> None:
    pid = annotated_project(client, "Fault export pull", 1500)
    watch = poller(ls)

    def writing() -> bool:
        try:
            return any(e.get("status") == "in_progress" for e in pull_snapshots(watch, pid))
        except Exception:  # noqa: BLE001 - the poller must not fail the wait on a slow answer
            return False

    out = tmp_path / "pulled"
    pull = start_cli(ls, "pull", pid, "--out", out, env={"LABELOPS_RETRIES": "60", "LABELOPS_RETRY_MAX_WAIT": "1"})
    wait_for(writing, pull, "Label Studio was writing the snapshot")
    ls.kill()  # the export dies with it, its snapshot left "in progress" for ever
    ls.start()
    stdout, err = pull.communicate(timeout=240)
    assert pull.returncode == 0, err
    assert re.search(rf"labelops: (lost the connection to|cannot reach) Label Studio at .* to create an export "
                     rf"snapshot of project {pid}.*; retrying in", err), err
    assert "pulled 1500 tasks, 500 annotations, 0 predictions" in stdout
    pulled_matches_server(client, pid, out, 1500)
    assert pull_snapshots(client, pid) == []  # the one cut off and the one downloaded are both gone


def test_export_pull_resumes_a_download_cut_off_mid_file(ls, client, tmp_path) -> None:
    pid = annotated_project(client, "Fault export download", 300)
    proxy = CuttingProxy(ls.port, marker=b"/download", cut_after=100_000)
    try:
        out = tmp_path / "pulled"
        code, stdout, err = run_cli(ls, "pull", pid, "--out", out, env={"LABEL_STUDIO_URL": proxy.url})
    finally:
        proxy.close()
    assert code == 0, err
    downloads = [h for h in proxy.heads if b"/download" in h]
    assert proxy.cut and len(downloads) == 2, proxy.heads
    assert downloads[0].lower().endswith(b"range: bytes=0-")  # a range from the start: the answer says the size
    resumed = re.fullmatch(rb".* range: bytes=(\d+)-", downloads[1].lower())
    assert resumed and 90_000 < int(resumed[1]) < 100_000, downloads  # the rest (the cut came after the headers)
    assert "retrying in" in err and "download export snapshot" in err, err
    assert "pulled 300 tasks, 100 annotations, 0 predictions" in stdout
    pulled_matches_server(client, pid, out, 300)


def test_import_cut_off_by_a_label_studio_crash(ls, client, tmp_path) -> None:
    project = client.create_project(title=unique_title("Fault import"), label_config=read_config("text_sentiment"))
    pid = project["id"]
    path = tmp_path / "tasks.jsonl"
    texts = [f"import fault {i}" for i in range(2000)]
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    watch = poller(ls)

    imp = start_cli(ls, "tasks", "import", pid, path, "--batch-size", 100, env=NO_PATIENCE)
    wait_for(lambda: watch.project(pid)["task_number"] >= 300, imp, "300 tasks were imported")
    ls.kill()
    _, err = imp.communicate(timeout=60)
    assert imp.returncode == 1
    line = one_error_line(err)
    # Between batches: refused (retried, then given up). During a batch: the POST is not retried.
    assert re.fullmatch(
        rf"labelops: error: (cannot reach Label Studio at {re.escape(ls.url)} \(connection refused\) to import 100 "
        rf"tasks into project {pid}, gave up after 2 attempts over \d+ s"
        rf"|lost the connection to Label Studio at {re.escape(ls.url)} while trying to import 100 tasks into project "
        rf"{pid} \(\w+\); not retried, as it may have been carried out; rerunning the labelops command is safe "
        r"\(it skips what is already done\))"
        r" \(tasks \S+:\d+ to \S+:\d+; the \d+ tasks before them were imported; rerunning the import adds only "
        r"the missing tasks\)", line), line

    ls.start()
    before = watch.project(pid)["task_number"]
    assert 300 <= before < 2000
    code, stdout, err = run_cli(ls, "tasks", "import", pid, path, "--batch-size", 100)
    assert code == 0, err
    assert f"2000 tasks in {path}, {before} already present, {2000 - before} imported" in stdout
    tasks = list(client.iter_tasks(pid, with_annotations=False, page_size=1000))
    keys = Counter(t["data"][KEY_FIELD] for t in tasks)
    assert len(tasks) == 2000 and len(keys) == 2000  # none lost, none twice
    assert sorted(t["data"]["text"] for t in tasks) == sorted(texts)


def test_preannotate_cut_off_by_a_backend_crash(ls, client, tmp_path) -> None:
    from sdk_scripts.devserver.backend import LocalBackend

    env = {"LABEL_STUDIO_URL": ls.url, "LABEL_STUDIO_API_KEY": ls.admin_token,
           "LABELOPS_CACHE_DIR": str(tmp_path / "cache"), "YOLO_CONFIG_DIR": str(tmp_path / "ultralytics"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    backend = LocalBackend(env=env, log_path=tmp_path / "backend.log").start()
    try:
        project = client.create_project(title=unique_title("Fault preannotate"), label_config=QUEUE_CONFIG)
        pid = project["id"]
        words = ["great", "awful", "lovely", "terrible", "fine", "broken", "happy", "sad"]
        ids = client.import_tasks(pid, [{"data": {"text": f"item {i}: a {words[i % 8]} experience"}}
                                        for i in range(200)])
        watch = poller(ls)

        pre = start_cli(ls, "preannotate", pid, "--backend", backend.url, "--batch-size", 8)
        wait_for(lambda: watch.project(pid)["total_predictions_number"] >= 16, pre, "two batches were stored")
        os.killpg(backend._proc.pid, signal.SIGKILL)  # a crash: no graceful worker shutdown
        backend._proc.wait(10)
        _, err = pre.communicate(timeout=120)
        assert pre.returncode == 1
        assert re.fullmatch(rf"labelops: error: cannot reach the ML backend at {re.escape(backend.url)} to predict: "
                            r"\w+", one_error_line(err)), err
        done = watch.project(pid)["total_predictions_number"]
        assert 16 <= done < 200

        backend.start()  # same port
        code, stdout, err = run_cli(ls, "preannotate", pid, "--backend", backend.url, "--batch-size", 8)
        assert code == 0, err
        match = re.search(r"model_version (\S+): (\d+) tasks predicted \(\d+ empty\), (\d+) already had this version",
                          stdout)
        assert match, stdout
        version, predicted, skipped = match[1], int(match[2]), int(match[3])
        assert skipped == done and predicted == 200 - done
        predictions = client.predictions(pid)
        assert Counter(p["task"] for p in predictions) == Counter(ids)  # exactly one per task
        assert {p["model_version"] for p in predictions} == {version}
    finally:
        backend.stop()
