"""Integration tier: markers from what a test uses, and the fixtures tests of several packages share.

A test here is `label_studio` when it uses the session's Label Studio or its database (the `label_studio` or
`postgres` fixture, directly or through another fixture), or starts its own Label Studio on SQLite (marked
`sqlite_only`, which stays on the test that needs it): the PostgreSQL run of `make test` selects the first
kind. Tests under browser/ are `browser` too (browser/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.projects import annotated_emotion_project

HERE = Path(__file__).resolve().parent
SESSION_SERVER = frozenset({"label_studio", "postgres"})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE not in item.path.parents:
            continue
        if SESSION_SERVER & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("sqlite_only"):
            item.add_marker(pytest.mark.label_studio)


@pytest.fixture
def annotated_project(ls_client, label_studio, annotators):
    """A 3-annotator emotion project annotated per `tests.support.projects.PLAN` by three real users."""
    return annotated_emotion_project(ls_client, label_studio, annotators)
