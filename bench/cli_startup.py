"""Bench: whole-process start-up of the installed `labelops` entry point (`--help`, `--version`) vs `python -c pass`.

Each command runs RUNS times as a fresh process; the median wall time is printed beside that of a bare
interpreter in the same run, so the ratio is what labelops itself adds. The target is < 0.3 s for both.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 7
TARGET_S = 0.3


def entry_point() -> str:
    """The `labelops` script next to this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("labelops")
    found = str(beside) if beside.exists() else shutil.which("labelops")
    if not found:
        sys.exit("cli_startup: no installed `labelops` entry point (run `make install`)")
    return found


def median_seconds(command: list[str], runs: int = RUNS) -> float:
    """Median wall time of `command` as a whole process (output discarded; a failure stops the bench)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    labelops = entry_point()
    subprocess.run([labelops, "--version"], check=True, capture_output=True)  # warm the file cache
    bare = median_seconds([sys.executable, "-c", "pass"])
    print(f"median of {RUNS} runs each, whole process; target < {TARGET_S} s")
    print(f"  {'python -c pass':<20} {bare:6.3f} s")
    for args in (["--help"], ["--version"]):
        t = median_seconds([labelops, *args])
        verdict = "ok" if t < TARGET_S else "over target"
        print(f"  {'labelops ' + ' '.join(args):<20} {t:6.3f} s  ({t / bare:4.1f}x python -c pass, "
              f"+{t - bare:.3f} s; {verdict})")


if __name__ == "__main__":
    main()
