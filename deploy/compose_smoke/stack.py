"""One compose project of the smoke test: docker compose with its own project name, env file and override file."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from deploy.compose_smoke.shell import run, run_streamed

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
OVERRIDE_FILE = Path(__file__).resolve().parent / "docker-compose.smoke.yml"
ENV_EXAMPLE = REPO / ".env.example"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # compose logs keeps some even with --no-color


SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET", "PASS")


def env_example_values(text: str) -> dict[str, str]:
    """KEY=VALUE lines of an env file (comments and blank lines skipped)."""
    lines = (line.strip() for line in text.splitlines())
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#") and "=" in line)


def smoke_settings(example: dict[str, str], port: int, train_min_annotations: int) -> dict[str, str]:
    """The throwaway `.env`: `.env.example` as a user copies it, each secret replaced by a random one of the
    placeholder's length (so a placeholder Label Studio cannot store fails here too), basic auth on, a free port."""
    values = {key: (secrets.token_hex(len(value))[:len(value)] if value and any(w in key for w in SECRET_WORDS)
                    else value) for key, value in example.items()}
    values.update(LABEL_STUDIO_PORT=str(port), TRAIN_MIN_ANNOTATIONS=str(train_min_annotations), LABELOPS_PROJECTS="",
                  BASIC_AUTH_USER="smoke", BASIC_AUTH_PASS=secrets.token_hex(12), TRAIN_QUEUE="embedded", REDIS_URL="")
    return values


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


# log lines that say nothing about a failure: health probes and the smoke's own polling of the project
ROUTINE = re.compile(r'"GET /health HTTP|"GET /api/projects/\d+/ HTTP')


def diagnostic_lines(log: str) -> list[str]:
    """A service log's lines without the routine ones, each once (Label Studio prints some lines twice)."""
    out: list[str] = []
    for line in log.splitlines():
        if line.strip() and not ROUTINE.search(line) and (not out or out[-1] != line):
            out.append(line)
    return out


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

    def compose(self, *args: str, timeout: float | None = None, tail_lines: int = 30) -> str:
        return run(self.command(*args), self.env, self.log, cwd=REPO, timeout=timeout, tail_lines=tail_lines)

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
            return ANSI_ESCAPE.sub("", self.compose("logs", "--no-color", "--tail", str(lines), *services))
        except Exception as exc:  # the logs are a diagnosis; their absence must not hide the real failure
            return f"(no logs: {exc})"

    def log_tails(self, services: list[str], lines: int = 40) -> str:
        """The last `lines` lines of each service's log that are not health probes or the smoke's own polling."""
        return "\n".join(f"--- {name} ---\n" + "\n".join(diagnostic_lines(self.logs(name, lines=1000))[-lines:])
                         for name in services)

    def down(self) -> None:
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "20")
