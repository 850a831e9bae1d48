"""Local processes for the demo, the tests, the benchmarks and the compose smoke: Label Studio, PostgreSQL, the backend.

`label_studio` (a real Label Studio server from the pip package), `users` (its admin, annotators and
personal access tokens, through Label Studio's own web flows), `postgres` (a throwaway PostgreSQL
cluster), `backend` (our ML backend under gunicorn), `ports` (the one `free_port`). Nothing in the
runtime packages imports this one. Names load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "LocalLabelStudio": "label_studio",
    "AdminCredentials": "users",
    "Annotator": "users",
    "login_session": "users",
    "create_personal_access_token": "users",
    "LocalPostgres": "postgres",
    "PostgresDatabase": "postgres",
    "LocalBackend": "backend",
    "free_port": "ports",
    "port_is_free": "ports",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
