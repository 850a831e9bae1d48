"""The demo's Label Studio: its admin's credentials, its labelops config file, a port where that admin can log in."""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path

import httpx

from sdk_scripts.devserver.label_studio import LocalLabelStudio
from sdk_scripts.devserver.ports import free_port, port_is_free
from sdk_scripts.devserver.users import AdminCredentials, login_session
from sdk_scripts.errors import LabelopsError

DEMO_USER = "admin@labelops.local"


def demo_credentials(demo_dir: Path) -> AdminCredentials:
    """The admin's credentials kept in `demo_dir/credentials.toml` (mode 600), generated on the first run."""
    path = demo_dir / "credentials.toml"
    if path.exists():
        data = tomllib.loads(path.read_text())
        return AdminCredentials(data["username"], data["password"], data["token"])
    creds = AdminCredentials(DEMO_USER, secrets.token_urlsafe(12), secrets.token_hex(20))
    demo_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("# The demo's admin; every demo user (annotators, reviewer) signed up with the same password.\n"
                 f'username = "{creds.username}"\npassword = "{creds.password}"\ntoken = "{creds.token}"\n')
    return creds


def write_labelops_config(demo_dir: Path, url: str, token: str) -> Path:
    """A labelops config file (mode 600) pointing the CLI at the demo's server with the admin's token."""
    path = demo_dir / "labelops.toml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f'[label_studio]\nurl = "{url}"\napi_key = "{token}"\n')
    return path


def port_answers(port: int) -> bool:
    """Whether some HTTP server already answers on 127.0.0.1:`port`."""
    try:
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
    except httpx.HTTPError:
        return False
    return True


def admin_can_log_in(url: str, creds: AdminCredentials) -> bool:
    """Whether the Label Studio at `url` lets this admin log in: true only on a server made with these credentials."""
    try:
        login_session(url, creds.username, creds.password).close()
    except LabelopsError:
        return False
    return True


def server_is_ours(server: LocalLabelStudio) -> bool:
    """Whether what answers on the server's URL is that server: its process runs and its admin can log in."""
    return server.running and admin_can_log_in(server.url, server.credentials)


def start_demo_server(data_dir: Path, creds: AdminCredentials, port: int, say=print) -> LocalLabelStudio:
    """Start the demo's Label Studio on `port` (0: any), on a free port instead when another server holds it.

    A busy port is seen before the start; a server that answers there anyway (while ours fails to bind, or
    is still booting) is told apart afterwards: the demo's admin cannot log in to it. Each move is one line.
    """
    if port == 0 or not port_is_free(port) or port_answers(port):
        chosen = free_port()
        if port:
            say(f"port {port} is busy (another server answers there); using {chosen}")
        port = chosen
    server = LocalLabelStudio(data_dir, creds, port=port)
    say(f"starting Label Studio on {server.url} (data in {server.data_dir}) ...")
    return start_verified(server, say)


def start_verified(server: LocalLabelStudio, say=print) -> LocalLabelStudio:
    """Start `server`; when the Label Studio answering on its port is another one, move it to a free port (once)."""
    port = server.port
    try:
        server.start()
        if server_is_ours(server):
            return server
    except LabelopsError:
        if not port_answers(port):
            raise  # it failed by itself, not because of another server
    server.stop()
    server.port = free_port()
    say(f"the server answering on port {port} is not the demo's Label Studio (the demo's admin cannot log in); "
        f"using port {server.port}")
    server.start()
    if not server_is_ours(server):
        server.stop()
        raise LabelopsError(f"the demo's admin cannot log in to its own Label Studio at {server.url}: "
                            f"{server.data_dir} was made with other credentials; `make clean` starts the demo over")
    return server
