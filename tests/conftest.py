"""Fixtures of both tiers: the session keeps its local state (review-push locks) in its temp dir.

The servers' fixtures (Label Studio, PostgreSQL, the backend, the CLI runner) are in tests/integration/conftest.py:
a unit test cannot ask for them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def labelops_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Local state (review-push locks) in the session's temp dir, never the user's ~/.local/state."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LABELOPS_STATE_DIR", str(tmp_path_factory.mktemp("labelops-state")))
        yield
