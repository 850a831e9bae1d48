"""Benchmark: raw ultralytics `model.predict` vs /predict through the backend vs `labelops preannotate`.

Same synthetic images in one run, shipped detector, imgsz 320, batch 16, CPU. Prints images/s and
the ratios against raw (targets: backend overhead <= 15 %, preannotate >= 85 % of raw).
Run: `make bench` or `.venv/bin/python bench/predict.py [--images 64]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ml_backend.offline import configure_offline  # noqa: E402
from ml_backend.settings import SHIPPED_DETECTOR  # noqa: E402
from sdk_scripts.devserver.backend import LocalBackend  # noqa: E402
from tests.support.shapes import write_test_images  # noqa: E402

REPEATS = 3  # best of 3 timed passes after one warm-up pass (raw and /predict)
CONFIG = """<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image">
<Label value="circle"/><Label value="square"/><Label value="triangle"/></RectangleLabels></View>"""


def bench_raw(paths: list[str], batch: int) -> float:
    import torch
    from ultralytics import YOLO

    torch.set_num_threads(os.cpu_count() or 1)
    model = YOLO(str(SHIPPED_DETECTOR))
    def one_pass() -> float:
        t = time.perf_counter()
        for i in range(0, len(paths), batch):
            list(model.predict(paths[i:i + batch], imgsz=320, conf=0.25, device="cpu", verbose=False, batch=batch))
        return len(paths) / (time.perf_counter() - t)

    one_pass()  # warm-up
    return max(one_pass() for _ in range(REPEATS))


def bench_backend(url: str, paths: list[str], batch: int) -> float:
    def call(chunk: list[str]) -> None:
        tasks = [{"id": i, "data": {"image": p}} for i, p in enumerate(chunk)]
        r = httpx.post(f"{url}/predict", json={"tasks": tasks, "label_config": CONFIG}, timeout=600)
        assert r.status_code == 200 and len(r.json()["results"]) == len(chunk)

    def one_pass() -> float:
        t = time.perf_counter()
        for i in range(0, len(paths), batch):
            call(paths[i:i + batch])
        return len(paths) / (time.perf_counter() - t)

    one_pass()  # warm-up
    return max(one_pass() for _ in range(REPEATS))


def bench_preannotate(backend_env: dict, paths: list[str], batch: int, tmp: Path) -> tuple[float, float, float]:
    """(preannotate via backend, preannotate in-process, /predict on the same backend) images/s, real Label Studio."""
    from sdk_scripts.devserver.label_studio import LocalLabelStudio
    from sdk_scripts.devserver.users import AdminCredentials
    from sdk_scripts.labelstudio.client import LabelStudioClient
    from sdk_scripts.labelstudio.connection import Connection
    from sdk_scripts.preannotate import preannotate

    admin = AdminCredentials(username="bench@labelops.test", password="bench-password-1", token="bench-token-123456")
    with LocalLabelStudio(tmp / "ls", admin) as ls:
        backend = LocalBackend(env={**backend_env, "LABEL_STUDIO_URL": ls.url, "LABEL_STUDIO_API_KEY": admin.token},
                               log_path=tmp / "backend-ls.log").start()
        try:
            client = LabelStudioClient(Connection(ls.url, admin.token))
            pid = client.create_project(title="bench predict", label_config=CONFIG)["id"]
            for i in range(0, len(paths), 32):
                client.upload_files(pid, paths[i:i + 32])
            bench_backend(backend.url, paths, batch)  # warm the backend on these very images
            t = time.perf_counter()
            r = preannotate(client, pid, backend_url=backend.url, batch_size=batch, concurrency=2, progress=False)
            rate = r.predicted / (time.perf_counter() - t)
            assert r.predicted == len(paths)
            # in-process: same images in a second project, the model runs inside this process
            os.environ.update({"LABEL_STUDIO_URL": ls.url, "LABEL_STUDIO_API_KEY": admin.token,
                               "BATCH_SIZE": str(batch)})
            pid2 = client.create_project(title="bench predict in-process", label_config=CONFIG)["id"]
            for i in range(0, len(paths), 32):
                client.upload_files(pid2, paths[i:i + 32])
            from ml_backend.model import LabelopsModel, in_process_predictor

            LabelopsModel(label_config=CONFIG)  # load weights before timing, as the backend was warmed
            t = time.perf_counter()
            r2 = preannotate(client, pid2, backend_url=None, batch_size=batch, concurrency=1, progress=False,
                             in_process=in_process_predictor)
            rate_in_process = r2.predicted / (time.perf_counter() - t)
            ls_urls = [t["data"]["image"] for t in client.iter_tasks(pid)]
            return rate, rate_in_process, bench_backend(backend.url, ls_urls, batch)
        finally:
            backend.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--images", type=int, default=64)
    p.add_argument("--batch", type=int, default=16)
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-predict-"))
    os.environ.setdefault("LABELOPS_CACHE_DIR", str(tmp / "cache"))
    configure_offline()
    (tmp / "images").mkdir()
    paths = [str(path) for path, _ in write_test_images(tmp / "images", a.images, seed=4242, prefix="bench")]
    env = {"ALLOWED_LOCAL_DIRS": str(tmp / "images"), "BATCH_SIZE": str(a.batch), "LABELOPS_CACHE_DIR": str(tmp)}

    raw = bench_raw(paths, a.batch)
    backend = LocalBackend(env=env, log_path=tmp / "backend.log").start()
    try:
        via_backend = bench_backend(backend.url, paths, a.batch)
    finally:
        backend.stop()
    pre, pre_in_process, via_backend_ls = bench_preannotate(env, paths, a.batch, tmp)

    print(f"hardware: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, no GPU; "
          f"{a.images} images 320x320, imgsz 320, batch {a.batch}")
    print(f"{'path':<44}{'images/s':>10}{'vs raw':>9}")
    for name, rate in (("raw ultralytics model.predict", raw), ("backend /predict (local files)", via_backend),
                       ("backend /predict (images served by LS)", via_backend_ls),
                       ("labelops preannotate (via backend)", pre),
                       ("labelops preannotate (in-process)", pre_in_process)):
        print(f"{name:<44}{rate:>10.1f}{rate / raw:>8.0%}")
    print(f"backend overhead vs raw: {1 - via_backend / raw:.0%} (target <= 15%); "
          f"preannotate / raw: {pre / raw:.0%} (target >= 85%)")


if __name__ == "__main__":
    main()
