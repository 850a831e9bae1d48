"""The local Label Studio's environment (no server started): nothing sent to the vendor's Sentry or to pypi.org,
the caller's Label Studio settings never inherited, a SECRET_KEY that reads back the same on every start."""

from __future__ import annotations

import pytest

from sdk_scripts.devserver.label_studio import _label_studio_env, ensure_secret_key
from tests.support.paths import ROOT


def test_error_reports_stay_on_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABEL_STUDIO_SENTRY_DSN", "https://key@example.invalid/1")  # a caller's setting
    env = _label_studio_env(ROOT / "data", None)
    # Label Studio reads LABEL_STUDIO_<NAME> first (core.utils.params.get_env); an empty DSN turns Sentry off
    assert env["LABEL_STUDIO_SENTRY_DSN"] == "" and env["LABEL_STUDIO_FRONTEND_SENTRY_DSN"] == ""
    from label_studio.core.utils.params import get_env

    monkeypatch.setattr("os.environ", env)
    assert not get_env("SENTRY_DSN", "https://default@o227124.ingest.sentry.io/5820521")
    assert get_env("LATEST_VERSION_CHECK", True, is_bool=True) is False  # no request to pypi.org at each start


def _key_label_studio_reads(data_dir, monkeypatch: pytest.MonkeyPatch) -> str:
    """The SECRET_KEY a Label Studio start on `data_dir` signs with (its own reader; it appends one if none)."""
    from label_studio.core.utils.secret_key import generate_secret_key_if_missing

    monkeypatch.setenv("SECRET_KEY", "")
    monkeypatch.delenv("SECRET_KEY")  # undone after the test, whatever the reader put in the environment
    key = generate_secret_key_if_missing(str(data_dir))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return key


def test_a_restarted_server_signs_with_the_key_of_its_first_start(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Personal access tokens are JWTs signed with the data dir's SECRET_KEY: it must read back unchanged."""
    ensure_secret_key(tmp_path)
    written = (tmp_path / ".env").read_text()
    first = _key_label_studio_reads(tmp_path, monkeypatch)
    assert written == f"SECRET_KEY={first}\n" and len(first) == 64
    assert _key_label_studio_reads(tmp_path, monkeypatch) == first  # the next start: same key, nothing appended
    ensure_secret_key(tmp_path)
    assert (tmp_path / ".env").read_text() == written  # a data dir that holds a key keeps it
    # why: Label Studio's own key, appended unquoted, is lost on the next start when it begins with "$"
    # (1 in 50 of Django's random keys); the restarted server then refuses every token made before
    lost = tmp_path / "lost"
    lost.mkdir()
    (lost / ".env").write_text("\nSECRET_KEY=$rk)x)%xzeeavyufsj6l$x3j_dwpc01&w$#w=1_6rxx50b##cd\n")
    assert _key_label_studio_reads(lost, monkeypatch) != "$rk)x)%xzeeavyufsj6l$x3j_dwpc01&w$#w=1_6rxx50b##cd"
