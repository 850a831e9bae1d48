"""The shipped detector's training path, rerun tiny (8 images, 1 epoch, 64 px) offline in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.backends import NETGUARD_DIR


def test_tiny_training_run_writes_loadable_weights_offline(tmp_path) -> None:
    out = tmp_path / "tiny.pt"
    guard_log = tmp_path / "netguard.log"
    env = {**os.environ, "PYTHONPATH": NETGUARD_DIR, "NETGUARD_LOG": str(guard_log),
           "LABELOPS_CACHE_DIR": str(tmp_path / "cache"), "YOLO_CONFIG_DIR": str(tmp_path / "ultralytics")}
    run = subprocess.run(
        [sys.executable, "-m", "ml_backend.training.make_shapes_detector", "--out", str(out), "--train", "8",
         "--val", "4", "--epochs", "1", "--imgsz", "64", "--batch", "4", "--workdir", str(tmp_path / "work")],
        env=env, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-2000:]
    assert out.exists() and 1e6 < out.stat().st_size < 20e6
    check = subprocess.run(
        [sys.executable, "-c", f"from ultralytics import YOLO; print(sorted(YOLO({str(out)!r}).names.values()))"],
        env=env, capture_output=True, text=True, timeout=120)
    assert check.stdout.strip() == "['circle', 'square', 'triangle']", check.stderr[-2000:]
    assert not guard_log.exists() or guard_log.read_text() == ""
