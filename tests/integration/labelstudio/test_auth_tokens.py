"""Label Studio's default auth, as a new install has it: personal access tokens everywhere, legacy tokens off.

The session's Label Studio runs with legacy tokens off (its default). Every other test already uses
personal access tokens (made through Label Studio's login / invite sign-up and token pages); here:
the message for each kind of refused token, and the one place a legacy token is still tested — with
legacy tokens turned on by the admin, as Label Studio's organization settings do.
"""

from __future__ import annotations

import httpx
import pytest

from sdk_scripts.devserver.users import create_personal_access_token, login_session
from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.connection import Connection
from sdk_scripts.labelstudio.tokens import ACCESS, LEGACY, PERSONAL, redact_url, token_kind
from tests.support.labelstudio import TEST_ADMIN, unique_title

CONFIG = '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>'


def _jwt_settings(label_studio, admin_client: LabelStudioClient, **fields) -> dict:
    http = admin_client._sdk._client_wrapper.httpx_client.httpx_client
    current = http.get(f"{label_studio.url}/api/jwt/settings", headers=admin_client.auth_headers()).json()
    if not fields:
        return current
    answer = http.post(f"{label_studio.url}/api/jwt/settings", json={**current, **fields},
                       headers=admin_client.auth_headers())
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def _access_token(url: str, personal: str) -> str:
    return httpx.post(f"{url}/api/token/refresh/", json={"refresh": personal}, timeout=30).json()["access"]


def test_token_kinds_are_told_apart(label_studio) -> None:
    assert token_kind(label_studio.admin_token) == PERSONAL
    assert token_kind(TEST_ADMIN.token) == LEGACY
    assert token_kind(_access_token(label_studio.url, label_studio.admin_token)) == ACCESS
    assert redact_url("http://me:s3cret@ls.example:8080/x?y=1") == "http://***@ls.example:8080/x?y=1"


def test_default_server_refuses_legacy_tokens_and_says_what_to_do(label_studio, ls_client) -> None:
    assert _jwt_settings(label_studio, ls_client)["legacy_api_tokens_enabled"] is False
    legacy = LabelStudioClient(Connection(label_studio.url, TEST_ADMIN.token), retries=0)
    with pytest.raises(LabelopsError) as err:
        legacy.whoami()
    message = str(err.value)
    assert "rejected the legacy token (401)" in message and "legacy tokens off" in message
    assert "create a personal access token" in message and TEST_ADMIN.token not in message
    # the personal access token of the same user works for the API and for media
    assert ls_client.whoami()["email"] == TEST_ADMIN.username
    assert ls_client.auth_headers()["Authorization"].startswith("Bearer ")


def test_access_token_instead_of_personal_token_is_named(label_studio) -> None:
    access = _access_token(label_studio.url, label_studio.admin_token)
    client = LabelStudioClient(Connection(label_studio.url, access), retries=0)
    with pytest.raises(LabelopsError) as err:
        client.whoami()
    assert "short-lived access token, not a personal access token" in str(err.value)
    assert access not in str(err.value)


def test_an_access_token_that_runs_out_on_the_way_is_exchanged_again(label_studio) -> None:
    """label-studio-sdk renews the 5-minute access token only once it has expired; a request sent just before
    the expiry arrives after it and gets 401. The client renews 30 s early, and once more on a 401."""
    from datetime import UTC, datetime, timedelta

    client = LabelStudioClient(Connection(label_studio.url, label_studio.admin_token), retries=0)
    client.whoami()
    tokens = client._sdk._client_wrapper._tokens_client
    first = tokens._access_token
    header, payload, signature = first.split(".")
    # what the server sees when the token expired on the way: it refuses it ("not provided"), the SDK still
    # believes it valid
    tokens._access_token = f"{header}.{payload}.{signature[::-1]}"
    assert client.whoami()["email"] == TEST_ADMIN.username
    assert tokens._access_token not in (first, f"{header}.{payload}.{signature[::-1]}")
    renewed = tokens._access_token
    tokens._access_token_expiration = datetime.now(UTC) + timedelta(seconds=10)  # about to run out
    assert client.whoami()["email"] == TEST_ADMIN.username
    assert tokens._access_token != renewed


def test_revoked_personal_token_is_named(label_studio, ls_client) -> None:
    http = ls_client._sdk._client_wrapper.httpx_client
    invite = http.request("api/invite", method="GET").json()["invite_url"]
    session = login_session(label_studio.url, "revoked@labelops.test", TEST_ADMIN.password, signup=invite)
    try:
        token = create_personal_access_token(session)
        assert LabelStudioClient(Connection(label_studio.url, token)).whoami()["email"] == "revoked@labelops.test"
        revoked = session.post("/api/token/blacklist/", json={"refresh": token},
                               headers={"X-CSRFToken": session.cookies.get("csrftoken", ""),
                                        "Referer": label_studio.url})
        assert revoked.status_code == 204, revoked.text
    finally:
        session.close()
    with pytest.raises(LabelopsError) as err:
        LabelStudioClient(Connection(label_studio.url, token), retries=0).whoami()
    assert "rejected the personal access token (401)" in str(err.value)
    assert "revoked, expired, or made on another server" in str(err.value)


def test_legacy_token_still_works_where_an_admin_turned_legacy_tokens_on(label_studio, ls_client, run_cli,
                                                                         monkeypatch, tmp_path) -> None:
    project = ls_client.create_project(title=unique_title("legacy"), label_config=CONFIG)
    ls_client.import_tasks(project["id"], [{"text": "one"}, {"text": "two"}])
    _jwt_settings(label_studio, ls_client, legacy_api_tokens_enabled=True)
    try:
        legacy = LabelStudioClient(Connection(label_studio.url, TEST_ADMIN.token))
        assert legacy.whoami()["email"] == TEST_ADMIN.username
        assert legacy.auth_headers() == {"Authorization": f"Token {TEST_ADMIN.token}"}
        monkeypatch.setenv("LABEL_STUDIO_API_KEY", TEST_ADMIN.token)
        pulled = run_cli("pull", project["id"], "--out", tmp_path / "pull")
        assert pulled.code == 0, pulled.err
        assert len((tmp_path / "pull" / "tasks.jsonl").read_text().splitlines()) == 2
    finally:
        _jwt_settings(label_studio, ls_client, legacy_api_tokens_enabled=False)
    with pytest.raises(LabelopsError, match="legacy tokens off"):
        LabelStudioClient(Connection(label_studio.url, TEST_ADMIN.token), retries=0).whoami()
