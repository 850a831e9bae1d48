"""Where labelops keeps state between runs on this machine (review locks, import key indexes).

`LABELOPS_STATE_DIR`, else `$XDG_STATE_HOME/labelops`, else `~/.local/state/labelops`; files in it are named per
Label Studio server by `server_slug` (a hash of its URL), so two servers' projects with one id never meet.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

STATE_DIR_ENV = "LABELOPS_STATE_DIR"


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(STATE_DIR_ENV):
        return Path(env[STATE_DIR_ENV]).expanduser()
    base = env.get("XDG_STATE_HOME") or str(Path("~/.local/state").expanduser())
    return Path(base) / "labelops"


def server_slug(url: str) -> str:
    """A short stable name for a Label Studio server (its URL hashed; the URL itself may hold a password)."""
    return hashlib.sha1(url.rstrip("/").encode()).hexdigest()[:12]
