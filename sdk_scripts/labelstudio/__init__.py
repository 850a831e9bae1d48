"""The Label Studio layer: the client, connection, tokens, media, Data Manager tabs and task links.

Both sides import it (the CLI and its domain packages, and the ML backend); it imports neither. Names
are loaded on first use, so `from sdk_scripts.labelstudio import Connection` does not pull in the SDK.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "LabelStudioClient": "client",
    "Connection": "connection",
    "load_connection": "connection",
    "MediaError": "media",
    "MediaPolicy": "media",
    "MediaResolver": "media",
    "MediaCache": "media",
    "ensure_default_tab": "dm_views",
    "task_url": "links",
    "task_link": "links",
    "token_kind": "tokens",
    "redact_url": "tokens",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
