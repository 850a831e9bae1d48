"""Fixtures of the unit tier: the CLI run in-process against a Label Studio URL nothing listens on."""

from __future__ import annotations

import pytest

from sdk_scripts import cli


@pytest.fixture
def offline_cli(monkeypatch, capsys, tmp_path):
    """`labelops ...` in-process with a Label Studio URL nothing listens on: anything reaching the network fails."""
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "not-a-real-token")
    monkeypatch.setenv("LABELOPS_RETRIES", "0")
    monkeypatch.delenv("LABELOPS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: object) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
