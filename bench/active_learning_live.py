"""Label savings through the real loop: `python bench/active_learning_live.py [--pool N] [--step K]`.

Real Label Studio and the real backend (both started through sdk_scripts/devserver, SQLite, loopback),
two projects side by side on the same synthetic text set (bench/text_sets.py: template emotion texts,
7 classes, split pool / held-out 70/30 as bench/active_learning.py does):

- "uncertainty": the project's sampling is Label Studio's "Uncertainty sampling" (lowest stored
  prediction score of the project's model_version first; the backend scores with AL_STRATEGY
  least-confidence);
- "random": Label Studio's "Uniform sampling" (a random unlabeled task).

Both start from the same seed set (one label per class, the one bench/active_learning.py draws for the
same seed), the same model (the backend's text head: logistic regression on MiniLM embeddings) and the
same training trigger: the backend is connected with `connect_backend` (`labelops backend connect`),
which turns on Label Studio's "Start model training on annotation submission" every TRAIN_MIN_ANNOTATIONS
= `--step` annotations; Label Studio then sends START_TRAINING to the backend, whose scheduler runs one
training at a time (a trigger during a run makes exactly one follow-up run), re-predicts the unlabeled
tasks, stores the predictions and switches the project's model_version. Each project has its own
annotator user (signed up through the invite link, its own personal access token) who asks Label
Studio for `GET /api/projects/ID/next` and submits the known label of the served task `--label-seconds`
after asking (default 4 s: a quick human on a one-line text); it never waits for training.

A watcher per project polls the backend's `/al/status`; each new version serving the project is
evaluated on the held-out texts through the backend's `/predict` (the project's current version
answers), giving a point (labels that version was trained on, held-out accuracy). An arm stops at the
first version at or above the target (95% of the accuracy the same model gets with the whole pool
labelled, computed here from the same embeddings, as bench/active_learning.py does), at `--max-labels`
or when the pool runs out. Labels needed = the training-set size of that version (seed set included).

Prints the labels each arm needed, the savings against random (target >= 30%; when missed, by how
much), the wall time, how stale the served scores were (labels made since the serving version's
training data), the training runs (those that pruned old versions' predictions apart), and
bench/active_learning.py's offline simulation on the same pool / held-out split with batches of
`--step` beside it, then the labels both need to reach 80 / 90 / 95% of the full-pool accuracy;
learning curves (live arms and the offline means) in a PNG (`--png`, default bench/active_learning_live.png).
One live run is one random order: its savings scatter (the offline seeds show by how much). The
synthetic set ranks the loops; it does not promise a real project's savings.
Defaults take 13-20 min on 2 cores; `--pool 120 --step 10` is a quick look (~10 min, mostly start-up
and training runs).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path

import httpx
import numpy as np
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import active_learning as offline  # noqa: E402
from text_sets import REACTIONS, template_texts  # noqa: E402

from ml_backend.settings import BackendSettings  # noqa: E402
from sdk_scripts.devserver.backend import LocalBackend  # noqa: E402
from sdk_scripts.devserver.label_studio import LocalLabelStudio  # noqa: E402
from sdk_scripts.devserver.users import AdminCredentials, Annotator  # noqa: E402
from sdk_scripts.labelstudio.client import LabelStudioClient  # noqa: E402
from sdk_scripts.labelstudio.connection import Connection  # noqa: E402
from sdk_scripts.ml_backend_link import connect_backend  # noqa: E402

LABELS = list(REACTIONS)
CONFIG = ('<View><Text name="text" value="$text"/><Choices name="emotion" toName="text" choice="single-radio">'
          + "".join(f'<Choice value="{label}"/>' for label in LABELS) + "</Choices></View>")
ADMIN = AdminCredentials(username="al-live@labelops.test", password="al-live-bench-password-1",
                         token="al-live-bench-token-51c3")
STRATEGY = "least-confidence"  # the backend's AL_STRATEGY, and the offline strategy shown beside it
ARMS = (("uncertainty", "Uncertainty sampling"), ("random", "Uniform sampling"))
GOAL = 0.30
LEVELS = (0.80, 0.90, offline.TARGET_SHARE)  # shares of the full-pool accuracy the savings are also shown at
TIMEOUT = 120.0
POLL = 0.5


# -- data ---------------------------------------------------------------------------------------


@dataclass
class Data:
    """The pool to label and the held-out texts, with their known labels and embeddings."""

    provenance: str
    pool_texts: list[str]
    pool_y: np.ndarray
    test_texts: list[str]
    test_y: np.ndarray
    pool_x: np.ndarray
    test_x: np.ndarray
    seed: int
    seed_set: list[int]  # pool indices labelled before the loop starts
    target: float

    def truth(self) -> dict[str, str]:
        return dict(zip(self.pool_texts, self.pool_y.tolist(), strict=True))


def load_data(per_class: int, pool: int | None, seed: int) -> Data:
    """The template set, split as bench/active_learning.py splits it for `seed`; `pool` texts of its pool."""
    texts, labels, provenance = template_texts(per_class)
    y = np.array(labels)
    pool_idx, test_idx = train_test_split(np.arange(len(y)), test_size=offline.TEXT_TEST_SIZE, random_state=seed,
                                          stratify=y)
    if pool and pool < len(pool_idx):
        pool_idx, _ = train_test_split(pool_idx, train_size=pool, random_state=seed, stratify=y[pool_idx])
    x = offline.embed_texts(texts)
    pool_y, test_y = y[pool_idx], y[test_idx]
    seeds = offline.seed_set(np.random.default_rng(seed), pool_y, offline.TEXT_SEED_LABELS_PER_CLASS)
    target = offline.full_pool_target(offline.text_model, x[pool_idx], pool_y, x[test_idx], test_y)
    return Data(provenance, [texts[i] for i in pool_idx], pool_y, [texts[i] for i in test_idx], test_y,
                x[pool_idx], x[test_idx], seed, seeds, target)


def offline_simulation(data: Data, step: int, cap: int, seeds: int) -> offline.Simulation:
    """bench/active_learning.py's simulation on this pool / held-out split: random and STRATEGY, batches of `step`,
    the live seed set first (seed `data.seed`), then other seed sets and random orders."""
    splits = [(data.seed + i, data.pool_x, data.pool_y, data.test_x, data.test_y, data.pool_x) for i in range(seeds)]
    header = (f"offline simulation (bench/active_learning.py) on the same pool / held-out split: {len(data.pool_y)} / "
              f"{len(data.test_y)} texts, seeds {data.seed}..{data.seed + seeds - 1} (the first is the live seed "
              f"set), batches of {step}, budget {cap}")
    return offline.simulate("the live pool", "texts", header, splits, cap, step,
                            offline.TEXT_SEED_LABELS_PER_CLASS, offline.text_model, ["random", STRATEGY])


# -- one arm: a project, its annotator, its watcher ---------------------------------------------


@dataclass
class Point:
    labels: int  # annotated tasks the evaluated version was trained on
    accuracy: float
    model_version: str
    at: float  # seconds since the arm's loop started


@dataclass
class Arm:
    name: str
    sampling: str
    pid: int
    backend_id: int
    annotator: Annotator
    points: list[Point] = field(default_factory=list)
    made: int = 0  # annotations in the project, seed set included
    served_versions: list[str | None] = field(default_factory=list)  # the project's model_version at each /next
    needed: int | None = None
    stop_reason: str = ""
    started: float = 0.0
    seconds: float = 0.0
    history: list[dict] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)  # model_version -> annotated tasks it was trained on
    reached: threading.Event = field(default_factory=threading.Event)

    def update(self, status: dict) -> None:
        """Take in the backend's /al/status: its history, and the kept versions (a version serves, and is listed
        there, before the run ends and writes its history line)."""
        self.history = status["history"]
        for entry in status["history"] + status["kept_versions"]:
            if entry.get("model_version") and "annotated_tasks" in entry and entry.get("event") != "failed":
                self.versions[entry["model_version"]] = int(entry["annotated_tasks"])


class Loop:
    """The shared servers and what each arm does against them."""

    def __init__(self, ls: LocalLabelStudio, backend: LocalBackend, data: Data, step: int, cap: int,
                 label_seconds: float) -> None:
        self.ls, self.backend, self.data, self.step, self.cap = ls, backend, data, step, cap
        self.label_seconds = label_seconds
        self.admin = LabelStudioClient(Connection(ls.url, ls.admin_token))
        self.truth = data.truth()
        self._users: dict[str, LabelStudioClient] = {}

    def headers(self, annotator: Annotator) -> dict[str, str]:
        """The annotator's Authorization header (its personal access token, exchanged by label-studio-sdk)."""
        if annotator.email not in self._users:
            self._users[annotator.email] = LabelStudioClient(Connection(self.ls.url, annotator.token))
        return self._users[annotator.email].auth_headers()

    # -- setup --

    def annotate(self, http: httpx.Client, arm: Arm, task_id: int, text: str) -> None:
        result = [{"from_name": "emotion", "to_name": "text", "type": "choices",
                   "value": {"choices": [self.truth[text]]}}]
        r = http.post(f"{self.ls.url}/api/tasks/{task_id}/annotations/", headers=self.headers(arm.annotator),
                      json={"result": result, "lead_time": max(self.label_seconds, 0.1)}, timeout=TIMEOUT)
        if r.status_code != 201:
            raise RuntimeError(f"{arm.name}: annotation of task {task_id} refused ({r.status_code}): {r.text[:200]}")
        arm.made += 1

    def create(self, name: str, sampling: str, annotator: Annotator) -> Arm:
        """A project with the pool imported, the seed set labelled by its annotator, the backend connected."""
        project = self.admin.create_project(title=f"AL live: {name}", label_config=CONFIG, sampling=sampling,
                                            maximum_annotations=1)
        pid = project["id"]
        ids = self.admin.import_tasks(pid, [{"text": t} for t in self.data.pool_texts])
        arm = Arm(name, sampling, pid, 0, annotator)
        with httpx.Client() as http:
            for i in self.data.seed_set:
                self.annotate(http, arm, ids[i], self.data.pool_texts[i])
        # TRAIN_MIN_ANNOTATIONS = step: Label Studio sends START_TRAINING every `step` annotations
        arm.backend_id = connect_backend(self.admin, pid, self.backend.url).backend_id
        return arm

    def start_training(self, arm: Arm) -> None:
        """The model page's "Start Training": Label Studio posts START_TRAINING to the backend."""
        r = httpx.post(f"{self.ls.url}/api/ml/{arm.backend_id}/train", headers=self.admin.auth_headers(),
                       json={}, timeout=TIMEOUT)
        if r.status_code >= 400:
            raise RuntimeError(f"{arm.name}: Label Studio refused Start Training ({r.status_code}): {r.text[:200]}")

    # -- the backend's view --

    def status(self, arm: Arm) -> dict:
        status = httpx.get(f"{self.backend.url}/al/status", params={"project": arm.pid}, timeout=TIMEOUT).json()
        arm.update(status)
        return status

    def wait_trained(self, arm: Arm, labels: int, timeout: float = 600.0) -> dict:
        """Wait until no run is going and a version trained on >= `labels` annotations serves (or a run failed)."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(arm)
            training = status["training"]
            idle = not training.get("running") and not training.get("dirty")
            newest = max(arm.versions.values(), default=0)
            if idle and (newest >= labels or training.get("failures")):
                return status
            if time.monotonic() > deadline:
                raise RuntimeError(f"{arm.name}: no version trained on {labels} labels after {timeout:.0f} s: "
                                   f"{training}")
            time.sleep(POLL)

    def evaluate(self, arm: Arm) -> tuple[str, float]:
        """(model_version, held-out accuracy) of the version the backend serves for the project now."""
        tasks = [{"id": i, "data": {"text": t}} for i, t in enumerate(self.data.test_texts)]
        r = httpx.post(f"{self.backend.url}/predict", json={"tasks": tasks, "label_config": CONFIG,
                                                             "project": str(arm.pid)}, timeout=TIMEOUT)
        r.raise_for_status()
        results = r.json()["results"]
        predicted = [res["result"][0]["value"]["choices"][0] if res["result"] else None for res in results]
        return results[0]["model_version"], float(np.mean(np.array(predicted) == self.data.test_y))

    def check(self, arm: Arm) -> None:
        """Evaluate the version serving now if it is new; mark the arm reached at the first one on target."""
        status = self.status(arm)
        current = status.get("model_version")
        if not current or any(p.model_version == current for p in arm.points):
            return
        version, accuracy = self.evaluate(arm)
        if version not in arm.versions:  # a newer version came in meanwhile
            self.status(arm)
        if version in arm.versions and not any(p.model_version == version for p in arm.points):
            point = Point(arm.versions[version], accuracy, version, time.monotonic() - arm.started)
            arm.points.append(point)
            print(f"  [{point.at:5.0f} s] {arm.name}: {version} trained on {point.labels} labels, held-out accuracy "
                  f"{accuracy:.3f} ({arm.made} labels made)", flush=True)
            if accuracy >= self.data.target and not arm.reached.is_set():
                arm.needed = point.labels
                arm.reached.set()

    def watch(self, arm: Arm, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.check(arm)
            except (httpx.HTTPError, ValueError, KeyError) as exc:  # a slow or odd answer: said, and tried again
                print(f"  {arm.name}: watcher: {type(exc).__name__}: {exc}", flush=True)
            stop.wait(POLL)

    # -- the annotator --

    def label_loop(self, arm: Arm) -> None:
        """Label what /next serves until the target is reached, the cap, or the pool runs out."""
        with httpx.Client() as http:
            while not arm.reached.is_set() and arm.made < self.cap:
                asked = time.monotonic()
                r = http.get(f"{self.ls.url}/api/projects/{arm.pid}/next", headers=self.headers(arm.annotator),
                             timeout=TIMEOUT)
                if r.status_code == 404:
                    arm.stop_reason = "pool labelled"
                    return
                r.raise_for_status()
                task = r.json()
                arm.served_versions.append(next((p.get("model_version") for p in task.get("predictions") or []),
                                                None))
                time.sleep(max(0.0, asked + self.label_seconds - time.monotonic()))  # reading and choosing
                self.annotate(http, arm, task["id"], task["data"]["text"])
        arm.stop_reason = "target reached" if arm.reached.is_set() else f"cap of {self.cap} labels"

    def run(self, arm: Arm) -> None:
        """The arm from its first version to its end: annotator and watcher, then a last run on every label."""
        arm.started = time.monotonic()
        stop = threading.Event()
        watcher = threading.Thread(target=self.watch, args=(arm, stop), daemon=True)
        watcher.start()
        try:
            self.label_loop(arm)
            if not arm.reached.is_set():  # the labels after the last trigger: one more run, as "Start Training"
                self.wait_trained(arm, 0)
                if max(arm.versions.values(), default=0) < arm.made:
                    self.start_training(arm)
                    self.wait_trained(arm, arm.made)
        finally:
            stop.set()
            watcher.join()
        self.check(arm)
        arm.seconds = time.monotonic() - arm.started


# -- report -------------------------------------------------------------------------------------


def staleness(arm: Arm, seed_labels: int, step: int) -> tuple[float, int, float]:
    """Labels made since the training data of the version whose scores served each task: (mean, max, share of
    served tasks at `step` or more, i.e. later than the trigger alone makes them)."""
    lags = [seed_labels + i - arm.versions[v] for i, v in enumerate(arm.served_versions) if v in arm.versions]
    if not lags:
        return float("nan"), 0, float("nan")
    return float(np.mean(lags)), max(lags), float(np.mean([lag >= step for lag in lags]))


def run_times(arm: Arm) -> str:
    """How long the arm's training runs took, those that pruned old predictions from Label Studio apart."""
    runs = [h for h in arm.history if h.get("event") == "trained"]
    pruning = [h for h in runs if (h.get("pruned") or {}).get("deleted")]
    plain = [h["seconds"] for h in runs if h not in pruning]
    text = f"{len(plain)} without pruning {min(plain, default=0):.0f}-{max(plain, default=0):.0f} s"
    if pruning:
        seconds = [h["seconds"] for h in pruning]
        deleted = sum(h["pruned"]["deleted"] for h in pruning)
        text += (f"; {len(pruning)} pruning the predictions of versions past KEEP_VERSIONS {min(seconds):.0f}-"
                 f"{max(seconds):.0f} s ({deleted} predictions deleted)")
    return text


def print_arms(arms: list[Arm], data: Data, step: int) -> None:
    print(f"{'arm':<12} {'sampling':<21} {'labels to target':>16} {'labels made':>11} {'evaluated':>9} "
          f"{'runs (s each)':>15} {'wall s':>7} {'stale: mean':>11} {'max':>4} {'>= step':>8}  stopped")
    for arm in arms:
        runs = [h.get("seconds", 0.0) for h in arm.history if h.get("event") == "trained"]
        failed = sum(h.get("event") == "failed" for h in arm.history)
        mean, worst, share = staleness(arm, len(data.seed_set), step)
        needed = str(arm.needed) if arm.needed is not None else f"> {arm.made}"
        run_text = (f"{len(runs)}{f'+{failed} failed' if failed else ''} "
                    f"({min(runs, default=0):.0f}-{max(runs, default=0):.0f})")
        print(f"{arm.name:<12} {arm.sampling:<21} {needed:>16} {arm.made:>11} {len(arm.points):>9} {run_text:>15} "
              f"{arm.seconds:>7.0f} {mean:>11.1f} {worst:>4} {share:>8.0%}  {arm.stop_reason}")
    print(f"  stale = labels made since the training data of the version whose scores served the task (the "
          f"trigger alone allows 0..{step - 1}; more means the annotator outran training)")
    for arm in arms:
        print(f"  {arm.name} runs: {run_times(arm)}")
    for arm in arms:
        curve = ", ".join(f"{p.labels}:{p.accuracy:.3f}" for p in arm.points)
        print(f"  {arm.name} curve (labels:held-out accuracy): {curve}")


def labels_at_levels(curves: list[offline.Curve], full: float) -> list[float | None]:
    """Mean labels the curves need to first reach each LEVELS share of the full-pool accuracy (None: one never does)."""
    out = []
    for level in LEVELS:
        needed = [offline.labels_to_reach(curve, level * full) for curve in curves]
        out.append(None if None in needed else float(np.mean(needed)))
    return out


def print_levels(arms: list[Arm], sim: offline.Simulation, data: Data) -> None:
    """Labels to lower targets too: the 95% target sits near the plateau, where one held-out text decides."""
    full = data.target / offline.TARGET_SHARE
    live_rows = {a.name: labels_at_levels([[(p.labels, p.accuracy) for p in a.points]], full) for a in arms}
    offline_rows = {s: labels_at_levels(curves, full) for s, curves in sim.results.items()}
    print(f"labels to first reach {' / '.join(f'{level:.0%}' for level in LEVELS)} of the full pool's accuracy "
          f"({' / '.join(f'{level * full:.3f}' for level in LEVELS)}):")
    for title, rows, ours in (("live", live_rows, "uncertainty"), (f"offline, mean of {len(sim.targets)} seeds",
                                                                      offline_rows, STRATEGY)):
        for name, values in rows.items():
            savings = ""
            if name == ours:
                savings = "  savings " + " / ".join(
                    "-" if v is None or r is None else f"{1 - v / r:.0%}" for v, r in zip(values, rows["random"],
                                                                                       strict=True))
            print(f"  {title + ': ' + name:<44} " + " / ".join("-" if v is None else f"{v:.0f}" for v in values)
                  + savings)


def verdict(arms: list[Arm], budget: int) -> str:
    """The savings line: met, or by how much it misses."""
    by_name = {a.name: a for a in arms}
    al_arm, random_arm = by_name["uncertainty"], by_name["random"]
    al_n = al_arm.needed if al_arm.needed is not None else budget
    random_n = random_arm.needed if random_arm.needed is not None else budget
    savings = 1 - al_n / random_n
    caveat = "" if random_arm.needed is not None else f" (random never reached the target: counted as {budget})"
    if al_arm.needed is None:
        caveat += f" (uncertainty never reached the target: counted as {budget})"
    if savings >= GOAL:
        return f"live savings: {savings:.0%} fewer labels than random ({al_n} vs {random_n}){caveat}; target >= " \
               f"{GOAL:.0%}: met"
    return (f"live savings: {savings:.0%} fewer labels than random ({al_n} vs {random_n}){caveat}; target >= "
            f"{GOAL:.0%}: MISSED by {GOAL - savings:.0%} points (uncertainty would need <= "
            f"{int(random_n * (1 - GOAL))} labels)")


def plot(arms: list[Arm], sim: offline.Simulation, data: Data, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colour = {"uncertainty": "C0", STRATEGY: "C0", "random": "C1"}  # a live arm and its offline strategy alike
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for arm in arms:
        ax.step([p.labels for p in arm.points], [p.accuracy for p in arm.points], where="post", marker="o",
                markersize=3, color=colour[arm.name], label=f"live: {arm.sampling}")
    for strategy, curves in sim.results.items():
        sizes = [n for n, _ in curves[0]]
        accuracy = np.mean([[a for _, a in curve] for curve in curves], axis=0)
        ax.plot(sizes, accuracy, linestyle=":", color=colour[strategy],
                label=f"offline: {strategy} (mean of {len(curves)} seeds)")
    ax.axhline(data.target, color="grey", linestyle="--", label="target (95% of full pool)")
    ax.set_xlabel("labelled texts (seed set included)")
    ax.set_ylabel("held-out accuracy")
    ax.set_title(f"Active learning through Label Studio: {len(data.pool_y)} texts in the pool")
    ax.legend(fontsize=8)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=100)
    print(f"learning curves: {png}")


def machine() -> str:
    load = os.getloadavg()
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, no GPU, load average "
            f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min)")


def versions() -> str:
    names = ("label-studio", "label-studio-sdk", "scikit-learn", "sentence-transformers", "torch")
    return ", ".join(f"{n} {package_version(n)}" for n in names)


# -- main ---------------------------------------------------------------------------------------


def live(tmp: Path, data: Data, a: argparse.Namespace, cap: int) -> list[Arm]:
    ls = LocalLabelStudio(tmp / "ls" / "data", ADMIN)
    backend = None
    try:
        ls.start()
        env = {"LABEL_STUDIO_URL": ls.url, "LABEL_STUDIO_API_KEY": ls.admin_token, "MODEL_DIR": str(tmp / "models"),
               "LABELOPS_CACHE_DIR": str(tmp / "cache"), "YOLO_CONFIG_DIR": str(tmp / "ultralytics"),
               "TRAIN_MIN_ANNOTATIONS": str(a.step), "AL_STRATEGY": STRATEGY, "LOG_LEVEL": "WARNING"}
        if a.keep_versions is not None:
            env["KEEP_VERSIONS"] = str(a.keep_versions)
        backend = LocalBackend(env=env, log_path=tmp / "backend.log").start()
        loop = Loop(ls, backend, data, a.step, cap, a.label_seconds)
        users = ls.create_annotators([f"annotator-{name}@labelops.test" for name, _ in ARMS])
        arms = [loop.create(name, sampling, user) for (name, sampling), user in zip(ARMS, users, strict=True)]
        for arm in arms:  # the first version, on the seed set, before anyone asks for a task
            loop.start_training(arm)
        for arm in arms:
            loop.wait_trained(arm, len(data.seed_set))
        threads = [threading.Thread(target=loop.run, args=(arm,), name=arm.name) for arm in arms]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        return arms
    finally:
        if backend is not None:
            backend.stop()
        ls.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--per-class", type=int, default=60, help="texts per class in the synthetic set (default 60: 420)")
    p.add_argument("--pool", type=int, default=None, help="texts in the pool (default: the whole 70%% split)")
    p.add_argument("--seed", type=int, default=0, help="split, seed set and offline seeds start here")
    p.add_argument("--step", type=int, default=10, help="a training run every K annotations (TRAIN_MIN_ANNOTATIONS)")
    p.add_argument("--max-labels", type=int, default=None, help="labels at which an arm stops (default: the pool)")
    p.add_argument("--label-seconds", type=float, default=4.0,
                   help="the annotator's time per task, from asking for it to submitting (Label Studio's answer "
                        "times included; more when Label Studio is slower)")
    p.add_argument("--keep-versions", type=int, default=None,
                   help="the backend's KEEP_VERSIONS (default: its own); the predictions of older versions are "
                        "pruned from Label Studio at the end of each run")
    p.add_argument("--offline-seeds", type=int, default=5, help="seeds of the offline simulation")
    p.add_argument("--png", type=Path, default=Path(__file__).with_suffix(".png"))
    p.add_argument("--keep", action="store_true", help="keep the temp dir (Label Studio data, backend log)")
    a = p.parse_args()
    began = time.perf_counter()
    print(f"active learning through the real loop, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(f"versions: {versions()}; text model {offline.TEXT_MODEL}")
    data = load_data(a.per_class, a.pool, a.seed)
    cap = min(a.max_labels or len(data.pool_y), len(data.pool_y))
    print(f"data: {data.provenance}\n  pool {len(data.pool_y)} texts, held-out {len(data.test_y)}; seed set "
          f"{len(data.seed_set)} (1 per class, seed {a.seed}); target: held-out accuracy >= {data.target:.3f} "
          f"(95% of the full pool's)")
    print(f"loop: START_TRAINING every {a.step} annotations (Label Studio's trigger), one run at a time plus one "
          f"follow-up (the backend's debounce); AL_STRATEGY {STRATEGY}; KEEP_VERSIONS "
          f"{a.keep_versions if a.keep_versions is not None else BackendSettings.keep_versions}; annotator "
          f"{a.label_seconds:g} s per task, never waits for training; cap {cap} labels")
    started = time.perf_counter()
    with threadpool_limits(1):  # many small fits: one BLAS thread each is ~10x faster on a busy 2-core machine
        sim = offline_simulation(data, a.step, cap, a.offline_seeds)
    offline_seconds = time.perf_counter() - started
    tmp = Path(tempfile.mkdtemp(prefix="bench-al-live-"))
    try:
        started = time.perf_counter()
        arms = live(tmp, data, a, cap)
        live_seconds = time.perf_counter() - started
    finally:
        if a.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"live, both arms at once on one Label Studio and one backend ({live_seconds:.0f} s with start-up):")
    print_arms(arms, data, a.step)
    print(verdict(arms, cap))
    offline.report(sim, offline_seconds)
    print_levels(arms, sim, data)
    plot(arms, sim, data, a.png)
    print(f"machine at the end: {machine()}; total {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
