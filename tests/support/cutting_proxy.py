"""A TCP proxy on loopback that cuts one HTTP response off in the middle, as a server crash or a network fault does.

Every connection is forwarded to the target unchanged, except the first request whose head holds `marker`: its
response is closed after `cut_after` bytes. Requests are counted by their head (method,
path, Range) so a test can see the client came back for the rest.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class CuttingProxy:
    target_port: int
    marker: bytes
    cut_after: int
    heads: list[bytes] = field(default_factory=list)  # first line + Range header of each request seen
    cut: bool = False  # whether the one cut has happened

    def __post_init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            armed = threading.Event()
            threading.Thread(target=self._requests, args=(client, upstream, armed), daemon=True).start()
            threading.Thread(target=self._responses, args=(upstream, client, armed), daemon=True).start()

    def _requests(self, client: socket.socket, upstream: socket.socket, armed: threading.Event) -> None:
        while data := _recv(client):
            head = data.split(b"\r\n\r\n", 1)[0]
            lines = head.split(b"\r\n")
            ranged = [line for line in lines[1:] if line.lower().startswith(b"range:")]
            with self._lock:
                self.heads.append(b" ".join([lines[0], *ranged]))
                if self.marker in lines[0] and not self.cut:
                    self.cut = True
                    armed.set()
            try:
                upstream.sendall(data)
            except OSError:
                break
        _close(client, upstream)

    def _responses(self, upstream: socket.socket, client: socket.socket, armed: threading.Event) -> None:
        sent = 0  # bytes of the armed response passed on
        while data := _recv(upstream):
            if armed.is_set():
                data = data[: self.cut_after - sent]
                sent += len(data)
            try:
                client.sendall(data)
            except OSError:
                break
            if armed.is_set() and sent >= self.cut_after:
                break
        _close(client, upstream)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _close(*socks: socket.socket) -> None:
    for sock in socks:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
