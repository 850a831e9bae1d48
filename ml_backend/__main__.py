"""`python -m ml_backend [--host H] [--port P] [--workers N] [--threads T]`: serve the backend with gunicorn."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sdk_scripts.errors import LabelopsError
from sdk_scripts.extras import require_extra


def check_startup() -> None:
    """What must hold before gunicorn starts: the [backend] extra, valid settings, a loadable TEXT_MODEL.

    Raises LabelopsError (missing packages) or ValueError naming the setting.
    """
    require_extra("backend", "the ML backend")
    from ml_backend.settings import BackendSettings
    from ml_backend.weights import text_model_path

    settings = BackendSettings.load()
    text_model_path(settings.text_model)


def _application(options: dict[str, Any]) -> Any:
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from ml_backend.server import create_app

            return create_app()

    return _Gunicorn()


def serve(host: str = "127.0.0.1", port: int = 9090, workers: int = 1, threads: int = 8, timeout: int = 300,
          check: bool = True) -> None:
    """Run gunicorn in this process (blocks); first `check_startup()` unless the caller already did."""
    if check:
        check_startup()
    _application({"bind": f"{host}:{port}", "workers": workers, "threads": threads, "timeout": timeout,
                  "worker_class": "gthread", "accesslog": "-", "errorlog": "-"}).run()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ml_backend", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9090)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--timeout", type=int, default=300)
    a = p.parse_args(argv)
    try:
        check_startup()
    except (LabelopsError, ValueError, OSError) as exc:  # one line, no traceback: the message says what to change
        sys.exit(f"labelops: error: {exc}")
    serve(a.host, a.port, a.workers, a.threads, a.timeout, check=False)


if __name__ == "__main__":
    main()
