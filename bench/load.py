"""Load benchmark: many concurrent /predict clients, then a steady stream of webhook events, on one backend.

Starts a real Label Studio (temp data dir, known admin token) and the real backend (gunicorn, default 1
worker x 4 threads, the documented embedded-training setup, TRAIN_MIN_ANNOTATIONS=5), creates a text
project with the 60 texts of ml_backend/data/emotions_60.json, connects the backend and annotates 12
tasks (4 per class) so training has data. Then, everything on 127.0.0.1:

- baseline: 1 client POSTing /predict (1 text per request) for `--baseline-duration` s;
- phase 1: `--clients` (50) concurrent clients (a thread and an httpx.Client each) doing the same for
  `--duration` s; prints requests, errors (non-200, exception, wrong result count), throughput and
  latency p50/p95/p99/max, and the throughput and p50 ratios against the baseline (same process);
- phase 2: `--rate` (10) ANNOTATION_CREATED events per second to /webhook for `--webhook-duration` s,
  while a probe GETs /health every 0.5 s and POSTs /predict every 2 s; then waits for training to go
  idle and prints the webhook answers (started / queued / waiting), webhook and probe latencies, and
  the training runs that happened against the events sent. The debounce rules (one run at a time,
  exactly one follow-up for everything that came in during a run) make runs far fewer than events;
  "stacked: no" is checked from the history (end time "at" with 1 s resolution, "seconds" duration):
  no run may start before the previous one ended.

Exits 1 (after printing everything) when any request failed or runs overlapped.
Run: `make bench` or `.venv/bin/python bench/load.py [--quick] [--clients 50] [--threads 4]`.
Defaults take about 3 minutes (Label Studio start included); `--quick` halves every duration.
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sdk_scripts.devserver.backend import LocalBackend  # noqa: E402
from sdk_scripts.devserver.label_studio import LocalLabelStudio  # noqa: E402
from sdk_scripts.devserver.users import AdminCredentials  # noqa: E402
from sdk_scripts.labelstudio.client import LabelStudioClient  # noqa: E402
from sdk_scripts.labelstudio.connection import Connection  # noqa: E402
from sdk_scripts.ml_backend_link import connect_backend  # noqa: E402

EMOTIONS = Path(__file__).resolve().parent.parent / "ml_backend" / "data" / "emotions_60.json"
CONFIG = ('<View><Text name="text" value="$text"/><Choices name="emotion" toName="text" choice="single-radio">'
          '<Choice value="joy"/><Choice value="sadness"/><Choice value="anger"/></Choices></View>')
ADMIN = AdminCredentials(username="load@labelops.test", password="load-bench-password-1", token="load-bench-token-7d2e")
ANNOTATED_PER_CLASS = 4
TIMEOUT = 30.0


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def predict_body(pid: int, texts: list[str], rng: random.Random) -> dict:
    return {"tasks": [{"id": rng.randrange(1, 10**6), "data": {"text": rng.choice(texts)}}],
            "label_config": CONFIG, "project": f"{pid}.1700000000"}


def predict_once(http: httpx.Client, url: str, body: dict) -> str | None:
    """One /predict; None when fine, else what went wrong."""
    try:
        r = http.post(f"{url}/predict", json=body, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if r.status_code != 200:
        return f"HTTP {r.status_code}: {r.text[:200]}"
    results = r.json().get("results")
    if not isinstance(results, list) or len(results) != 1 or not results[0].get("result"):
        return f"wrong results: {str(results)[:200]}"
    return None


class PredictLoad:
    """`clients` threads, each with its own httpx.Client, POSTing /predict until the deadline."""

    def __init__(self, url: str, pid: int, texts: list[str], clients: int, duration: float) -> None:
        self.url, self.pid, self.texts, self.clients, self.duration = url, pid, texts, clients, duration
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def _client(self, seed: int, deadline: float) -> None:
        rng = random.Random(seed)
        with httpx.Client() as http:
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                error = predict_once(http, self.url, predict_body(self.pid, self.texts, rng))
                took = time.perf_counter() - t
                with self._lock:
                    self.latencies.append(took)
                    if error:
                        self.errors.append(error)

    def run(self) -> dict:
        start = time.perf_counter()
        deadline = start + self.duration
        threads = [threading.Thread(target=self._client, args=(i, deadline), daemon=True) for i in range(self.clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - start  # until the last request in flight at the deadline came back
        lat = self.latencies
        return {"clients": self.clients, "requests": len(lat), "errors": len(self.errors), "elapsed": elapsed,
                "rps": len(lat) / elapsed, "p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99),
                "max": max(lat, default=float("nan")), "error_samples": Counter(self.errors).most_common(3)}


def al_status(url: str, pid: int) -> dict:
    return httpx.get(f"{url}/al/status", params={"project": pid}, timeout=TIMEOUT).json()


def wait_idle(url: str, pid: int, timeout: float = 180.0) -> dict:
    """Poll /al/status until no run is going (and none is queued); the last status."""
    deadline = time.monotonic() + timeout
    while True:
        status = al_status(url, pid)
        training = status["training"]
        if not training.get("running") and not training.get("follow_up_queued"):
            return status
        if time.monotonic() > deadline:
            raise RuntimeError(f"training still running after {timeout} s: {training}")
        time.sleep(0.5)


def overlaps(history: list[dict]) -> list[str]:
    """Pairs of consecutive runs where the later one certainly started before the earlier one ended.

    `at` is the end time truncated to the second, so the true end lies in [at, at + 1): run B overlaps
    run A for sure when B's latest possible start (at_B + 1 - seconds_B) is before A's earliest end (at_A).
    """
    runs = [(calendar.timegm(time.strptime(h["at"], "%Y-%m-%dT%H:%M:%SZ")), float(h.get("seconds") or 0.0), h)
            for h in history if h.get("event") in ("trained", "failed")]
    found = []
    for (end_a, _, a), (end_b, secs_b, b) in zip(runs, runs[1:], strict=False):
        if end_b + 1 - secs_b < end_a:
            found.append(f"v{b.get('version')} (ended {b['at']}, {secs_b} s) started before v{a.get('version')} "
                         f"ended ({a['at']})")
    return found


def webhook_phase(url: str, pid: int, texts: list[str], rate: float, duration: float) -> dict:
    """`rate` ANNOTATION_CREATED events per second for `duration` s, with /health and /predict probes."""
    before = al_status(url, pid)
    hooks: list[tuple[float, str]] = []  # (latency, backend's status or error)
    health: list[float] = []
    probe_predict: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def send(n: int, http: httpx.Client) -> None:
        payload = {"action": "ANNOTATION_CREATED", "project": {"id": pid}, "annotation": {"id": 100000 + n}}
        t = time.perf_counter()
        try:
            r = http.post(f"{url}/webhook", json=payload, timeout=TIMEOUT)
            outcome = r.json().get("status", "?") if r.status_code == 201 else f"HTTP {r.status_code}"
        except (httpx.HTTPError, ValueError) as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        took = time.perf_counter() - t
        with lock:
            hooks.append((took, outcome))
            if outcome not in ("started", "queued", "waiting"):
                errors.append(f"webhook: {outcome}")

    def probe() -> None:
        rng = random.Random(7)
        next_predict = time.perf_counter()
        with httpx.Client() as http:
            while not stop.is_set():
                t = time.perf_counter()
                try:
                    r = http.get(f"{url}/health", timeout=TIMEOUT)
                    if r.status_code != 200:
                        errors.append(f"/health: HTTP {r.status_code}")
                except httpx.HTTPError as exc:
                    errors.append(f"/health: {type(exc).__name__}: {exc}")
                health.append(time.perf_counter() - t)
                if time.perf_counter() >= next_predict:
                    next_predict += 2.0
                    t2 = time.perf_counter()
                    error = predict_once(http, url, predict_body(pid, texts, rng))
                    probe_predict.append(time.perf_counter() - t2)
                    if error:
                        errors.append(f"/predict probe: {error}")
                stop.wait(max(0.0, 0.5 - (time.perf_counter() - t)))

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    total = int(rate * duration)
    http = httpx.Client(limits=httpx.Limits(max_connections=16))
    start = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for n in range(total):  # steady schedule: event n at start + n / rate, whatever the answers take
                time.sleep(max(0.0, start + n / rate - time.perf_counter()))
                pool.submit(send, n, http)
        sent_in = time.perf_counter() - start
        idle_from = time.perf_counter()
        after = wait_idle(url, pid)
        drain = time.perf_counter() - idle_from
    finally:
        stop.set()
        prober.join()
        http.close()
    new_history = after["history"][len(before["history"]):]
    return {"events": total, "sent_in": sent_in, "statuses": Counter(o for _, o in hooks),
            "hook_p50": pct([h for h, _ in hooks], 50), "hook_p95": pct([h for h, _ in hooks], 95),
            "health_n": len(health), "health_p50": pct(health, 50), "health_p95": pct(health, 95),
            "health_max": max(health, default=float("nan")), "predict_n": len(probe_predict),
            "predict_p50": pct(probe_predict, 50), "predict_max": max(probe_predict, default=float("nan")),
            "drain": drain, "history": new_history,
            "runs_counter": after["training"]["runs"] - before["training"]["runs"],
            "trained": sum(h.get("event") == "trained" for h in new_history),
            "failed": sum(h.get("event") == "failed" for h in new_history),
            "run_seconds": [h["seconds"] for h in new_history if "seconds" in h],
            "overlaps": overlaps(after["history"][max(0, len(before["history"]) - 1):]), "errors": errors}


def setup_project(ls: LocalLabelStudio, backend_url: str) -> tuple[int, list[str]]:
    """Text project with the 60 emotion texts, backend connected, 4 annotations per class; (id, texts)."""
    rows = json.loads(EMOTIONS.read_text(encoding="utf-8"))
    client = LabelStudioClient(Connection(ls.url, ls.admin_token))  # personal access token (LS 1.23 default)
    pid = client.create_project(title="bench load", label_config=CONFIG)["id"]
    ids = client.import_tasks(pid, [{"text": r["text"], "emotion": r["emotion"]} for r in rows])
    connect_backend(client, pid, backend_url)
    per_class: Counter[str] = Counter()
    for task_id, row in zip(ids, rows, strict=True):
        if per_class[row["emotion"]] >= ANNOTATED_PER_CLASS:
            continue
        per_class[row["emotion"]] += 1
        client.create_annotation(task_id, [{"from_name": "emotion", "to_name": "text", "type": "choices",
                                            "value": {"choices": [row["emotion"]]}}])
    return pid, [r["text"] for r in rows]


def print_load(name: str, r: dict, base: dict | None) -> None:
    line = (f"{name:<26}{r['clients']:>8}{r['requests']:>9}{r['errors']:>7}{r['rps']:>9.1f}"
            f"{ms(r['p50']):>7}{ms(r['p95']):>7}{ms(r['p99']):>7}{ms(r['max']):>7}")
    if base:
        line += f"{r['rps'] / base['rps']:>9.2f}x{r['p50'] / base['p50']:>8.1f}x"
    print(line)
    for error, count in r["error_samples"]:
        print(f"    {count} x {error}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=50, help="concurrent /predict clients in phase 1")
    p.add_argument("--duration", type=float, default=60.0, help="phase 1 seconds")
    p.add_argument("--baseline-duration", type=float, default=10.0, help="single-client baseline seconds")
    p.add_argument("--rate", type=float, default=10.0, help="webhook events per second in phase 2")
    p.add_argument("--webhook-duration", type=float, default=30.0, help="phase 2 seconds")
    p.add_argument("--workers", type=int, default=1, help="backend gunicorn workers")
    p.add_argument("--threads", type=int, default=4, help="backend gunicorn threads per worker")
    p.add_argument("--quick", action="store_true", help="halve every duration")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data) at the end")
    a = p.parse_args()
    if a.quick:
        a.duration, a.baseline_duration, a.webhook_duration = a.duration / 2, a.baseline_duration / 2, \
            a.webhook_duration / 2
    began = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    failures: list[str] = []
    ls = LocalLabelStudio(tmp / "ls" / "data", ADMIN)
    backend = None
    try:
        ls.start()
        env = {"LABEL_STUDIO_URL": ls.url, "LABEL_STUDIO_API_KEY": ls.admin_token, "MODEL_DIR": str(tmp / "models"),
               "LABELOPS_CACHE_DIR": str(tmp / "cache"), "YOLO_CONFIG_DIR": str(tmp / "ultralytics"),
               "TRAIN_MIN_ANNOTATIONS": "5", "LOG_LEVEL": "WARNING"}
        backend = LocalBackend(env=env, log_path=tmp / "backend.log", workers=a.workers, threads=a.threads).start()
        pid, texts = setup_project(ls, backend.url)
        setup_status = wait_idle(backend.url, pid)
        trained = [h for h in setup_status["history"] if h.get("event") == "trained"]
        setup_s = time.perf_counter() - began

        with httpx.Client() as http:  # warm-up: the served model's weights and embeddings load once per worker
            rng = random.Random(0)
            for _ in range(5 * a.workers):
                predict_once(http, backend.url, predict_body(pid, texts, rng))
        base = PredictLoad(backend.url, pid, texts, 1, a.baseline_duration).run()
        load = PredictLoad(backend.url, pid, texts, a.clients, a.duration).run()
        hooks = webhook_phase(backend.url, pid, texts, a.rate, a.webhook_duration)
    finally:
        if backend is not None:
            backend.stop()
        ls.stop()
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"hardware: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, no GPU; "
          f"backend: {a.workers} worker x {a.threads} threads (gunicorn gthread), clients on the same machine; "
          f"setup {setup_s:.0f} s (Label Studio start, 60 tasks, 12 annotations, {len(trained)} training run(s))")
    print(f"phase 1: /predict, 1 text per request, zero-shot + trained head of project {pid}, timeout {TIMEOUT:.0f} s")
    print(f"{'run':<26}{'clients':>8}{'requests':>9}{'errors':>7}{'req/s':>9}{'p50 ms':>7}{'p95':>7}{'p99':>7}"
          f"{'max':>7}{'req/s vs':>10}{'p50 vs':>9}")
    print_load(f"baseline ({a.baseline_duration:.0f} s)", base, None)
    print_load(f"{a.clients} clients ({a.duration:.0f} s)", load, base)
    if base["errors"] or load["errors"]:
        failures.append(f"{base['errors'] + load['errors']} /predict errors in phase 1")

    h = hooks
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(h["statuses"].items()))
    run_s = h["run_seconds"]
    print(f"phase 2: {h['events']} ANNOTATION_CREATED webhooks at {a.rate:g}/s (sent in {h['sent_in']:.1f} s), "
          f"TRAIN_MIN_ANNOTATIONS=5")
    print(f"  webhook answers: {statuses}; latency p50 {ms(h['hook_p50'])} ms, p95 {ms(h['hook_p95'])} ms")
    print(f"  /health probe every 0.5 s: {h['health_n']} calls, p50 {ms(h['health_p50'])} ms, "
          f"p95 {ms(h['health_p95'])} ms, max {ms(h['health_max'])} ms")
    print(f"  /predict probe every 2 s: {h['predict_n']} calls, p50 {ms(h['predict_p50'])} ms, "
          f"max {ms(h['predict_max'])} ms")
    print(f"  training runs: {len(h['history'])} for {h['events']} events ({h['trained']} trained, "
          f"{h['failed']} failed; scheduler counter {h['runs_counter']}); run length "
          f"{min(run_s, default=0):.1f}-{max(run_s, default=0):.1f} s; idle {h['drain']:.1f} s after the last event")
    print(f"  stacked: {'yes' if h['overlaps'] else 'no'}")
    for line in h["overlaps"]:
        print(f"    overlap: {line}")
    if h["overlaps"]:
        failures.append("training runs overlapped")
    if not 0 < len(h["history"]) < h["events"] / 2:
        failures.append(f"{len(h['history'])} training runs for {h['events']} events: not debounced")
    for error, count in Counter(h["errors"]).most_common(5):
        print(f"    {count} x {error}")
    if h["errors"]:
        failures.append(f"{len(h['errors'])} errors in phase 2")
    verdict = "FAILED: " + "; ".join(failures) if failures else "OK"
    print(f"total {time.perf_counter() - began:.0f} s; result: {verdict}")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
