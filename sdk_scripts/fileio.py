"""Writing output files so that an interrupted run never leaves a truncated one behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def write_text_atomically(path: Path, text: str) -> None:
    """Write to a temp file beside `path`, then rename it over `path` (atomic on one filesystem)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@contextmanager
def replacing_dir(target: Path, may_replace: Callable[[Path], bool]) -> Iterator[Path]:
    """A fresh temp dir beside `target` to build in; on success it takes `target`'s place, swapped in by rename.

    An existing `target` is replaced only when `may_replace(target)` says it may (an earlier export, an empty
    directory): FileExistsError otherwise, before anything is built. The old directory is renamed aside, the
    new one renamed in, then the old one removed: `target` never holds a half-written or mixed tree (between
    the two renames it is briefly absent).
    On failure the temp dir is removed and `target` is left as it was.
    """
    if target.exists() and not may_replace(target):
        raise FileExistsError(str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    building.chmod(0o755)  # mkdtemp's 0700 would become the export's mode
    try:
        yield building
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    try:
        if target.exists():
            os.replace(target, aside / target.name)
        os.replace(building, target)
    except BaseException:
        if (aside / target.name).exists() and not target.exists():
            os.replace(aside / target.name, target)  # put the old one back
        shutil.rmtree(building, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)
