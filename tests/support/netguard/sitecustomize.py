"""Network guard for test subprocesses: only loopback and Unix sockets may connect.

Put this directory on PYTHONPATH; every refused attempt is appended to $NETGUARD_LOG (host, port)
and raises OSError, so a test can prove a process made no outside connection.
"""

import os
import socket

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_LOG = os.environ.get("NETGUARD_LOG", "")


def _allowed(sock, address):
    if sock.family == getattr(socket, "AF_UNIX", None):
        return True
    host = address[0] if isinstance(address, tuple) else str(address)
    return host in ("127.0.0.1", "::1", "localhost") or str(host).startswith("127.")


def _refuse(address):
    if _LOG:
        with open(_LOG, "a") as f:
            f.write(f"{os.getpid()} {address!r}\n")
    raise OSError(f"netguard: outside connection to {address!r} blocked")


def _connect(self, address):
    if not _allowed(self, address):
        _refuse(address)
    return _real_connect(self, address)


def _connect_ex(self, address):
    if not _allowed(self, address):
        _refuse(address)
    return _real_connect_ex(self, address)


socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
