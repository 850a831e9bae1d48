"""`labelops backend connect` reads the training webhook back: a URL Label Studio refuses for webhooks fails with one
clear line and leaves the project as it was; a row whose webhook went missing is replaced. Real Label Studio, real
backend, the real CLI."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from label_studio_sdk import LabelStudio

from sdk_scripts.ml_backend_link import backend_webhook
from tests.support.labelstudio import unique_title

CONFIG = ('<View><Text name="text" value="$text"/><Choices name="mood" toName="text" choice="single-radio">'
          '<Choice value="up"/><Choice value="down"/></Choices></View>')


def refused_host() -> str:
    """A name of this machine's loopback that Label Studio's URL validator refuses in a webhook URL.

    The machine's host name when it has no dot and resolves to 127.0.0.1 (the compose case: a service name);
    else `127.1`, the short form of 127.0.0.1, which the validator refuses too (no IPv4 address, no TLD).
    """
    name = socket.gethostname()
    try:
        if "." not in name and socket.gethostbyname(name) == "127.0.0.1":
            return name
    except OSError:
        pass
    return "127.1"


def test_connect_fails_clearly_when_label_studio_makes_no_webhook(ml_backend_server, label_studio, ls_client,
                                                                  run_cli) -> None:
    port = urlsplit(ml_backend_server.url).port
    bad_url = f"http://{refused_host()}:{port}"
    pid = ls_client.create_project(title=unique_title("webhook"), label_config=CONFIG)["id"]
    before = ls_client.project(pid)["model_version"]

    refused = run_cli("backend", "connect", str(pid), bad_url)
    assert refused.code == 1 and refused.out == ""
    assert refused.err.startswith(f"labelops: error: Label Studio did not create the webhook {bad_url}/webhook on "
                                  f"project {pid}") and refused.err.count("\n") == 1, refused.err
    assert "Likely cause: " in refused.err and "Traceback" not in refused.err
    assert refused.err.rstrip().endswith(f"Project {pid} is unchanged: nothing is registered for this URL")
    # nothing half-done: no row, no webhook, the model_version untouched
    assert ls_client.ml_backends(pid) == [] and ls_client.webhooks(pid) == []
    assert ls_client.project(pid)["model_version"] == before

    # the backend's loopback address works; the webhook is there
    ok = run_cli("backend", "connect", str(pid), ml_backend_server.url)
    assert ok.code == 0 and "connected: ML backend" in ok.out, ok.err
    [row] = ls_client.ml_backends(pid)
    hook = backend_webhook(ls_client, pid, ml_backend_server.url)
    assert hook is not None

    # the webhook deleted by hand: a rerun replaces the row (Label Studio makes webhooks only with new rows)
    LabelStudio(base_url=label_studio.url, api_key=label_studio.admin_token).webhooks.delete(hook["id"])
    assert backend_webhook(ls_client, pid, ml_backend_server.url) is None
    healed = run_cli("backend", "connect", str(pid), ml_backend_server.url)
    assert healed.code == 0 and "connected: ML backend" in healed.out, healed.err
    assert f"removed duplicate rows [{row['id']}]" in healed.out
    assert [b["id"] for b in ls_client.ml_backends(pid)] != [row["id"]] and len(ls_client.ml_backends(pid)) == 1
    assert backend_webhook(ls_client, pid, ml_backend_server.url) is not None
    again = run_cli("backend", "connect", str(pid), ml_backend_server.url)
    assert again.code == 0 and "already connected" in again.out, again.err
    ls_client.delete_project(pid)
