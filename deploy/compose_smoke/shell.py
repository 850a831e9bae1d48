"""Running the smoke test's commands: output to a log file, a failure as one error carrying the log's tail."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path


class CommandFailed(RuntimeError):
    """A command exited non-zero; the message names it and ends with the last lines of its output."""


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run(cmd: Sequence[str], env: dict[str, str], log: Path | None = None, *, cwd: Path | None = None,
        stdin: str | None = None, timeout: float | None = None, tail_lines: int = 30) -> str:
    """Run `cmd`; its stdout (all its output is appended to `log`). Non-zero exit -> CommandFailed with the
    last `tail_lines` lines of its output."""
    proc = subprocess.run(list(cmd), env=env, cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=timeout)
    output = proc.stdout + proc.stderr
    if log is not None:
        with log.open("a") as handle:
            handle.write(f"$ {' '.join(cmd)}\n{output}\n")
    if proc.returncode != 0:
        raise CommandFailed(f"`{' '.join(cmd[:4])} ...` exited {proc.returncode}:\n{tail(output, tail_lines)}")
    return proc.stdout


def run_streamed(cmd: Sequence[str], env: dict[str, str], log: Path, *, cwd: Path | None = None) -> None:
    """Run a long command (an image build) with its output going to `log` only. Non-zero exit -> CommandFailed."""
    with log.open("a") as handle:
        handle.write(f"$ {' '.join(cmd)}\n")
        handle.flush()
        code = subprocess.run(list(cmd), env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT).returncode
    if code != 0:
        raise CommandFailed(f"`{' '.join(cmd[:4])} ...` exited {code} (log: {log}):\n"
                            f"{tail(log.read_text(errors='replace'))}")
