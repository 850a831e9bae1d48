"""Reading files a user hands to labelops: regular files only, size-capped, strict UTF-8 and strict JSON.

`read_input_bytes` refuses what is not a regular file (a directory, a FIFO, `/dev/zero`) and what is
larger than the caller's limit, without ever blocking on or reading past it. `strict_json` parses
JSON the way the standard defines it: no NaN / Infinity, no number that overflows to infinity, no
object with a key given twice (Python keeps the last silently), no nesting beyond `MAX_JSON_DEPTH`.
`jsonl_lines` splits JSON Lines on line feeds only (U+2028, NEL or a form feed inside a string are
text, not line ends); `jsonl_records` does the same on a file read a line at a time, for files too
large to hold (a pull of a million annotations), and says what is wrong with a line instead of raising.
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
TEXT_DEPTH_CHECK = 1 << 20  # up to this many characters the depth is checked on the text, beyond on the values
MIB = 1024 * 1024


class JSONProblem(ValueError):
    """JSON that is well-formed for Python's lenient parser but not acceptable here."""


def _open_regular(path: Path, what: str) -> tuple[int, os.stat_result]:
    """(descriptor, stat) of a regular file opened for reading; anything else is one LabelopsError."""
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
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def read_input_bytes(path: Path, limit: int, what: str = "file", limit_hint: str = "") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else is one LabelopsError."""
    fd, info = _open_regular(path, what)
    try:
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
    out = dict(pairs)
    if len(out) < len(pairs):  # only then look for which key it was
        seen: set = set()
        for key, _ in pairs:
            if key in seen:
                raise JSONProblem(f"key {key[:60]!r} appears twice in one object")
            seen.add(key)
    return out


# One decoder for every call (json.loads with keyword arguments builds a new one each time).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_unique_keys)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_ONE_KIND = bytes.maketrans(b"[]", b"{}")


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


def _text_too_deep(text: str) -> bool:
    """Whether the value `text` parses to nests containers more than MAX_JSON_DEPTH deep, from the text alone (call
    it only on valid JSON). With no more brackets than MAX_JSON_DEPTH it cannot; otherwise the brackets outside
    strings, innermost pairs removed one level per round, take as many rounds as the nesting is deep. Bytes
    operations only: no walk over the parsed values."""
    if text.count("{") + text.count("[") <= MAX_JSON_DEPTH:
        return False
    raw = text.encode("utf-8", "surrogatepass").replace(b"\\\\", b"").replace(b'\\"', b"")  # escapes gone
    brackets = b"".join(raw.split(b'"')[::2]).translate(_ONE_KIND, _NOT_BRACKETS)  # outside strings
    for _ in range(MAX_JSON_DEPTH):
        brackets = brackets.replace(b"{}", b"")
        if not brackets:
            return False
    return True


def strict_json(text: str) -> object:
    """Parse standard JSON; raise `json.JSONDecodeError` (syntax) or `JSONProblem` (everything else)."""
    if text.startswith("\ufeff"):  # what json.loads says of a byte-order mark
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise JSONProblem(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
    except (JSONProblem, json.JSONDecodeError):
        raise
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise JSONProblem(str(exc)) from None
    # a line of JSON Lines: from its text (bytes operations); a whole large document: a walk over the values
    # (the text route would copy a document of hundreds of MiB several times)
    if _text_too_deep(text) if len(text) <= TEXT_DEPTH_CHECK else _too_deep(value):
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


def jsonl_records(path: Path, what: str = "file", line_limit: int = 512 * MIB, limit_hint: str = "", *,
                  start: int = 0, end: int | None = None,
                  first_line: int = 1) -> Iterator[tuple[int, object, str | None]]:
    """(line number, value, None) for each non-blank line of a JSON Lines file parsed by `strict_json`, or
    (line number, None, message) for a line that is not UTF-8 or not strict JSON; read a line at a time, so
    memory is bounded by the longest line (at most `line_limit` bytes, else one LabelopsError). Lines end at
    LF only (CRLF tolerated), as in `jsonl_lines`; a leading byte-order mark is dropped. `start` / `end` (byte
    offsets of line starts, see `line_start`) read a part of the file whose first line is number `first_line`."""
    fd, _ = _open_regular(path, what)
    try:
        with os.fdopen(fd, "rb", closefd=False, buffering=1 << 20) as fh:
            fh.seek(start)
            position, number = start, first_line - 1
            while end is None or position < end:
                raw = fh.readline(line_limit + 1)
                if not raw:
                    return
                position += len(raw)
                number += 1
                if len(raw) > line_limit:
                    raise LabelopsError(f"{path}:{number}: a line over {line_limit / MIB:g} MiB{limit_hint}")
                if position == len(raw) and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield number, None, f"not UTF-8 text ({exc.reason} at byte {exc.start} of the line)"
                    continue
                if not text or (text[0] not in "{[" and not text.strip(" \t\r\n")):  # blank (others: no copy)
                    continue
                try:
                    yield number, strict_json(text), None
                except ValueError as exc:
                    yield number, None, json_error(exc)
    except OSError as exc:
        raise LabelopsError(f"{what} {path}: cannot read it ({exc.strerror})") from None
    finally:
        os.close(fd)


def line_start(path: Path, offset: int) -> int:
    """The byte offset of the first line that starts at or after `offset` (the file's size if none does)."""
    with open(path, "rb") as fh:
        if offset <= 0:
            return 0
        fh.seek(offset - 1)
        fh.readline()  # the rest of the line `offset - 1` is in (just its LF if a line starts at `offset`)
        return fh.tell()


def count_lines(path: Path, end: int, block: int = 16 * MIB) -> int:
    """How many line feeds the file has before byte `end`."""
    total = 0
    with open(path, "rb") as fh:
        while fh.tell() < end:
            data = fh.read(min(block, end - fh.tell()))
            if not data:
                break
            total += data.count(b"\n")
    return total
