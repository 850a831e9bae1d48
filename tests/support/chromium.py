"""A page as Debian's headless chromium renders it (no Playwright: one subprocess, the DOM it builds)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def render_in_chromium(page: Path) -> str:
    """The DOM headless Chromium builds from the page (Debian's chromium; installed by `make test`)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is not installed (make test installs Debian's chromium package)"
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={page.parent / '.chromium'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout
