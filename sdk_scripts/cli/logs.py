"""Log output of a `labelops` run: the level from -v / -q, records as `labelops: ...` lines on stderr."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable


def log_level(args: argparse.Namespace) -> int:
    """WARNING, one step per -v down (to DEBUG) and per -q up (to CRITICAL), counted before and after the command."""
    more = args.verbose + getattr(args, "verbose_after", 0)
    less = args.quiet + getattr(args, "quiet_after", 0)
    return min(max(logging.WARNING + 10 * (less - more), logging.DEBUG), logging.CRITICAL)


class LogFormat(logging.Formatter):
    """labelops' own records (loggers under `sdk_scripts`, one per module, or `labelops`) are already
    `labelops: ...` lines; others get `labelops: level: logger:`."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        ours = record.name == "labelops" or record.name.startswith("sdk_scripts.")
        return text if ours else f"labelops: {record.levelname.lower()}: {record.name}: {text}"


def log_to_stderr(level: int) -> Callable[[], None]:
    """Send log records at `level` and above to stderr; returns the undo (main runs in-process in tests)."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogFormat())
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)

    def undo() -> None:
        root.removeHandler(handler)
        root.setLevel(old_level)

    return undo
