"""`labelops preannotate --engine ray` on a real local Ray cluster (a head node and a worker node, 1 CPU each).

1,000 text tasks: the Ray engine stores exactly the in-process engine's predictions (same results, scores
within 1e-6); with a worker node killed mid-run (every process of it at once) Ray
restarts the lost actor on a replacement node and retries its batches, the run completes, and the rerun
finds every task holding exactly one prediction. Neither the cluster's token nor Label Studio's is written
to the cluster's logs. A worker node that cannot join is started again, then one error with its log.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from sdk_scripts.devserver.ray_cluster import LocalRayCluster
from sdk_scripts.label_config_library import read_config
from tests.support.labelstudio import unique_title
from tests.support.paths import ROOT

# a feature driven through the API like the tests the PostgreSQL run keeps: nothing database-specific here
pytestmark = pytest.mark.api_feature

TASKS = 1000
OPENERS = ["Honestly,", "Today", "Last week", "As expected,", "Surprisingly,", "Once again", "In the end,",
           "At first", "Sadly,", "Luckily,"]
SUBJECTS = ["the delivery", "the support team", "my new phone", "the hotel room", "the concert", "the update",
            "the refund", "the food", "the train", "the course"]
VERDICTS = ["was wonderful and I loved it", "was a complete disaster", "was fine, nothing special",
            "made me really angry", "exceeded every expectation", "arrived broken", "was okay I guess",
            "made my whole day", "was slow and frustrating", "was exactly what I needed"]
SCORE_TOLERANCE = 1e-6 + 1e-12  # one unit in the 6th decimal, plus the float error of that difference
SUMMARY = re.compile(r"model_version (\S+): (\d+) tasks predicted \(\d+ empty\), (\d+) already had this version")


def texts(count: int) -> list[str]:
    sentences = [f"{a} {b} {c}." for a, b, c in itertools.product(OPENERS, SUBJECTS, VERDICTS)]
    return sentences[:count]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("ray")
    running = LocalRayCluster(root, workers=1, cpus=1).start()
    yield running
    running.stop(grace=2)
    assert not [pid for node in running.nodes for pid in node.pids()]  # stop() left nothing running


def start_cli(label_studio, cluster: LocalRayCluster, *args: object) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABELOPS_", "RAY_"))}
    env.update({"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.admin_token,
                **cluster.env()})
    return subprocess.Popen([sys.executable, "-m", "sdk_scripts.cli", "preannotate", *map(str, args), "-v",
                             "--engine", "ray", "--address", cluster.address], env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_ray(label_studio, cluster: LocalRayCluster, *args: object) -> tuple[str, int, int]:
    """(model_version, predicted, already had) of a finished Ray run."""
    proc = start_cli(label_studio, cluster, *args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    print("\n".join(line for line in err.splitlines() if line.startswith("labelops: ") and "httpx" not in line))
    match = SUMMARY.search(out)
    assert match, out
    return match[1], int(match[2]), int(match[3])


def new_project(ls_client, name: str, count: int) -> tuple[int, list[int]]:
    pid = ls_client.create_project(title=unique_title(name), label_config=read_config("text_sentiment"))["id"]
    ids = ls_client.import_tasks(pid, [{"text": t} for t in texts(count)])
    return pid, ids


def by_text(ls_client, pid: int) -> dict[str, list[dict]]:
    text = {t["id"]: t["data"]["text"] for t in ls_client.iter_tasks(pid, with_annotations=False, page_size=1000)}
    out: dict[str, list[dict]] = {}
    for p in ls_client.predictions(pid):
        out.setdefault(text[p["task"]], []).append(p)
    return out


def same_regions(have: list[dict], want: list[dict]) -> bool:
    """The same regions, in order: equal but for region ids (fresh per prediction) and scores, which are rounded to
    6 decimals and may differ in that last place (batches of other tasks pad the texts differently)."""
    def rest(r: dict) -> dict:
        return {k: v for k, v in r.items() if k not in ("id", "score")}

    return len(have) == len(want) and all(
        rest(h) == rest(w) and abs(h.get("score", 0) - w.get("score", 0)) <= SCORE_TOLERANCE
        for h, w in zip(have, want, strict=True))


def test_ray_engine_stores_the_in_process_predictions(label_studio, ls_client, run_cli, cluster) -> None:
    local, _ = new_project(ls_client, "ray-vs-local", TASKS)
    on_ray, _ = new_project(ls_client, "ray", TASKS)

    started = time.monotonic()
    first = run_cli("preannotate", local, "--batch-size", 32)
    assert first.code == 0, first.err
    local_s = time.monotonic() - started
    started = time.monotonic()
    version, predicted, skipped = run_ray(label_studio, cluster, on_ray, "--actors", 2, "--batch-size", 32)
    print(f"{TASKS} tasks: in-process {local_s:.1f} s, Ray (2 actors, 2 nodes) {time.monotonic() - started:.1f} s")
    assert (predicted, skipped) == (TASKS, 0)
    assert f"model_version {version}: {TASKS} tasks predicted" in first.out

    expected, got = by_text(ls_client, local), by_text(ls_client, on_ray)
    assert len(got) == len(expected) == TASKS and all(len(p) == 1 for p in got.values())
    for text, [want] in expected.items():
        [have] = got[text]
        assert have["model_version"] == want["model_version"] == version
        assert same_regions(have["result"], want["result"]), (text, have["result"], want["result"])
        assert abs(have["score"] - want["score"]) <= SCORE_TOLERANCE, text
    assert len({p["result"][0]["value"]["choices"][0] for [p] in got.values()}) == 3  # all three labels used

    logs = [p for p in cluster.root.rglob("*") if p.is_file() and p.stat().st_size < 50_000_000]
    assert logs and not [p for p in logs if cluster.token.encode() in p.read_bytes()]
    assert not [p for p in logs if label_studio.admin_token.encode() in p.read_bytes()]


def test_worker_node_killed_mid_run_then_rerun_no_duplicates(label_studio, ls_client, cluster) -> None:
    pid, ids = new_project(ls_client, "ray-node-lost", TASKS)
    worker = cluster.nodes[-1]
    proc = start_cli(label_studio, cluster, pid, "--actors", 2, "--batch-size", 16)
    deadline = time.monotonic() + 240
    while ls_client.project(pid)["total_predictions_number"] == 0:  # the first batch stored: the run is under way
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no prediction stored in time"
        time.sleep(0.1)
    cluster.kill_node(worker)  # raylet, agents and the actor's worker process, all at once
    stored_at_kill = ls_client.project(pid)["total_predictions_number"]
    cluster.add_worker()  # a node to replace it (an autoscaler's job), where Ray restarts the lost actor
    out, err = proc.communicate(timeout=300)
    print(f"{stored_at_kill} of {TASKS} stored when the worker node was killed; first run: exit {proc.returncode}")
    assert stored_at_kill < TASKS, "the run ended before the node was killed"
    assert proc.returncode == 0, err  # Ray restarted the actor and retried its batches
    version, predicted, _ = SUMMARY.search(out).groups()

    assert run_ray(label_studio, cluster, pid) == (version, 0, TASKS)  # the rerun finds everything done
    predictions = ls_client.predictions(pid)
    assert Counter(p["task"] for p in predictions) == Counter(ids)  # exactly one per task
    assert int(predicted) == TASKS and {p["model_version"] for p in predictions} == {version}


def test_a_config_the_workers_cannot_serve_is_one_error_and_nothing_stored(label_studio, ls_client, cluster) -> None:
    config = '<View><Text name="t" value="$text"/><Choices name="c" toName="t"><Choice value="a"/></Choices></View>'
    pid = ls_client.create_project(title=unique_title("ray-unservable"), label_config=config)["id"]
    ls_client.import_tasks(pid, [{"text": "one"}, {"text": "two"}])
    proc = start_cli(label_studio, cluster, pid)
    _, err = proc.communicate(timeout=300)
    errors = [line for line in err.splitlines() if line.startswith("labelops: error: ")]
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert errors == ["labelops: error: no control tag of this labeling config can be served: Choices 'c': zero-shot "
                      "needs at least two choices"]
    assert ls_client.predictions(pid) == []


def test_gpus_no_node_has_are_one_error_not_a_wait(label_studio, ls_client, cluster) -> None:
    pid = ls_client.create_project(title=unique_title("ray-gpu"), label_config=read_config("text_sentiment"))["id"]
    ls_client.import_tasks(pid, [{"text": "one"}])
    proc = start_cli(label_studio, cluster, pid, "--gpus-per-actor", 1)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert [line for line in err.splitlines() if line.startswith("labelops: error: ")] == [
        "labelops: error: no node of the Ray cluster has 1 CPU and 1 GPU(s) for an actor (--gpus-per-actor 1); "
        "add such a node first"]
    assert ls_client.predictions(pid) == []



def test_a_worker_that_cannot_join_is_started_again_then_one_error(tmp_path) -> None:
    """No head listens on the address: each attempt is killed at its deadline, then one error with the node's log."""
    lonely = LocalRayCluster(tmp_path)  # never started: nothing answers on its port
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"Ray worker0 node did not start") as failure:
        lonely.add_worker(timeout=4, attempts=2)
    assert time.monotonic() - started >= 8  # two attempts, each waited for to its deadline
    assert lonely.nodes == [] and str(tmp_path / "worker0.log") in str(failure.value)
    assert not _processes_naming(tmp_path)  # nothing of either attempt is left running


def _processes_naming(root: Path) -> list[int]:
    """Processes whose command line names `root` (the nodes' --temp-dir is under it)."""
    out = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(root) in cmdline.read_bytes().decode(errors="replace"):
                out.append(int(cmdline.parent.name))
        except OSError:
            continue
    return out
