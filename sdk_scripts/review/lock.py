"""One review-loop run at a time per source project on this machine: an advisory file lock.

`review push` and `review pull` read the review project, then create what is missing; two runs at
once would each create the same review tasks (or ground-truth annotations). They take
`project_lock(url, project_id)` first: `fcntl.flock` on `<state dir>/locks/review-<server>-<id>.lock`
(state dir: `LABELOPS_STATE_DIR`, else `$XDG_STATE_HOME/labelops`, else `~/.local/state/labelops`).
The kernel drops the lock when the process ends, however it ends, so a crash never leaves it
stuck. A second run waits (up to `LABELOPS_LOCK_TIMEOUT` seconds, default 600) and then sees the
first run's work. Runs on other machines are not covered by this lock; `push` also removes
duplicates it finds after creating (see `push`).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sdk_scripts.errors import LabelopsError
from sdk_scripts.state_dir import STATE_DIR_ENV, server_slug, state_dir

__all__ = ["STATE_DIR_ENV", "lock_path", "project_lock", "state_dir"]

TIMEOUT_ENV = "LABELOPS_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 600.0


def lock_path(url: str, project_id: int, env: Mapping[str, str] | None = None) -> Path:
    return state_dir(env) / "locks" / f"review-{server_slug(url)}-{project_id}.lock"


def _timeout(env: Mapping[str, str]) -> float:
    raw = env.get(TIMEOUT_ENV, "").strip()
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise LabelopsError(f"{TIMEOUT_ENV} must be a number of seconds, got {raw!r}")
    return value


@contextmanager
def project_lock(url: str, project_id: int, *, on_wait: Callable[[Path], None] | None = None,
                 env: Mapping[str, str] | None = None) -> Iterator[Path]:
    """Hold the review lock of one source project for the duration of the `with` block."""
    env = os.environ if env is None else env
    path = lock_path(url, project_id, env)
    timeout = _timeout(env)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise LabelopsError(f"cannot create the review lock {path}: {exc.strerror}") from None
    try:
        deadline = time.monotonic() + timeout
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited and on_wait is not None:
                    on_wait(path)
                waited = True
                if time.monotonic() >= deadline:
                    raise LabelopsError(
                        f"another labelops review run on project {project_id} has held {path} for over "
                        f"{timeout:g} s; wait for it to finish (or raise {TIMEOUT_ENV})") from None
                time.sleep(0.2)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock
