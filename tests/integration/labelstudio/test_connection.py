"""The client's errors against the real Label Studio: a wrong token, a server gone, each one clear line."""

from __future__ import annotations

from sdk_scripts.devserver.ports import free_port


def test_wrong_token_is_one_clear_error(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "wrong-token-123456")
    result = run_cli("pull", "1", "--out", "/tmp/never-written")
    assert result.code == 1
    assert result.err.startswith("labelops: error: Label Studio at http://127.0.0.1:")
    assert "rejected the legacy token (401)" in result.err and result.err.count("\n") == 1
    assert "a legacy token Label Studio does not know" in result.err
    assert "wrong-token-123456" not in result.err + result.out


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

