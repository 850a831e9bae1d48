"""Scale benchmark: every labelops command on a 100,000-task project with 300,000 annotations.

`python bench/scale.py [--tasks 100000] [--db sqlite|postgres] [--annotators 5]`

Starts a real Label Studio (sdk_scripts/devserver; SQLite in a temp data dir, or a throwaway PostgreSQL
cluster with `--db postgres`), signs up `--annotators` annotator users, creates a single-choice text project
(overlap 3) and writes a task file of `--tasks` texts in Label Studio's import shape, each with 3 annotations
by 3 different annotators (`completed_by`: their user ids; each annotator right 93% of the time, so about a
fifth of the tasks disagree). Then, each command as a whole process (`python -m sdk_scripts.cli`), timed from
outside, its peak memory the larger of its ru_maxrss (os.wait4, through a small launcher process so that the
figure is the command's own) and the sampled resident memory of its whole process tree:

- `tasks import PROJECT FILE`: the first run (creates the 100,000 tasks with their annotations) and a rerun that
  adds nothing; target: the rerun costs <= 10% of the first;
- Label Studio's own JSON export of the project, the baseline of `pull`: a snapshot (`POST
  /api/projects/ID/exports`, then its download) and the direct `GET /api/projects/ID/export?exportType=JSON`,
  each streamed to a file by this process;
- `pull --source export` and `pull --source tasks` (the task API, page by page); target: the default source
  <= 2x Label Studio's snapshot export;
- `agreement PULL_DIR --json`, `review push PROJECT` (first run, rerun), `dataset export PROJECT --out FILE`,
  `status PROJECT`, `dataset snapshot PROJECT --out DIR`.

Target for every command: <= 5 min wall and <= 2 GB. Prints machine, date and versions first, a table (wall
seconds, the command's own CPU seconds, peak memory) and met / MISSED (by how much) at the end. Nothing is
written outside a temp dir (`--keep` keeps it). `--commands` picks steps (the project is imported in any case);
`--reuse DIR` times more of them on the project of an earlier `--keep` run (SQLite), so a 100,000-task project
can be measured in runs of well under an hour each: on 2 cores the import, Label Studio's export, pull and
agreement take about 10 minutes, `review push`'s first run alone over half an hour (one request per source
task it records a review task on).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sdk_scripts.devserver.label_studio import LocalLabelStudio  # noqa: E402
from sdk_scripts.devserver.postgres import LocalPostgres  # noqa: E402
from sdk_scripts.devserver.users import AdminCredentials  # noqa: E402
from sdk_scripts.label_config_library import read_config  # noqa: E402
from sdk_scripts.labelstudio.client import FAST_PREDICTION_IMPORT_FLAG, LabelStudioClient  # noqa: E402
from sdk_scripts.labelstudio.connection import Connection  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ADMIN = AdminCredentials(username="scale@labelops.test", password="scale-bench-password-1",
                         token="scale-bench-token-5c1f")
LABELS = ("positive", "neutral", "negative")
PER_TASK = 3
ACCURACY = 0.93
SEED = 20261212
TARGET_S = 300.0
TARGET_GB = 2.0
GIB = 2**30
SENTENCE = ("the service was quick and the staff friendly but the room was small and noisy at night while breakfast "
            "came late and cold yet the view made up for most of it and we would probably come back next year")
WORDS = SENTENCE.split()

# Runs a command, waits for it with os.wait4 and writes its ru_maxrss (KiB) and CPU seconds to argv[1]: a child
# spawned straight from this (large) benchmark process would report this process's size as its own peak.
LAUNCHER = ("import os, subprocess, sys\n"
            "p = subprocess.Popen(sys.argv[2:])\n"
            "_, status, usage = os.wait4(p.pid, 0)\n"
            "open(sys.argv[1], 'w').write(f'{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}')\n"
            "sys.exit(os.waitstatus_to_exitcode(status))\n")


@dataclass
class Measured:
    name: str
    wall: float
    peak_gb: float
    cpu: float = float("nan")  # the command's own CPU seconds (user + system), Label Studio's not included
    note: str = ""
    target_s: float | None = TARGET_S
    target_gb: float | None = TARGET_GB
    extra: dict = field(default_factory=dict)


# -- the project ------------------------------------------------------------------------------------

def text_of(rng: random.Random, i: int) -> str:
    return f"review {i}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40)))


def write_task_file(path: Path, n_tasks: int, annotator_ids: list[int]) -> int:
    """Label Studio import shape, 3 annotations per task by 3 different annotators; the number of annotations."""
    rng = random.Random(SEED)
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n_tasks):
            truth = rng.choice(LABELS)
            annotations = []
            for user in rng.sample(annotator_ids, PER_TASK):
                label = truth if rng.random() < ACCURACY else rng.choice([x for x in LABELS if x != truth])
                # ground_truth: Label Studio marks an imported annotation ground truth unless told otherwise
                annotations.append({"completed_by": user, "ground_truth": False,
                                    "lead_time": round(rng.uniform(3, 40), 2), "result": [
                    {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]})
            count += len(annotations)
            fh.write(json.dumps({"data": {"text": text_of(rng, i)}, "annotations": annotations}) + "\n")
    return count


# -- measuring --------------------------------------------------------------------------------------

def _tree(pid: int) -> list[int]:
    """`pid` and every process below it (from /proc/*/stat)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += parents.get(current, [])
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_measured(name: str, args: list[str], env: dict[str, str], out: Path) -> tuple[Measured, str]:
    """(figures, stdout) of `labelops ARGS` run to its end; a failure stops the benchmark with its stderr."""
    maxrss_file = out.with_suffix(".maxrss")
    command = [sys.executable, "-c", LAUNCHER, str(maxrss_file), sys.executable, "-m", "sdk_scripts.cli", *args]
    with out.open("w") as stdout, out.with_suffix(".err").open("w") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env, cwd=ROOT)
        tree_peak = 0
        while process.poll() is None:
            launcher_rss = _rss_kib(process.pid)
            tree_peak = max(tree_peak, sum(_rss_kib(p) for p in _tree(process.pid)) - launcher_rss)
            time.sleep(0.2)
        wall = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"labelops {' '.join(args)} failed ({process.returncode}):\n"
                         f"{out.with_suffix('.err').read_text()[-3000:]}")
    maxrss, cpu = maxrss_file.read_text().split()
    return Measured(name, wall, max(int(maxrss), tree_peak) * 1024 / GIB, float(cpu)), out.read_text()


def stream_to(response: httpx.Response, path: Path) -> int:
    written = 0
    with path.open("wb") as fh:
        for chunk in response.iter_bytes(1 << 20):
            written += fh.write(chunk)
    return written


def label_studio_snapshot_export(client: LabelStudioClient, project_id: int, path: Path) -> tuple[float, int]:
    """Label Studio's own export as the UI's Export button makes it: a snapshot, then its download (s, bytes).
    Raw HTTP, headers fresh for every request (a personal access token's access token lasts 5 minutes)."""
    start = time.perf_counter()
    with httpx.Client(base_url=client._base_url, timeout=3600) as http:
        body = {"title": "bench baseline", "serialization_options": {"predictions": {"only_id": False}}}
        export = http.post(f"/api/projects/{project_id}/exports", json=body,
                           headers=client.auth_headers()).raise_for_status().json()
        while export.get("status") not in ("completed", "failed"):
            time.sleep(0.5)
            export = http.get(f"/api/projects/{project_id}/exports/{export['id']}",
                              headers=client.auth_headers()).raise_for_status().json()
        if export["status"] != "completed":
            raise SystemExit(f"Label Studio's export {export['id']} failed")
        with http.stream("GET", f"/api/projects/{project_id}/exports/{export['id']}/download",
                         params={"exportType": "JSON"}, headers=client.auth_headers()) as response:
            size = stream_to(response.raise_for_status(), path)
        seconds = time.perf_counter() - start
        http.delete(f"/api/projects/{project_id}/exports/{export['id']}", headers=client.auth_headers())
    path.unlink()
    return seconds, size


def label_studio_direct_export(client: LabelStudioClient, project_id: int, path: Path) -> tuple[float, int]:
    """`GET /api/projects/ID/export?exportType=JSON&download_all_tasks=true`, streamed to a file (s, bytes)."""
    start = time.perf_counter()
    with httpx.Client(base_url=client._base_url, timeout=3600) as http, http.stream(
            "GET", f"/api/projects/{project_id}/export", params={"exportType": "JSON", "download_all_tasks": "true"},
            headers=client.auth_headers()) as response:
        size = stream_to(response.raise_for_status(), path)
    path.unlink()
    return time.perf_counter() - start, size


# -- report -----------------------------------------------------------------------------------------

def verdict(m: Measured) -> str:
    misses = []
    if m.target_s is not None and m.wall > m.target_s:
        misses.append(f"time {m.wall - m.target_s:,.0f} s over ({m.wall / m.target_s:.1f}x the {m.target_s:g} s)")
    if m.target_gb is not None and m.peak_gb > m.target_gb:
        misses.append(f"memory {m.peak_gb - m.target_gb:.2f} GB over")
    if m.target_s is None and m.target_gb is None:
        return "baseline"
    return "met" if not misses else "MISSED: " + "; ".join(misses)


def print_table(rows: list[Measured]) -> None:
    print(f"\n{'command':<44}{'wall s':>9}{'CPU s':>8}{'peak GB':>9}  verdict")
    for m in rows:
        peak = f"{m.peak_gb:9.2f}" if m.peak_gb == m.peak_gb else f"{'-':>9}"
        cpu = f"{m.cpu:8.1f}" if m.cpu == m.cpu else f"{'-':>8}"
        print(f"{m.name:<44}{m.wall:9.1f}{cpu}{peak}  {verdict(m)}{'  (' + m.note + ')' if m.note else ''}")


def ratio_line(what: str, value: float, base: float, target: float, relation: str) -> str:
    ratio = value / base if base else float("inf")
    how = "met" if ratio <= target else f"MISSED by {ratio / target:.1f}x"
    return f"{what}: {value:.1f} s vs {base:.1f} s = {ratio:.2f}x ({relation} <= {target:g}x): {how}"


def machine_line(db: str) -> str:
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), 0) / 2**20
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {cpu}, {len(os.sched_getaffinity(0))} cores, {mem:.0f} GB; "
            f"load average at start {os.getloadavg()[0]:.1f}; Python {platform.python_version()}, Label Studio "
            f"{version('label-studio')} on {db}, label-studio-sdk {version('label-studio-sdk')}, labelops "
            f"{version('labelops') if _installed('labelops') else '(source)'}")


def _installed(name: str) -> bool:
    try:
        version(name)
    except Exception:  # noqa: BLE001 - PackageNotFoundError; a worktree has no installed labelops
        return False
    return True


# -- main -------------------------------------------------------------------------------------------

STEPS = ("import", "ls-export", "ls-direct", "pull", "agreement", "push", "export", "status", "snapshot",
         "predictions")
PREDICTION_CHUNK = 500  # predictions per import request, as the trainer's publish and the Ray driver send them
PREDICTION_BUDGET_S = 300.0  # the import is stopped after this and projected to every task


@dataclass
class Bench:
    """One benchmark run: the server, the project, the environment the commands get, what was measured."""

    tmp: Path
    client: LabelStudioClient
    pid: int
    tasks_file: Path
    env: dict[str, str]
    rows: list[Measured] = field(default_factory=list)
    ratios: list[str] = field(default_factory=list)

    def command(self, name: str, *argv: object) -> tuple[Measured, str]:
        print(f"  {name} ...", end="", flush=True)
        logs = self.tmp / "logs"
        logs.mkdir(exist_ok=True)
        measured, stdout = run_measured(name, [str(a) for a in argv], self.env, logs / f"{len(self.rows):02d}.out")
        self.rows.append(measured)
        last = stdout.strip().splitlines()[-1][:110] if stdout.strip() else ""
        print(f" {measured.wall:.1f} s ({measured.cpu:.1f} s CPU), {measured.peak_gb:.2f} GB: {last}", flush=True)
        return measured, stdout

    def baseline(self, name: str, seconds: float, size: int) -> None:
        self.rows.append(Measured(name, seconds, float("nan"), note=f"{size / 2**20:.0f} MiB", target_s=None,
                                  target_gb=None))
        print(f"  {name}: {seconds:.1f} s, {size / 2**20:.0f} MiB", flush=True)


def step_import(b: Bench, args: argparse.Namespace) -> None:
    first, _ = b.command("tasks import (first run)", "tasks", "import", b.pid, b.tasks_file)
    rerun, out = b.command("tasks import (rerun, adds nothing)", "tasks", "import", b.pid, b.tasks_file)
    if "0 imported" not in out:
        raise SystemExit(f"the import rerun imported something: {out}")
    b.ratios.append(ratio_line("tasks import rerun vs first run", rerun.wall, first.wall, 0.10, "rerun"))




def step_pull(b: Bench, args: argparse.Namespace) -> None:
    baselines = {m.name: m.wall for m in b.rows if m.target_s is None}
    for source in args.pull_sources:
        pulled, _ = b.command(f"pull --source {source}", "pull", b.pid, "--out", b.tmp / f"pull-{source}",
                              "--source", source)
        for name, seconds in baselines.items():
            target = 2.0 if source == "export" and name.startswith("Label Studio snapshot") else None
            line = f"pull --source {source} vs {name}"
            b.ratios.append(ratio_line(line, pulled.wall, seconds, target, "pull") if target else
                            f"{line}: {pulled.wall / seconds:.2f}x")


def step_agreement(b: Bench, args: argparse.Namespace) -> None:
    pull_dir = b.tmp / f"pull-{args.pull_sources[0]}"
    if not pull_dir.is_dir():
        b.command(f"pull --source {args.pull_sources[0]}", "pull", b.pid, "--out", pull_dir,
                  "--source", args.pull_sources[0])
    b.command("agreement PULL_DIR --json", "agreement", pull_dir, "--json")


def step_push(b: Bench, args: argparse.Namespace) -> None:
    from sdk_scripts.review.push import default_review_title

    # a first run is one without a review project: one left by an earlier (--reuse) run goes first
    for project in b.client.projects_titled(default_review_title(b.client.project(b.pid)["title"])):
        b.client.delete_project(project["id"])
        print(f"  deleted the review project {project['id']} an earlier run left", flush=True)
    b.command("review push (first run)", "review", "push", b.pid)
    b.command("review push (rerun)", "review", "push", b.pid)


def step_predictions(b: Bench, args: argparse.Namespace) -> None:
    """Label Studio's own share of bulk pre-annotation, no model: one prediction per task written as `preannotate`
    and the trainer write them (500 per import request, one request at a time) for at most PREDICTION_BUDGET_S
    (then projected to every task), and the version deleted in one request as pruning does. Last, so that no
    other command reads the predictions. Label Studio 1.23 recounts every task of the project on each import
    request unless its flag FAST_PREDICTION_IMPORT_FLAG is on (`--fast-prediction-import`)."""
    ids = [t["id"] for t in b.client.iter_tasks(b.pid, with_annotations=False, page_size=1000, only=("id",))]
    version = "scale-bench-predictions"
    result = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [LABELS[0]]}}]
    flag = "on" if args.fast_prediction_import else "off (Label Studio's default)"
    written, began = 0, time.perf_counter()
    for start in range(0, len(ids), PREDICTION_CHUNK):
        written += b.client.import_predictions(b.pid, [
            {"task": i, "result": result, "score": 0.5, "model_version": version}
            for i in ids[start:start + PREDICTION_CHUNK]])
        if time.perf_counter() - began > PREDICTION_BUDGET_S:
            break
    wrote = time.perf_counter() - began
    rate = written / wrote
    projected = "" if written == len(ids) else f", all {len(ids):,} projected at {len(ids) / rate / 60:.0f} min"
    b.rows.append(Measured(f"Label Studio: import predictions (flag {flag.split()[0]})", wrote, float("nan"),
                           note=f"{written:,} in {written // PREDICTION_CHUNK} requests, {rate:.0f}/s{projected}",
                           target_s=None, target_gb=None))
    print(f"  Label Studio: import {written:,} predictions, {PREDICTION_CHUNK} per request, "
          f"{FAST_PREDICTION_IMPORT_FLAG} {flag}: {wrote:.1f} s ({rate:.1f}/s){projected}", flush=True)
    began = time.perf_counter()
    deleted = b.client.delete_model_version(b.pid, version)
    gone = time.perf_counter() - began
    b.rows.append(Measured("Label Studio: delete a version (1 request)", gone, float("nan"),
                           note=f"{deleted:,} predictions", target_s=None, target_gb=None))
    print(f"  Label Studio: delete the version's {deleted:,} predictions in one request: {gone:.1f} s", flush=True)


STEP_RUNS = {
    "import": step_import,
    "ls-export": lambda b, a: b.baseline("Label Studio snapshot export + download", *label_studio_snapshot_export(
        b.client, b.pid, b.tmp / "ls-snapshot.json")),
    "ls-direct": lambda b, a: b.baseline("Label Studio GET /export?exportType=JSON", *label_studio_direct_export(
        b.client, b.pid, b.tmp / "ls-direct.json")),
    "pull": step_pull,
    "agreement": step_agreement,
    "push": step_push,
    "export": lambda b, a: b.command("dataset export --out FILE.jsonl", "dataset", "export", b.pid, "--out",
                                     b.tmp / "export" / "final.jsonl"),
    "status": lambda b, a: b.command("status", "status", b.pid),
    "snapshot": lambda b, a: b.command("dataset snapshot --out DIR", "dataset", "snapshot", b.pid, "--out",
                                       b.tmp / "snapshots"),
    "predictions": step_predictions,
}


def setup(ls: LocalLabelStudio, args: argparse.Namespace, tmp: Path) -> Bench:
    """Annotators, the project and the task file; the benchmark's state."""
    began = time.perf_counter()
    annotators = ls.create_annotators([f"annotator{i}@scale.test" for i in range(args.annotators)])
    client = LabelStudioClient(Connection(ls.url, ls.admin_token), timeout=600)
    project = client.create_project(title="Scale bench", label_config=read_config("text_sentiment"),
                                    maximum_annotations=PER_TASK, overlap_cohort_percentage=100)
    tasks_file = tmp / "tasks.jsonl"
    n_annotations = write_task_file(tasks_file, args.tasks, [a.id for a in annotators])
    print(f"setup {time.perf_counter() - began:.0f} s: Label Studio at {ls.url}, {len(annotators)} annotators, "
          f"project {project['id']}, task file {tasks_file.stat().st_size / 2**20:.0f} MiB: {args.tasks:,} tasks, "
          f"{n_annotations:,} annotations", flush=True)
    return Bench(tmp, client, project["id"], tasks_file, command_env(ls, tmp))


def command_env(ls: LocalLabelStudio, tmp: Path) -> dict[str, str]:
    """The environment every command runs with: this server, state and caches in the temp dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABELOPS_", "LABEL_STUDIO_"))}
    env.update({"LABEL_STUDIO_URL": ls.url, "LABEL_STUDIO_API_KEY": ls.admin_token,
                "LABELOPS_STATE_DIR": str(tmp / "state"), "LABELOPS_MAX_TASK_FILE_MB": "4096",
                "XDG_CACHE_HOME": str(tmp / "cache")})
    return env


def reuse(ls: LocalLabelStudio, tmp: Path) -> Bench:
    """The project of an earlier run kept with --keep (its Label Studio restarted on the same data dir)."""
    client = LabelStudioClient(Connection(ls.url, ls.admin_token), timeout=600)
    project = client.project("Scale bench")
    print(f"reusing {tmp}: Label Studio at {ls.url}, project {project['id']}, {project['task_number']:,} tasks, "
          f"{project['total_annotations_number']:,} annotations", flush=True)
    return Bench(tmp, client, project["id"], tmp / "tasks.jsonl", command_env(ls, tmp))


def run(args: argparse.Namespace, tmp: Path) -> Bench:
    postgres = LocalPostgres().start() if args.db == "postgres" else None  # its own temp dir (another user)
    extra_env = {FAST_PREDICTION_IMPORT_FLAG: "true"} if args.fast_prediction_import else {}
    ls = LocalLabelStudio(tmp / "ls" / "data", ADMIN, database=postgres, extra_env=extra_env)
    try:
        ls.start()
        bench = reuse(ls, tmp) if args.reuse else setup(ls, args, tmp)
        if "import" not in args.commands and not args.reuse:  # the project still needs its tasks
            bench.command("tasks import (first run)", "tasks", "import", bench.pid, bench.tasks_file)
        for step in STEPS:
            if step in args.commands:
                STEP_RUNS[step](bench, args)
    finally:
        ls.stop()
        if postgres is not None:
            postgres.stop()
    return bench


def report(bench: Bench) -> None:
    print_table(bench.rows)
    print("\ntargets:")
    for m in bench.rows:
        if m.target_s is not None:
            print(f"  {'met    ' if verdict(m) == 'met' else 'MISSED '} {m.name}: {m.wall:.1f} s (<= {TARGET_S:g} s), "
                  f"{m.peak_gb:.2f} GB (<= {TARGET_GB:g} GB)" + ("" if verdict(m) == "met" else f" -- {verdict(m)}"))
    for line in bench.ratios:
        print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks in the project (default 100000)")
    parser.add_argument("--annotators", type=int, default=5, help="annotator users (default 5; at least 3)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite", help="Label Studio's database")
    parser.add_argument("--pull-sources", default="export,tasks", type=lambda s: s.split(","),
                        help="pull sources to time, the first one feeding agreement (default export,tasks)")
    parser.add_argument("--commands", default=",".join(STEPS), type=lambda s: [c for c in s.split(",") if c],
                        help=f"what to time, in this order (default all): {', '.join(STEPS)}; the project is imported "
                        "in any case")
    parser.add_argument("--fast-prediction-import", action="store_true",
                        help=f"start Label Studio with {FAST_PREDICTION_IMPORT_FLAG}=true (see the predictions step)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (Label Studio data, outputs, logs)")
    parser.add_argument("--reuse", type=Path, metavar="DIR",
                        help="time --commands on the project of an earlier --keep run in DIR (SQLite; kept again)")
    args = parser.parse_args()
    if args.annotators < PER_TASK:
        parser.error(f"--annotators must be at least {PER_TASK}")
    if set(args.commands) - set(STEPS):
        parser.error(f"--commands: unknown {', '.join(sorted(set(args.commands) - set(STEPS)))}")
    if args.reuse and (args.db != "sqlite" or not (args.reuse / "ls" / "data").is_dir() or "import" in args.commands):
        parser.error("--reuse takes the directory of an earlier --keep run on SQLite, and no import")
    size = f"the project in {args.reuse}" if args.reuse else f"{args.tasks:,} tasks x {PER_TASK} annotations"
    print(f"scale benchmark: {size}; {machine_line(args.db)}", flush=True)
    tmp = args.reuse or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        report(run(args, tmp))
    finally:
        if args.keep or args.reuse:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
