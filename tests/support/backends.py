"""The backend under test: the network guard its process runs with, and what a test knows about that process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Put on a subprocess's PYTHONPATH: its sitecustomize lets only loopback and Unix sockets connect.
NETGUARD_DIR = str(Path(__file__).resolve().parent / "netguard")


@dataclass
class BackendUnderTest:
    """The real backend process (gunicorn) and what the tests need to know about its environment."""

    server: object
    url: str
    image_dir: str
    netguard_log: str
