"""The test session's Label Studio: its admin, its database, its users' clients, unique project titles."""

from __future__ import annotations

import itertools
import os

import pytest
from label_studio_sdk import LabelStudio

from sdk_scripts.devserver.label_studio import LocalLabelStudio
from sdk_scripts.devserver.users import AdminCredentials, Annotator
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.connection import Connection

TEST_ADMIN = AdminCredentials(
    username="admin@labelops.test", password="labelops-test-password", token="labelops-test-token-4f1c9a"
)

# Which database the session's Label Studio runs on: "sqlite" (default) or "postgres".
TEST_DB = os.environ.get("LABELOPS_TEST_DB", "sqlite").strip().lower() or "sqlite"
if TEST_DB not in ("sqlite", "postgres"):
    raise pytest.UsageError(f"LABELOPS_TEST_DB must be 'sqlite' or 'postgres', not {TEST_DB!r}")

_counter = itertools.count(1)
_clients: dict[tuple[str, str], LabelStudioClient] = {}


def annotator_sdk(label_studio: LocalLabelStudio, annotator: Annotator) -> LabelStudio:
    """An SDK client acting as that annotator (its own token)."""
    return LabelStudio(base_url=label_studio.url, api_key=annotator.token)


def auth_headers(url: str, token: str) -> dict[str, str]:
    """The Authorization header a user with this token sends (a personal access token: a fresh Bearer token)."""
    if (url, token) not in _clients:
        _clients[url, token] = LabelStudioClient(Connection(url, token))
    return _clients[url, token].auth_headers()


def unique_title(prefix: str) -> str:
    return f"{prefix} {os.getpid()}-{next(_counter)}"
