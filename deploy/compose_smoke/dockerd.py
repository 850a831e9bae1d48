"""A Docker daemon for the smoke test: the one already running, else one started here and stopped again by its PID."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from deploy.compose_smoke.netstate import NetState


def cache_root() -> Path:
    """Where the smoke test keeps its Docker data (image layers survive for the next run and the next clone)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "labelops" / "docker"


def answers(env: dict[str, str]) -> bool:
    """Whether a Docker daemon answers the client with this environment."""
    probe = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], env=env, capture_output=True)
    return probe.returncode == 0


@dataclass
class Daemon:
    """The daemon the smoke test talks to; `env` is the client environment that reaches it."""

    env: dict[str, str]
    process: subprocess.Popen | None = None  # set only when this run started it
    net_before: NetState | None = None
    log_path: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def started_here(self) -> bool:
        return self.process is not None

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the daemon this run started (by PID; never one it found running) and put the host back."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.net_before is not None:
            self.notes = self.net_before.restore()
        self.process = None


def connect(base_env: dict[str, str], root: Path | None = None, timeout: float = 60.0) -> Daemon:
    """The running daemon if one answers, else a dockerd started with data and exec roots under `root`."""
    if answers(base_env):
        return Daemon(env=dict(base_env))
    if os.geteuid() != 0:
        raise RuntimeError("no Docker daemon answers, and starting one (dockerd) needs root: run as root, or start "
                           "Docker and make its socket usable by this user")
    root = root or cache_root()
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "exec").mkdir(parents=True, exist_ok=True)
    socket = root / "docker.sock"
    env = {**base_env, "DOCKER_HOST": f"unix://{socket}"}
    net_before = NetState.save()
    log_path = root / "dockerd.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            ["dockerd", "--data-root", str(root / "data"), "--exec-root", str(root / "exec"),
             "--pidfile", str(root / "dockerd.pid"), "--host", f"unix://{socket}"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    daemon = Daemon(env=env, process=process, net_before=net_before, log_path=log_path)
    deadline = time.monotonic() + timeout
    while not answers(env):
        if process.poll() is not None or time.monotonic() > deadline:
            daemon.stop()
            tail = log_path.read_text(errors="replace").splitlines()[-15:]
            raise RuntimeError("dockerd did not start; its log ends:\n" + "\n".join(tail))
        time.sleep(0.5)
    return daemon
