"""The Label Studio layer: client, connection, tokens, media, project uid, Data Manager tabs, links, backend API.

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
    "project_uid": "project_ids",
    "project_uid_parts": "project_ids",
    "project_id_from": "project_ids",
    "ALL_STRATEGIES": "strategy_names",
    "backend_auth": "backend_api",
    "backend_setup": "backend_api",
    "backend_predict": "backend_api",
    "backend_al_status": "backend_api",
    "backend_rollback": "backend_api",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
