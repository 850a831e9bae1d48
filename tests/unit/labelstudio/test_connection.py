"""Connection settings and the client's errors: wrong token, unreachable server, token never shown."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sdk_scripts.devserver.ports import free_port
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


@pytest.mark.label_studio
def test_wrong_token_is_one_clear_error(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "wrong-token-123456")
    result = run_cli("pull", "1", "--out", "/tmp/never-written")
    assert result.code == 1
    assert result.err.startswith("labelops: error: Label Studio at http://127.0.0.1:")
    assert "rejected the legacy token (401)" in result.err and result.err.count("\n") == 1
    assert "a legacy token Label Studio does not know" in result.err
    assert "wrong-token-123456" not in result.err + result.out


@pytest.mark.label_studio
def test_unreachable_server_is_one_clear_error(run_cli, monkeypatch, tmp_path, label_studio) -> None:
    port = free_port()
    monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("LABELOPS_RETRIES", "1")  # one retry, after a short wait: the message says so
    monkeypatch.setenv("LABELOPS_RETRY_MAX_WAIT", "0.1")
    spec = tmp_path / "spec.yaml"
    spec.write_text("title: Unreachable\nconfig: text_emotion\n")
    result = run_cli("project", "create", spec)
    assert result.code == 1
    error = [line for line in result.err.splitlines() if line.startswith("labelops: error:")]
    assert error == [
        f"labelops: error: cannot reach Label Studio at http://127.0.0.1:{port} (connection refused) "
        "to list projects titled 'Unreachable', gave up after 2 attempts over 0 s"
    ], result.err
    assert label_studio.admin_token not in result.err


def test_console_script_help_for_every_command() -> None:
    exe = [sys.executable, "-m", "sdk_scripts.cli"]
    for args in ([], ["configs"], ["configs", "validate"], ["project", "create"], ["tasks", "import"], ["pull"]):
        proc = subprocess.run([*exe, *args, "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("usage: labelops")
    missing = subprocess.run([*exe, "pull", "3"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "--out" in missing.stderr
