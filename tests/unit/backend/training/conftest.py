"""Fixtures of the training tests: ultralytics offline in its own config and temp dirs, outside connections refused."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def offline_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Own ultralytics config dir and temp dir; outside connections refused and recorded."""
    refused: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def allowed(sock: socket.socket, address: object) -> bool:
        host = address[0] if isinstance(address, tuple) else str(address)
        return sock.family == getattr(socket, "AF_UNIX", None) or str(host) in ("::1", "localhost") \
            or str(host).startswith("127.")

    def connect(sock: socket.socket, address: object):
        if not allowed(sock, address):
            refused.append(repr(address))
            raise OSError(f"test guard: outside connection to {address!r} blocked")
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: object):
        if not allowed(sock, address):
            refused.append(repr(address))
            raise OSError(f"test guard: outside connection to {address!r} blocked")
        return real_connect_ex(sock, address)

    root = tmp_path_factory.mktemp("finetune-env")
    (root / "tmp").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YOLO_CONFIG_DIR", str(root / "ultralytics"))
        mp.setattr(tempfile, "tempdir", str(root / "tmp"))
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        yield refused
