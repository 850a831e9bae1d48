"""Connection settings: environment over config file, missing settings named, the token never shown."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio import connection as settings
from sdk_scripts.labelstudio.connection import Connection, load_connection


def test_environment_wins_over_the_config_file(tmp_path) -> None:
    config = tmp_path / "labelops.toml"
    config.write_text('[label_studio]\nurl = "http://file:8080/"\napi_key = "file-token"\n')
    config.chmod(0o600)
    from_file = load_connection(config, env={})
    assert from_file == Connection("http://file:8080", "file-token")
    mixed = load_connection(config, env={"LABEL_STUDIO_URL": "http://env:1"})
    assert (mixed.url, mixed.api_key) == ("http://env:1", "file-token")
    via_env_var = load_connection(None, env={"LABELOPS_CONFIG": str(config), "LABEL_STUDIO_API_KEY": "env-token"})
    assert (via_env_var.url, via_env_var.api_key) == ("http://file:8080", "env-token")


def test_connection_repr_hides_the_token() -> None:
    assert "secret-token" not in repr(Connection("http://x", "secret-token"))


def test_missing_settings_are_named(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(settings, "DEFAULT_CONFIG_PATH", tmp_path / "no-default.toml")
    with pytest.raises(LabelopsError, match=r"set LABEL_STUDIO_API_KEY or put url/api_key under \[label_studio\]"):
        load_connection(None, env={"LABEL_STUDIO_URL": "http://x"})
    with pytest.raises(LabelopsError, match="config file .* does not exist"):
        load_connection(tmp_path / "nope.toml", env={})
    bad = tmp_path / "bad.toml"
    bad.write_text("[label_studio\n")
    with pytest.raises(LabelopsError, match="bad.toml: invalid TOML"):
        load_connection(bad, env={})
    with pytest.raises(LabelopsError, match="must start with http"):
        load_connection(None, env={"LABEL_STUDIO_URL": "localhost:8080", "LABEL_STUDIO_API_KEY": "k"})


def test_console_script_help_for_every_command() -> None:
    exe = [sys.executable, "-m", "sdk_scripts.cli"]
    for args in ([], ["configs"], ["configs", "validate"], ["project", "create"], ["tasks", "import"], ["pull"]):
        proc = subprocess.run([*exe, *args, "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("usage: labelops")
    missing = subprocess.run([*exe, "pull", "3"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "--out" in missing.stderr
