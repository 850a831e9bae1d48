"""A throwaway multi-node Ray cluster on this machine (tests, benchmarks): a head node plus worker nodes.

Each node is `ray start --block` in a session of its own, so every process of a node — raylet, agents, the
worker processes of its tasks and actors (each in its own process group, in the node's session) — is found
by that session id: `kill_node` SIGKILLs one node's processes at once (a machine lost), `stop` ends them
all (SIGTERM, then SIGKILL), and nothing of the cluster outlives it. `ray stop` is never used: it ends every
Ray process of the user on the machine, other clusters' included.

The nodes advertise 127.0.0.2 (Ray replaces 127.0.0.1 and localhost by the machine's network address; other
loopback addresses are kept), require a token generated per cluster (RAY_AUTH_MODE=token: drivers need
`env()`), keep their temp dir (`--temp-dir`, logs) under `root`, start no dashboard and send no usage stats.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sdk_scripts.devserver.ports import free_port

HOST = "127.0.0.2"
STARTED = "Ray runtime started."


@dataclass
class RayNode:
    """One `ray start --block` process (its session holds the node's processes) and its log."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def pids(self) -> list[int]:
        """Every live process of this node: the members of its session."""
        return session_members(self.proc.pid)


def session_members(sid: int) -> list[int]:
    """The processes whose session id is `sid` (Linux /proc), zombies left out."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) ": state, ppid, pgrp, session, ...
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


@dataclass
class LocalRayCluster:
    """`start()` a head and `workers` worker nodes of `cpus` CPUs each; `address`, `env()`, `kill_node`, `stop()`."""

    root: Path
    workers: int = 1
    cpus: int = 1
    object_store_bytes: int = 100_000_000
    host: str = HOST
    port: int = field(default_factory=free_port)
    client_port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    nodes: list[RayNode] = field(default_factory=list)

    @property
    def address(self) -> str:
        """The head's GCS address (`ray start --address`, `ray.init(address=...)`)."""
        return f"{self.host}:{self.port}"

    @property
    def client_address(self) -> str:
        """The head's Ray Client address (`ray://`)."""
        return f"ray://{self.host}:{self.client_port}"

    def env(self) -> dict[str, str]:
        """What a driver (and every node) needs in its environment: the token, no usage stats."""
        return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": self.token, "RAY_USAGE_STATS_ENABLED": "0"}

    def __enter__(self) -> LocalRayCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 120.0) -> LocalRayCluster:
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            self._start_node("head", ["--head", "--port", str(self.port), "--ray-client-server-port",
                                      str(self.client_port), "--include-dashboard", "false"], timeout)
            for _ in range(self.workers):
                self.add_worker(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def add_worker(self, timeout: float = 120.0, attempts: int = 2) -> RayNode:
        """One more worker node (a replacement for a lost one, say).

        A node that does not come up is killed and started again, `attempts` times in all: Ray gives a new
        raylet a fixed 30 s to register with the head, which a loaded machine can miss.
        """
        name = f"worker{len(self.nodes)}"
        for attempt in range(1, attempts + 1):
            try:
                return self._start_node(name, ["--address", self.address], timeout)
            except RuntimeError:
                self.kill_node(self.nodes.pop())
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def _start_node(self, name: str, role: list[str], timeout: float) -> RayNode:
        log_path = self.root / f"{name}.log"
        args = [sys.executable, "-m", "ray.scripts.scripts", "start", "--block", *role, "--node-ip-address", self.host,
                "--num-cpus", str(self.cpus), "--num-gpus", "0", "--object-store-memory", str(self.object_store_bytes),
                "--temp-dir", str(self.root / "tmp"), "--disable-usage-stats"]
        with log_path.open("ab") as log:
            proc = subprocess.Popen(args, env={**os.environ, **self.env()}, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        node = RayNode(name, proc, log_path)
        self.nodes.append(node)
        deadline = time.monotonic() + timeout
        while STARTED not in log_path.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-1500:]
                raise RuntimeError(f"Ray {name} node did not start (exit {proc.poll()}); {log_path}:\n{tail}"
                                   f"{self._log_tails()}")
            time.sleep(0.2)
        if name == "head":
            _wait_port(self.host, self.port, deadline)
        return node

    def kill_node(self, node: RayNode) -> None:
        """SIGKILL every process of `node` at once, as when its machine is lost."""
        _signal_all(node.pids(), signal.SIGKILL)
        node.proc.wait(10)

    def stop(self, grace: float = 10.0) -> None:
        """End every node (workers first), SIGTERM then SIGKILL; no process of the cluster is left."""
        for node in reversed(self.nodes):
            _signal_all(node.pids(), signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(node.pids() for node in self.nodes):
            time.sleep(0.2)
        deadline = time.monotonic() + grace  # SIGKILL again what a dying raylet started meanwhile
        while (left := [pid for node in self.nodes for pid in node.pids()]) and time.monotonic() < deadline:
            _signal_all(left, signal.SIGKILL)
            time.sleep(0.2)
        for node in self.nodes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                node.proc.wait(10)
        self.nodes.clear()
        if left:
            raise RuntimeError(f"Ray processes still running after stop: {left}")

    def _log_tails(self, lines: int = 8) -> str:
        """The last lines of the head's GCS log and of the newest raylet log: why a node could not join."""
        session = self.session_dir()
        if session is None:
            return ""
        logs = session / "logs"
        raylets = sorted(logs.glob("raylet*.out"), key=lambda p: p.stat().st_mtime)
        out = []
        for path in [logs / "gcs_server.out", *raylets[-1:]]:
            if path.is_file():
                kept = [line for line in path.read_text(errors="replace").splitlines() if "[state-dump]" not in line]
                tail = kept[-lines:]
                out.append(f"\n--- {path}:\n" + "\n".join(line[:300] for line in tail))
        return "".join(out)

    def session_dir(self) -> Path | None:
        """The head's session directory (logs), once started."""
        head = self.nodes[0].log_path.read_text(errors="replace") if self.nodes else ""
        match = re.search(r"(\S*/session_[\w-]+)/logs", head)
        return Path(match[1]) if match else None


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _wait_port(host: str, port: int, deadline: float) -> None:
    while True:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on {host}:{port}") from None
            time.sleep(0.2)
