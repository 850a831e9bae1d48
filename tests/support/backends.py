"""The backend under test: the network guard its process runs with, what a test knows of it, its training runs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import httpx

# TRAIN_MIN_ANNOTATIONS of the backends the training tests start: a run every MIN_NEW new annotations.
MIN_NEW = 5
# Put on a subprocess's PYTHONPATH: its sitecustomize lets only loopback and Unix sockets connect.
NETGUARD_DIR = str(Path(__file__).resolve().parent / "netguard")


@dataclass
class BackendUnderTest:
    """The real backend process (gunicorn) and what the tests need to know about its environment."""

    server: object
    url: str
    image_dir: str
    netguard_log: str
    # MODELS_ROOT: where a labeling config's model_path="..." files are read from
    models_dir: str = ""


def training_history(url: str, pid: int) -> list[dict]:
    """The project's training runs as the backend at `url` lists them (`/al/status`)."""
    return httpx.get(f"{url}/al/status", params={"project": pid}, timeout=30).json()["history"]


def wait_for_runs(url: str, pid: int, count: int, timeout: float = 180) -> list[dict]:
    """Wait until `count` history entries exist and no run is going; the history."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = httpx.get(f"{url}/al/status", params={"project": pid}, timeout=30).json()
        if len(status["history"]) >= count and not status["training"]["running"]:
            return status["history"]
        time.sleep(0.3)
    raise AssertionError(f"only {len(training_history(url, pid))} of {count} runs after {timeout} s")
