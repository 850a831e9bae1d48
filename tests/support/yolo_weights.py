"""Tiny YOLO weights built offline from the yaml configs inside ultralytics (random weights), network refused."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def outside_connections_refused() -> Iterator[list[str]]:
    """Every non-loopback `socket.connect` raises OSError inside the block; the refused addresses are listed."""
    refused: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def allowed(sock: socket.socket, address: object) -> bool:
        host = address[0] if isinstance(address, tuple) else str(address)
        return sock.family == getattr(socket, "AF_UNIX", None) or str(host) in ("::1", "localhost") \
            or str(host).startswith("127.")

    def guard(real):
        def connect(sock: socket.socket, address: object):
            if not allowed(sock, address):
                refused.append(repr(address))
                raise OSError(f"test guard: outside connection to {address!r} blocked")
            return real(sock, address)
        return connect

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", guard(real_connect))
        mp.setattr(socket.socket, "connect_ex", guard(real_connect_ex))
        yield refused


def build_weights(yaml_name: str, out: Path, names: list[str], seed: int = 1) -> Path:
    """`out` = ultralytics' `yaml_name` (e.g. `yolo11n-obb.yaml`) with random weights (fixed by `seed`), its first
    classes renamed to `names` (the others keep their numbers). Call inside `configure_offline()`."""
    import torch
    from ultralytics import YOLO

    torch.manual_seed(seed)
    model = YOLO(yaml_name)
    count = len(model.model.names)
    model.model.names = {i: names[i] if i < len(names) else str(i) for i in range(count)}
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    return out
