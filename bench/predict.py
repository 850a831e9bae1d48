"""Benchmark: inference speed per core of the backend's engines, and throughput against raw `model.predict`.

Same synthetic images in one run, shipped detector, imgsz 320, CPU. Two parts (`--part`):

- cores: backends side by side — torch without request batching (the path before ONNX Runtime and batching),
  torch on one thread, torch with batching, ONNX Runtime with batching (the default) — each answering the
  same images as 1-task requests one after another, 8 concurrent 1-task clients and 16-task requests,
  interleaved round by round so a shared machine's load hits all alike. Prints images/s, CPU ms per image
  (user + system time of the backend's gunicorn processes) and images per CPU-second, whether the ONNX boxes
  are the same as torch's, and the target (>= 2x images per CPU-second over torch for 8 concurrent
  clients) met or missed by how much;
- throughput: raw ultralytics `model.predict` vs /predict vs `labelops preannotate` into a real Label Studio,
  images from S3 through Label Studio's resolve endpoint and, side by side, read by the backend itself
  (MEDIA_S3_DIRECT_BUCKETS) (targets: backend overhead <= 15 %, preannotate >= 85 % of raw).

Run: `make bench` or `.venv/bin/python bench/predict.py [--images 64] [--rounds 3] [--part cores]`.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ml_backend.offline import configure_offline  # noqa: E402
from ml_backend.settings import SHIPPED_DETECTOR  # noqa: E402
from sdk_scripts.devserver.backend import LocalBackend  # noqa: E402
from sdk_scripts.devserver.s3 import KEY as S3_KEY  # noqa: E402
from sdk_scripts.devserver.s3 import REGION as S3_REGION  # noqa: E402
from sdk_scripts.devserver.s3 import SECRET as S3_SECRET  # noqa: E402
from sdk_scripts.devserver.s3 import LocalS3  # noqa: E402
from sdk_scripts.labelstudio.client import LabelStudioClient  # noqa: E402
from tests.support.shapes import write_test_images  # noqa: E402

DIRECT_BUCKET = "bench-direct"  # the bucket the backend reads itself (MEDIA_S3_DIRECT_BUCKETS); others via Label Studio
REPEATS = 3  # best of 3 timed passes after one warm-up pass (raw and /predict)
CONFIG = """<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image">
<Label value="circle"/><Label value="square"/><Label value="triangle"/></RectangleLabels></View>"""


def bench_raw(paths: list[str], batch: int, engine: str) -> float:
    """Raw ultralytics `model.predict` on the image files, `batch` at a time: torch, or the ONNX export on ONNX
    Runtime as the backend loads it (same session options), best of REPEATS passes after a warm-up."""
    import torch

    from ml_backend.weights import load_yolo, load_yolo_onnx

    torch.set_num_threads(1 if engine == "onnx" else os.cpu_count() or 1)
    model = load_yolo_onnx(str(SHIPPED_DETECTOR)) if engine == "onnx" else load_yolo(str(SHIPPED_DETECTOR))

    def one_pass() -> float:
        t = time.perf_counter()
        for i in range(0, len(paths), batch):
            list(model.predict(paths[i:i + batch], imgsz=320, conf=0.25, device="cpu", verbose=False, batch=batch))
        return len(paths) / (time.perf_counter() - t)

    one_pass()  # warm-up
    return max(one_pass() for _ in range(REPEATS))


def bench_backend(url: str, tasks: list[dict], batch: int, project: int | None = None) -> float:
    """/predict on `tasks`, `batch` per request, one request at a time: best of REPEATS passes after a warm-up."""
    def one_pass() -> float:
        t = time.perf_counter()
        for i in range(0, len(tasks), batch):
            chunk = tasks[i:i + batch]
            body = {"tasks": chunk, "label_config": CONFIG, **({"project": f"{project}"} if project else {})}
            r = httpx.post(f"{url}/predict", json=body, timeout=600)
            assert r.status_code == 200 and len(r.json()["results"]) == len(chunk)
            assert all(res["result"] for res in r.json()["results"][:1]), "the first image was not read"
        return len(tasks) / (time.perf_counter() - t)

    one_pass()  # warm-up
    return max(one_pass() for _ in range(REPEATS))


def local_tasks(paths: list[str]) -> list[dict]:
    return [{"id": i, "data": {"image": p}} for i, p in enumerate(paths)]


def timed_preannotate(client: LabelStudioClient, pid: int, backend_url: str | None, batch: int, **kwargs) -> float:
    """`labelops preannotate` of the whole project (its tasks hold no prediction yet): images/s."""
    from sdk_scripts.preannotate import preannotate

    t = time.perf_counter()
    r = preannotate(client, pid, backend_url=backend_url, batch_size=batch, progress=False, **kwargs)
    rate = r.predicted / (time.perf_counter() - t)
    assert r.predicted == len(list(client.iter_tasks(pid, with_annotations=False))), r
    return rate


def fetch_rate(client: LabelStudioClient, tasks: list[dict], pid: int, threads: int = 8) -> float:
    """Images/s fetched through the media resolver alone (the backend's FETCH_WORKERS threads), no model."""
    t = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        got = list(pool.map(lambda task: client.download(task["data"]["image"], task["id"], pid), tasks))
    assert all(got), "an image was not fetched"
    return len(tasks) / (time.perf_counter() - t)


def _stub_model(config: str) -> tuple[str, Callable[[list[dict]], list[dict]]]:
    """An in-process "model" that answers at once: preannotate's Label Studio traffic alone."""
    return "bench-stub", lambda tasks: [{"result": [], "score": 0.0, "model_version": "bench-stub"} for _ in tasks]


def s3_project(client: LabelStudioClient, base: str, s3: LocalS3, paths: list[str], bucket: str = "") -> int:
    """A project whose tasks are `paths` in an S3 bucket (default `bench-<project id>`), imported by an S3 source
    storage with presigned URLs."""
    pid = client.create_project(title=f"bench predict s3 {bucket}".rstrip(), label_config=CONFIG)["id"]
    bucket = bucket or f"bench-{pid}"
    s3.client().create_bucket(Bucket=bucket)
    for path in paths:
        s3.client().upload_file(path, bucket, f"shapes/{Path(path).name}")
    headers = client.auth_headers()
    storage = httpx.post(f"{base}/api/storages/s3/", headers=headers, timeout=120, json={
        "project": pid, "title": "bench", "regex_filter": r".*\.png", **s3.storage_fields(bucket, "shapes/")})
    assert storage.status_code == 201, storage.text
    sync = httpx.post(f"{base}/api/storages/s3/{storage.json()['id']}/sync", headers=headers, timeout=300)
    assert sync.status_code == 200, sync.text
    deadline = time.monotonic() + 120
    while len(list(client.iter_tasks(pid, with_annotations=False))) < len(paths):
        assert time.monotonic() < deadline, "the S3 storage sync did not import every image"
        time.sleep(0.5)
    return pid


def resolves_of(log_path: Path, bucket: str) -> int:
    """Requests Label Studio's resolve endpoint answered for objects of `bucket` (read from its request log)."""
    count = 0
    for fileuri in re.findall(r'/(?:resolve|presign)/\?fileuri=([^ "&]+)', log_path.read_text(errors="replace")):
        try:
            count += base64.urlsafe_b64decode(fileuri).decode().startswith(f"s3://{bucket}/")
        except (binascii.Error, UnicodeDecodeError):
            continue
    return count


def bench_label_studio(backend_env: dict, paths: list[str], batch: int, tmp: Path) -> dict[str, float]:
    """Images/s through a real Label Studio: /predict and `labelops preannotate` on uploaded images (Label Studio
    serves the bytes) and on images in S3 (moto on loopback; Label Studio's resolve endpoint answers each with a
    presigned URL the backend fetches from S3), the same images in a bucket the backend reads itself
    (MEDIA_S3_DIRECT_BUCKETS, boto3 get_object: no Label Studio request per image), and preannotate in-process.
    The media cache is off: every pass fetches every image, as a pre-annotation run does."""
    from sdk_scripts.devserver.label_studio import LocalLabelStudio
    from sdk_scripts.devserver.users import AdminCredentials
    from sdk_scripts.labelstudio.connection import Connection

    admin = AdminCredentials(username="bench@labelops.test", password="bench-password-1", token="bench-token-123456")
    rates: dict[str, float] = {}
    with LocalLabelStudio(tmp / "ls", admin) as ls, LocalS3(tmp / "moto.log") as s3:
        token = ls.admin_token  # a personal access token: Label Studio 1.23 turns legacy tokens off
        env = {**backend_env, "LABEL_STUDIO_URL": ls.url, "LABEL_STUDIO_API_KEY": token, "MEDIA_CACHE_BYTES": "0",
               # one bucket read by the backend itself, credentials and endpoint from boto3's chain
               "MEDIA_S3_DIRECT_BUCKETS": DIRECT_BUCKET, "AWS_ENDPOINT_URL_S3": s3.url, "AWS_ACCESS_KEY_ID": S3_KEY,
               "AWS_SECRET_ACCESS_KEY": S3_SECRET, "AWS_DEFAULT_REGION": S3_REGION}
        backend = LocalBackend(env=env, log_path=tmp / "backend-ls.log", threads=8).start()
        try:
            client = LabelStudioClient(Connection(ls.url, token))
            pid = client.create_project(title="bench predict", label_config=CONFIG)["id"]
            for i in range(0, len(paths), 32):
                client.upload_files(pid, paths[i:i + 32])
            bench_backend(backend.url, local_tasks(paths), batch)  # warm the backend on these very images
            rates["preannotate, uploads"] = timed_preannotate(client, pid, backend.url, batch, concurrency=2)
            uploads = [{"id": t["id"], "data": t["data"]} for t in client.iter_tasks(pid, with_annotations=False)]
            rates["predict, uploads"] = bench_backend(backend.url, uploads, batch, pid)
            pid_s3 = s3_project(client, ls.url, s3, paths)
            in_s3 = [{"id": t["id"], "data": t["data"]} for t in client.iter_tasks(pid_s3, with_annotations=False)]
            rates["predict, s3"] = bench_backend(backend.url, in_s3, batch, pid_s3)
            rates["preannotate, s3"] = timed_preannotate(client, pid_s3, backend.url, batch, concurrency=2)
            pid_direct = s3_project(client, ls.url, s3, paths, DIRECT_BUCKET)
            direct = [{"id": t["id"], "data": t["data"]}
                      for t in client.iter_tasks(pid_direct, with_annotations=False)]
            rates["predict, s3 direct"] = bench_backend(backend.url, direct, batch, pid_direct)
            rates["preannotate, s3 direct"] = timed_preannotate(client, pid_direct, backend.url, batch,
                                                                concurrency=2)
            assert resolves_of(ls.log_path, DIRECT_BUCKET) == 0, "direct reads went through Label Studio"
            assert resolves_of(ls.log_path, f"bench-{pid_s3}") > 0, "Label Studio's request log shows no resolve"
            # Label Studio's share alone: each image fetched through its resolve endpoint (no model), and a
            # preannotate run whose model answers at once (listing the tasks, writing predictions in bulk)
            rates["fetch only, s3"] = fetch_rate(client, in_s3, pid_s3)
            rates["preannotate stub, s3"] = timed_preannotate(client, pid_s3, None, batch, concurrency=2,
                                                              in_process=_stub_model)
            # in-process: same images in another project, the model runs inside this process
            os.environ.update({"LABEL_STUDIO_URL": ls.url, "LABEL_STUDIO_API_KEY": token,
                               "BATCH_SIZE": str(batch), "MEDIA_CACHE_BYTES": "0"})
            pid2 = client.create_project(title="bench predict in-process", label_config=CONFIG)["id"]
            for i in range(0, len(paths), 32):
                client.upload_files(pid2, paths[i:i + 32])
            from ml_backend.model import LabelopsModel, in_process_predictor

            LabelopsModel(label_config=CONFIG)  # load weights before timing, as the backend was warmed
            rates["preannotate in-process, uploads"] = timed_preannotate(client, pid2, None, batch, concurrency=1,
                                                                         in_process=in_process_predictor)
        finally:
            backend.stop()
    return rates


# -- inference speed per core: engines x request patterns, interleaved ------------------------------------------

# (row name, backend env): the path before request batching and ONNX Runtime (the baseline), torch on one thread
# (no OpenMP spin-waiting on a busy machine: a second reference), batching alone, batching on ONNX Runtime
ENGINES = (("torch, no batching (before)", {"INFERENCE_ENGINE": "torch", "PREDICT_BATCH_WINDOW_MS": "0"}),
           ("torch 1 thread, no batching", {"INFERENCE_ENGINE": "torch", "PREDICT_BATCH_WINDOW_MS": "0",
                                            "TORCH_THREADS": "1"}),
           ("torch + batching", {"INFERENCE_ENGINE": "torch"}),
           ("onnx + batching (default)", {"INFERENCE_ENGINE": "onnx"}))
PATTERNS = ("1-task sequential", "8 concurrent 1-task clients", "16-task requests")
CLIENTS = 8
TARGET_PER_CORE = 2.0  # ONNX + batching vs torch before, 8 concurrent 1-task clients: images per CPU-second


@dataclass
class Tally:
    """What one (engine, pattern) cell accumulated over the rounds."""

    images: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    batches: int = 0
    batched: int = 0

    @property
    def rate(self) -> float:
        return self.images / self.wall if self.wall else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.images if self.images else 0.0

    @property
    def per_core(self) -> float:
        """Images per CPU-second of the backend's processes (= images/s per fully used core)."""
        return self.images / self.cpu if self.cpu else 0.0


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a process from /proc/<pid>/stat; None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) ": state, ppid, ..., utime (14), stime (15)
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_cpu(backend: LocalBackend) -> float:
    """User + system CPU seconds of the backend's gunicorn master and its workers so far (Linux /proc)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and backend.pid in (int(entry.name), stat[0]):
            total += stat[1]
    return total


def _post(client: httpx.Client, url: str, chunk: list[str]) -> list[dict]:
    tasks = [{"id": i, "data": {"image": p}} for i, p in enumerate(chunk)]
    r = client.post(f"{url}/predict", json={"tasks": tasks, "label_config": CONFIG, "project": "1.1"}, timeout=600)
    assert r.status_code == 200 and len(r.json()["results"]) == len(chunk), r.text[:300]
    return r.json()["results"]


def run_pattern(url: str, pattern: str, paths: list[str]) -> list[dict]:
    """Send `paths` to the backend the pattern's way; the results in the order of `paths`."""
    if pattern == "1-task sequential":
        with httpx.Client() as client:
            return [_post(client, url, [p])[0] for p in paths]
    if pattern == "16-task requests":
        with httpx.Client() as client:
            return [r for i in range(0, len(paths), 16) for r in _post(client, url, paths[i:i + 16])]
    out: list[dict] = [{}] * len(paths)

    def client_loop(k: int) -> None:
        with httpx.Client() as client:
            for i in range(k, len(paths), CLIENTS):
                out[i] = _post(client, url, [paths[i]])[0]

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client_loop, range(CLIENTS)))
    return out


def same_boxes(a: list[dict], b: list[dict]) -> tuple[bool, int, float, float]:
    """(every task has the same labels with box IoU >= 0.99 and scores within 1e-3, boxes, min IoU, max |dconf|)."""
    from ml_backend.regions import box_iou
    from tests.support.shapes import pixel_box

    ok, boxes, worst_iou, worst_conf = True, 0, 1.0, 0.0
    for x, y in zip(a, b, strict=True):
        if len(x["result"]) != len(y["result"]):
            ok = False
            continue
        for rx, ry in zip(x["result"], y["result"], strict=True):
            boxes += 1
            worst_iou = min(worst_iou, box_iou(pixel_box(rx), pixel_box(ry)))
            worst_conf = max(worst_conf, abs(rx["score"] - ry["score"]))
            ok &= rx["value"]["rectanglelabels"] == ry["value"]["rectanglelabels"]
    return ok and worst_iou >= 0.99 and worst_conf <= 1e-3, boxes, worst_iou, worst_conf


def bench_engines(paths: list[str], env: dict, tmp: Path, rounds: int) -> tuple[dict, tuple]:
    """Every engine x pattern, interleaved: each round runs every cell once, so load on a shared machine hits
    all of them alike. ({(engine, pattern): Tally}, the box comparison of the first and last engine)."""
    backends = {name: LocalBackend(env={**env, **extra}, log_path=tmp / f"backend-{i}.log", threads=CLIENTS)
                for i, (name, extra) in enumerate(ENGINES)}
    tallies = {(name, pattern): Tally() for name, _ in ENGINES for pattern in PATTERNS}
    results: dict[str, list[dict]] = {}
    try:
        for backend in backends.values():
            backend.start()
            run_pattern(backend.url, "16-task requests", paths[:16])  # weights loaded, ONNX export made
        for _ in range(rounds):
            for pattern in PATTERNS:
                for name, backend in backends.items():
                    before_cpu, before = backend_cpu(backend), backend.metrics()
                    t = time.perf_counter()
                    got = run_pattern(backend.url, pattern, paths)
                    cell = tallies[(name, pattern)]
                    cell.wall += time.perf_counter() - t
                    cell.cpu += backend_cpu(backend) - before_cpu
                    cell.images += len(paths)
                    after = backend.metrics()
                    cell.batches += after.get("predict_batches", 0) - before.get("predict_batches", 0)
                    cell.batched += after.get("predict_batched_tasks", 0) - before.get("predict_batched_tasks", 0)
                    results.setdefault(name, got)
    finally:
        for backend in backends.values():
            backend.stop()
    first, last = ENGINES[0][0], ENGINES[-1][0]
    return tallies, same_boxes(results[first], results[last])


def print_engines(tallies: dict, boxes: tuple, rounds: int, n: int) -> None:
    print(f"\ninference speed per core: {n} images x {rounds} rounds per cell, engines interleaved in each round; "
          f"backend: 1 gunicorn worker x {CLIENTS} threads, CPU = its processes' user+system time")
    print(f"{'engine':<30}{'pattern':<30}{'images/s':>9}{'CPU ms/img':>11}{'img/CPU-s':>10}{'x before':>9}"
          f"{'batch':>6}")
    for pattern in PATTERNS:
        base = tallies[(ENGINES[0][0], pattern)]
        for name, _ in ENGINES:
            cell = tallies[(name, pattern)]
            batch = f"{cell.batched / cell.batches:.1f}" if cell.batches else "-"
            print(f"{name:<30}{pattern:<30}{cell.rate:>9.1f}{cell.cpu_ms:>11.1f}{cell.per_core:>10.1f}"
                  f"{cell.per_core / base.per_core:>8.2f}x{batch:>6}")
    ok, count, worst_iou, worst_conf = boxes
    print(f"same boxes ({ENGINES[-1][0]} vs {ENGINES[0][0]}, 16-task requests): {'yes' if ok else 'NO'} "
          f"({count} boxes, min IoU {worst_iou:.4f}, max |conf diff| {worst_conf:.2e})")
    pattern = "8 concurrent 1-task clients"
    best = tallies[(ENGINES[-1][0], pattern)].per_core
    gain = best / tallies[(ENGINES[0][0], pattern)].per_core
    verdict = "met" if gain >= TARGET_PER_CORE and ok else f"missed by {TARGET_PER_CORE - gain:.2f}x"
    print(f"target: >= {TARGET_PER_CORE:.0f}x images/s per core over torch for {pattern}, same boxes: "
          f"{gain:.2f}x — {verdict}; over {ENGINES[1][0]}: {best / tallies[(ENGINES[1][0], pattern)].per_core:.2f}x")


def print_header(a: argparse.Namespace) -> None:
    import onnxruntime
    import torch
    import ultralytics

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores (shared with other "
          f"jobs while measured), no GPU; {time.strftime('%Y-%m-%d %H:%M')}; Python {platform.python_version()}, "
          f"torch {torch.__version__}, ultralytics {ultralytics.__version__}, onnxruntime {onnxruntime.__version__}")
    print(f"images: {a.images} generated 320x320 shapes images, imgsz 320, shipped detector, BATCH_SIZE {a.batch}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--images", type=int, default=64)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the per-core comparison")
    p.add_argument("--part", choices=("all", "cores", "throughput"), default="all")
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-predict-"))
    os.environ.setdefault("LABELOPS_CACHE_DIR", str(tmp / "cache"))
    configure_offline()
    (tmp / "images").mkdir()
    paths = [str(path) for path, _ in write_test_images(tmp / "images", a.images, seed=4242, prefix="bench")]
    env = {"ALLOWED_LOCAL_DIRS": str(tmp / "images"), "BATCH_SIZE": str(a.batch), "LABELOPS_CACHE_DIR": str(tmp)}
    print_header(a)
    if a.part in ("all", "cores"):
        tallies, boxes = bench_engines(paths, env, tmp, a.rounds)
        print_engines(tallies, boxes, a.rounds, len(paths))
    if a.part in ("all", "throughput"):
        bench_throughput(paths, env, tmp, a.batch)


def bench_throughput(paths: list[str], env: dict, tmp: Path, batch: int) -> None:
    first = {engine: bench_raw(paths, batch, engine) for engine in ("torch", "onnx")}
    backend = LocalBackend(env=env, log_path=tmp / "backend.log", threads=8).start()
    try:
        local = bench_backend(backend.url, local_tasks(paths), batch)
    finally:
        backend.stop()
    rates = bench_label_studio(env, paths, batch, tmp)
    last = {engine: bench_raw(paths, batch, engine) for engine in ("torch", "onnx")}
    raw = {engine: (first[engine] + last[engine]) / 2 for engine in first}  # the load drifts during the run
    print(f"\nthroughput: {len(paths)} images, {batch} per request / model call; raw and /predict best of {REPEATS} "
          "passes after a warm-up (raw: the mean of a measure at the start and one at the end); the backend on its "
          "default engine (ONNX Runtime), media cache off")
    print(f"{'path':<62}{'images/s':>9}{'vs raw':>8}{'vs raw torch':>13}")
    rows = (("raw ultralytics model.predict, torch (local files)", raw["torch"]),
            ("raw ultralytics model.predict, ONNX Runtime (local files)", raw["onnx"]),
            ("backend /predict (local files)", local),
            ("backend /predict (uploads: Label Studio serves the bytes)", rates["predict, uploads"]),
            ("backend /predict (S3: Label Studio presigns, S3 serves)", rates["predict, s3"]),
            ("backend /predict (S3, direct reads: no Label Studio request)", rates["predict, s3 direct"]),
            ("labelops preannotate via backend (uploads)", rates["preannotate, uploads"]),
            ("labelops preannotate via backend (S3, presigned URLs)", rates["preannotate, s3"]),
            ("labelops preannotate via backend (S3, direct reads)", rates["preannotate, s3 direct"]),
            ("labelops preannotate in-process (uploads)", rates["preannotate in-process, uploads"]),
            ("Label Studio alone: the S3 images through its resolve (8 thr)", rates["fetch only, s3"]),
            ("Label Studio alone: preannotate, model answering at once", rates["preannotate stub, s3"]))
    for name, rate in rows:
        print(f"{name:<62}{rate:>9.1f}{rate / raw['onnx']:>7.0%}{rate / raw['torch']:>12.0%}")
    print(f"raw images/s at the start / end: torch {first['torch']:.1f} / {last['torch']:.1f}, "
          f"ONNX Runtime {first['onnx']:.1f} / {last['onnx']:.1f}")
    overhead = 1 - local / raw["onnx"]
    print(f"backend overhead vs raw (same engine): {overhead:.0%} (target <= 15%: "
          f"{'met' if overhead <= 0.15 else f'missed by {overhead - 0.15:.0%} points'}); "
          + "; ".join(f"preannotate from S3{how} / raw: {share:.0%} (target >= 85%: "
                      f"{'met' if share >= 0.85 else f'missed by {0.85 - share:.0%} points'})"
                      for how, share in (("", rates["preannotate, s3"] / raw["onnx"]),
                                         (" with direct reads", rates["preannotate, s3 direct"] / raw["onnx"]))))


if __name__ == "__main__":
    main()
