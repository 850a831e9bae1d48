"""BASIC_AUTH_USER and BASIC_AUTH_PASS: both or neither, and the password never shown (no server)."""

from __future__ import annotations

import pytest

from ml_backend.settings import BackendSettings

USER = "labelops-ml"
PASSWORD = "s3cret-Basic-pass-7d1e"


def test_only_one_setting_is_a_startup_error() -> None:
    with pytest.raises(ValueError, match="BASIC_AUTH_PASS"):
        BackendSettings.load({"BASIC_AUTH_USER": USER})
    with pytest.raises(ValueError, match="BASIC_AUTH_USER"):
        BackendSettings.load({"BASIC_AUTH_PASS": PASSWORD})
    s = BackendSettings.load({"BASIC_AUTH_USER": USER, "BASIC_AUTH_PASS": PASSWORD})
    assert s.basic_auth() == (USER, PASSWORD)
    assert PASSWORD not in repr(s) and PASSWORD not in str(s.public()) and s.public()["basic_auth_pass_set"]

