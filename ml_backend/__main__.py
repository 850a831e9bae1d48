"""`python -m ml_backend [--host H] [--port P] [--workers N] [--threads T]`: serve the backend with gunicorn."""

from __future__ import annotations

import argparse
from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from ml_backend.server import create_app

        return create_app()


def serve(host: str = "127.0.0.1", port: int = 9090, workers: int = 1, threads: int = 4, timeout: int = 300) -> None:
    """Run gunicorn in this process (blocks)."""
    _Gunicorn({"bind": f"{host}:{port}", "workers": workers, "threads": threads, "timeout": timeout,
               "worker_class": "gthread", "accesslog": "-", "errorlog": "-"}).run()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ml_backend", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9090)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--timeout", type=int, default=300)
    a = p.parse_args(argv)
    serve(a.host, a.port, a.workers, a.threads, a.timeout)


if __name__ == "__main__":
    main()
