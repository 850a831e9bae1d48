"""Start our ML backend as a real gunicorn subprocess on a free loopback port (demo, tests, benchmarks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sdk_scripts.devserver.ports import free_port


class LocalBackend:
    """`python -m ml_backend` in its own process group; `url`, `start()`, `stop()`, `health()`."""

    def __init__(self, env: dict[str, str] | None = None, log_path: Path | None = None, workers: int = 1,
                 port: int | None = None, threads: int = 4) -> None:
        self.port = port or free_port()
        self.env = {**os.environ, **(env or {})}
        self.log_path = Path(log_path or f"/tmp/labelops-backend-{self.port}.log")
        self.workers = workers
        self.threads = threads
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def auth(self) -> tuple[str, str] | None:
        """The basic-auth credentials the backend requires (BASIC_AUTH_USER / BASIC_AUTH_PASS in its env)."""
        user, password = self.env.get("BASIC_AUTH_USER", ""), self.env.get("BASIC_AUTH_PASS", "")
        return (user, password) if user and password else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> LocalBackend:
        log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "ml_backend", "--port", str(self.port), "--workers", str(self.workers),
             "--threads", str(self.threads)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"backend exited with {self._proc.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2, auth=self.auth).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"backend did not start within {timeout} s; see {self.log_path}")

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The gunicorn master's process id (its workers are its children), None when not started."""
        return self._proc.pid if self._proc is not None else None

    def health(self) -> dict:
        return httpx.get(f"{self.url}/health", timeout=10, auth=self.auth).json()

    def metrics(self) -> dict[str, int]:
        """The worker's counters (`/metrics`): weights loads, model calls, coalesced /predict batches."""
        return httpx.get(f"{self.url}/metrics", timeout=10, auth=self.auth).json()

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
