"""Reading files a user hands to labelops: regular files only, size-capped, strict UTF-8 and strict JSON.

`read_input_bytes` refuses what is not a regular file (a directory, a FIFO, `/dev/zero`) and what is
larger than the caller's limit, without ever blocking on or reading past it. `strict_json` parses
JSON the way the standard defines it: no NaN / Infinity, no number that overflows to infinity, no
object with a key given twice (Python keeps the last silently), no nesting beyond `MAX_JSON_DEPTH`.
`jsonl_lines` splits JSON Lines on line feeds only (U+2028, NEL or a form feed inside a string are
text, not line ends).
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from sdk_scripts.errors import LabelopsError

MAX_JSON_DEPTH = 100
MIB = 1024 * 1024


class JSONProblem(ValueError):
    """JSON that is well-formed for Python's lenient parser but not acceptable here."""


def read_input_bytes(path: Path, limit: int, what: str = "file", limit_hint: str = "") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else is one LabelopsError."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: opening a FIFO must not wait for a writer
    except FileNotFoundError:
        raise LabelopsError(f"{what} {path} does not exist") from None
    except PermissionError:
        raise LabelopsError(f"{what} {path}: permission denied") from None
    except OSError as exc:
        raise LabelopsError(f"{what} {path}: cannot open it ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise LabelopsError(f"{what} {path} is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise LabelopsError(f"{what} {path} is not a regular file (a device, FIFO or socket cannot be read)")
        if info.st_size > limit:
            raise LabelopsError(f"{what} {path} is too large ({info.st_size / MIB:.1f} MiB; the limit is "
                                f"{limit / MIB:g} MiB{limit_hint})")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)  # a file growing while we read is still capped
    except OSError as exc:
        raise LabelopsError(f"{what} {path}: cannot read it ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise LabelopsError(f"{what} {path} is too large (over {limit / MIB:g} MiB{limit_hint})")
    return data


def decode_utf8(data: bytes, source: str) -> str:
    """UTF-8 text (a leading byte-order mark dropped); an invalid byte is reported with its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LabelopsError(f"{source}:{line}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _reject_constant(name: str) -> float:
    raise JSONProblem(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONProblem(f"number {text[:40]} is too large")
    return value


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise JSONProblem(f"key {key[:60]!r} appears twice in one object")
        out[key] = value
    return out


def _too_deep(value: object) -> bool:
    """Whether containers nest more than MAX_JSON_DEPTH deep (iterative: no recursion of its own)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def strict_json(text: str) -> object:
    """Parse standard JSON; raise `json.JSONDecodeError` (syntax) or `JSONProblem` (everything else)."""
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float,
                           object_pairs_hook=_unique_keys)
    except RecursionError:
        raise JSONProblem(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
    except (JSONProblem, json.JSONDecodeError):
        raise
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise JSONProblem(str(exc)) from None
    if _too_deep(value):
        raise JSONProblem(f"nested more than {MAX_JSON_DEPTH} levels deep")
    return value


def json_error(exc: ValueError) -> str:
    """The message for a `strict_json` failure (the column where the parser knows it)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} (column {exc.colno})"
    return f"invalid JSON: {exc}"


def jsonl_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of JSON Lines text, split on LF (CRLF tolerated), blank lines left out."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if line.strip(" \t\r"):
            yield number, line
