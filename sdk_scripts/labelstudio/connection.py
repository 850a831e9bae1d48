"""Where labelops finds Label Studio: URL and API token from the environment or a config file.

Precedence: `LABEL_STUDIO_URL` / `LABEL_STUDIO_API_KEY` from the environment, then the TOML file
named by `--config` or `LABELOPS_CONFIG`, then `~/.config/labelops/config.toml`:

    [label_studio]
    url = "http://localhost:8080"
    api_key = "..."

The token is kept out of every repr and message.
"""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sdk_scripts.errors import LabelopsError

ENV_URL = "LABEL_STUDIO_URL"
ENV_API_KEY = "LABEL_STUDIO_API_KEY"
ENV_CONFIG = "LABELOPS_CONFIG"
DEFAULT_CONFIG_PATH = Path("~/.config/labelops/config.toml")


@dataclass(frozen=True)
class Connection:
    """How to reach one Label Studio server."""

    url: str
    api_key: str = field(repr=False)


def _read_config_file(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise LabelopsError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise LabelopsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise LabelopsError(f"config file {path}: cannot read it ({exc.strerror})") from None
    mode = path.stat().st_mode
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        print(f"labelops: warning: {path} holds an API token and is readable by others; chmod 600 it",
              file=sys.stderr)
    section = data.get("label_studio", {})
    if not isinstance(section, dict):
        raise LabelopsError(f"{path}: [label_studio] must be a table")
    return section


def load_connection(config_path: Path | None = None, env: Mapping[str, str] = os.environ) -> Connection:
    """Resolve the Label Studio URL and token; raise a LabelopsError naming what is missing."""
    explicit = config_path or (Path(env[ENV_CONFIG]) if env.get(ENV_CONFIG) else None)
    path = (explicit or DEFAULT_CONFIG_PATH).expanduser()
    if explicit is not None and not path.is_file():
        raise LabelopsError(f"config file {path} does not exist")
    from_file = _read_config_file(path) if path.is_file() else {}
    url = env.get(ENV_URL) or from_file.get("url")
    api_key = env.get(ENV_API_KEY) or from_file.get("api_key")
    missing = [name for name, value in ((ENV_URL, url), (ENV_API_KEY, api_key)) if not value]
    if missing:
        raise LabelopsError(
            f"no Label Studio connection: set {' and '.join(missing)} or put url/api_key under "
            f"[label_studio] in {path}"
        )
    if not str(url).startswith(("http://", "https://")):
        raise LabelopsError(f"Label Studio URL must start with http:// or https://, got {url!r}")
    try:
        parts = urlsplit(str(url))
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        raise LabelopsError(f"Label Studio URL {url!r} is not a valid URL ({exc})") from None
    if not parts.hostname:
        raise LabelopsError(f"Label Studio URL {url!r} names no host")
    return Connection(url=str(url).rstrip("/"), api_key=str(api_key))
