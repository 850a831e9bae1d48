"""The local Label Studio's environment (no server started): nothing sent to the vendor's Sentry, the caller's
Label Studio settings never inherited."""

from __future__ import annotations

import pytest

from sdk_scripts.devserver.label_studio import _label_studio_env
from tests.support.paths import ROOT


def test_error_reports_stay_on_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABEL_STUDIO_SENTRY_DSN", "https://key@example.invalid/1")  # a caller's setting
    env = _label_studio_env(ROOT / "data", None)
    # Label Studio reads LABEL_STUDIO_<NAME> first (core.utils.params.get_env); an empty DSN turns Sentry off
    assert env["LABEL_STUDIO_SENTRY_DSN"] == "" and env["LABEL_STUDIO_FRONTEND_SENTRY_DSN"] == ""
    from label_studio.core.utils.params import get_env

    monkeypatch.setattr("os.environ", env)
    assert not get_env("SENTRY_DSN", "https://default@o227124.ingest.sentry.io/5820521")
