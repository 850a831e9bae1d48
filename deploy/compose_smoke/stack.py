"""One compose project of the smoke test: docker compose with its own project name, env file and override file."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from deploy.compose_smoke.shell import run, run_streamed

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
OVERRIDE_FILE = Path(__file__).resolve().parent / "docker-compose.smoke.yml"


def smoke_settings(port: int, train_min_annotations: int) -> dict[str, str]:
    """The throwaway `.env` values: fresh secrets (the token 40 hex digits, Label Studio's limit), a free port."""
    return {"POSTGRES_PASSWORD": secrets.token_hex(16), "LABEL_STUDIO_PORT": str(port),
            "LABEL_STUDIO_USERNAME": "admin@smoke.labelops.internal", "LABEL_STUDIO_PASSWORD": secrets.token_hex(12),
            "LABEL_STUDIO_USER_TOKEN": secrets.token_hex(20), "TRAIN_QUEUE": "embedded",
            "TRAIN_MIN_ANNOTATIONS": str(train_min_annotations), "LABELOPS_PROJECTS": ""}


def write_env_file(path: Path, values: dict[str, str]) -> Path:
    """The throwaway `.env` of the smoke stack (mode 600: it holds passwords)."""
    path.touch(mode=0o600)
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    return path


def parse_ps(output: str) -> list[dict]:
    """`docker compose ps --format json` output: a JSON list (older Compose) or one JSON object a line."""
    text = output.strip()
    if not text:
        return []
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def pending(containers: list[dict], services: list[str], one_shot: list[str]) -> tuple[list[str], list[str]]:
    """(services not ready yet, services that failed) from `ps` rows.

    A long-running service is ready when its health is `healthy` (or it has no health check and runs), failed
    when it exited, restarts or is `unhealthy`; a one-shot service is ready when it exited 0, failed on another code.
    """
    rows = {row.get("Service"): row for row in containers}
    waiting, failed = [], []
    for name in services + one_shot:
        row = rows.get(name)
        if row is None:
            waiting.append(name)
            continue
        state, health, code = row.get("State", ""), row.get("Health", ""), row.get("ExitCode", 0)
        if name in one_shot:
            if state != "exited":
                waiting.append(name)
            elif code:
                failed.append(f"{name} (exit {code})")
        elif state in ("exited", "dead", "restarting") or health == "unhealthy":
            failed.append(f"{name} ({health or state})")
        elif health != "healthy" and not (health == "" and state == "running"):
            waiting.append(name)
    return waiting, failed


@dataclass
class Stack:
    """`docker compose -p PROJECT --env-file ENV -f docker-compose.yml -f the smoke override ...`."""

    project: str
    env_file: Path
    env: dict[str, str]
    log: Path

    def command(self, *args: str) -> list[str]:
        return ["docker", "compose", "-p", self.project, "--env-file", str(self.env_file),
                "-f", str(COMPOSE_FILE), "-f", str(OVERRIDE_FILE), *args]

    def compose(self, *args: str, timeout: float | None = None) -> str:
        return run(self.command(*args), self.env, self.log, cwd=REPO, timeout=timeout)

    def build(self, service: str) -> None:
        run_streamed(self.command("build", service), self.env, self.log, cwd=REPO)

    def wait_ready(self, services: list[str], one_shot: list[str], timeout: float) -> None:
        """Until every service is healthy and every one-shot service exited 0; RuntimeError on failure or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            waiting, failed = pending(parse_ps(self.compose("ps", "--all", "--format", "json")), services, one_shot)
            if failed:
                raise RuntimeError(f"service(s) failed: {', '.join(failed)}")
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {timeout:.0f} s: {', '.join(waiting)}")
            time.sleep(3)

    def logs(self, *services: str, lines: int = 40) -> str:
        try:
            return self.compose("logs", "--no-color", "--tail", str(lines), *services)
        except Exception as exc:  # the logs are a diagnosis; their absence must not hide the real failure
            return f"(no logs: {exc})"

    def down(self) -> None:
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "20")
