"""Strict argparse `type=` functions for every labelops command: numbers, ranges, project refs, paths.

Each refuses what the command could not use sensibly with one argparse error line (exit 2)
instead of failing later: `--batch-size 0`, `--iou nan`, `--threshold 2`, a project id written in
non-ASCII digits (`²`, which `str.isdigit` accepts), an output directory that is an existing file.
Integers are ASCII digits only (Python's `int()` also takes `٣`, `1_000` and ` 3 `).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from pathlib import Path

from sdk_scripts.labelstudio.project_titles import TITLE_MAX, title_problem

_INT = re.compile(r"[+-]?[0-9]{1,18}")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_SPLIT_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")


def _int(text: str) -> int:
    if not _INT.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected a whole number in ASCII digits, got {text!r}")
    return int(text)


def int_at_least(low: int, high: int | None = None) -> Callable[[str], int]:
    """An integer in [low, high]."""

    def parse(text: str) -> int:
        value = _int(text)
        if value < low or (high is not None and value > high):
            bound = f"at least {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text!r}")
        return value

    parse.__name__ = "integer"
    return parse


positive_int = int_at_least(1)
non_negative_int = int_at_least(0)
port = int_at_least(1, 65535)


def integer(text: str) -> int:
    """Any integer (a seed)."""
    return _int(text)


def float_between(low: float, high: float, *, low_open: bool = False) -> Callable[[str], float]:
    """A finite number in [low, high] (or (low, high] with `low_open`)."""

    def parse(text: str) -> float:
        if not _FLOAT.fullmatch(text.strip()):
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
        value = float(text)
        if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
            interval = f"{'(' if low_open else '['}{low:g}, {high:g}]"
            raise argparse.ArgumentTypeError(f"must be a finite number in {interval}, got {text!r}")
        return value

    parse.__name__ = "number"
    return parse


fraction = float_between(0.0, 1.0)
iou = float_between(0.0, 1.0, low_open=True)


def project_title(text: str) -> str:
    problem = title_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"a project title {problem}: {text!r}")
    return text


def project_ref(text: str) -> int | str:
    """A project id (ASCII digits, returned as int) or an exact title (returned as str)."""
    if _INT.fullmatch(text) and text[0] not in "+-":
        return int(text)
    if text.isdigit() or not text.strip():
        raise argparse.ArgumentTypeError(
            f"expected a project id (digits 0-9) or a project title, got {text!r}")
    if len(text) > TITLE_MAX:
        raise argparse.ArgumentTypeError(f"no project title is longer than {TITLE_MAX} characters: {text[:60]!r}...")
    return text


def project_or_pull_dir(text: str) -> int | str | Path:
    """A directory (a `labelops pull`; returned as Path) or else a project ref (see `project_ref`)."""
    path = Path(text)
    return path if path.is_dir() else project_ref(text)


def split_ratios(text: str) -> dict[str, float]:
    """`train:0.8,val:0.1,test:0.1`: distinct names of letters, digits, `_` or `-`; fractions > 0 summing to 1."""
    ratios: dict[str, float] = {}
    for part in text.split(","):
        name, _, value = part.partition(":")
        name = name.strip()
        if not _SPLIT_NAME.fullmatch(name) or not _FLOAT.fullmatch(value.strip()):
            raise argparse.ArgumentTypeError(f"{part.strip()!r} is not NAME:FRACTION (NAME: letters, digits, _ or -)")
        if name in ratios:
            raise argparse.ArgumentTypeError(f"split {name!r} is given twice")
        ratios[name] = float(value)
    if any(not math.isfinite(v) or v <= 0 for v in ratios.values()) or abs(sum(ratios.values()) - 1) > 1e-6:
        raise argparse.ArgumentTypeError(f"split fractions must be positive and sum to 1, got {text!r}")
    return ratios


def output_dir(text: str) -> Path:
    """A directory to write into: it may not exist yet, but must not be a file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} exists and is not a directory")
    return path


def output_file(text: str) -> Path:
    """A file to write: it may not exist yet, but must not be a directory."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; give a file name")
    return path
