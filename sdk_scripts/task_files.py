"""Reading task files (JSON, JSONL, CSV/TSV) into Label Studio import records, each with a stable key.

A record is either a bare data object (`{"text": "..."}`) or Label Studio's import shape
(`{"data": {...}, "annotations": [...], "predictions": [...], "meta": {...}}`). Every task gets a
stable key kept in its data under `labelops_key`: the value of `--key FIELD` when given, an
existing `labelops_key`, or else a hash of the task data. Re-importing a file adds only the tasks
whose key is not yet in the project.

The whole file is checked before anything is returned, and every problem is reported as
`FILE:LINE: ...` (the first `MAX_REPORTED`, then a count): strict UTF-8 and strict JSON (no NaN or
Infinity, no key twice in an object; no NUL, which PostgreSQL cannot store), CSV read with a real
CSV reader (quoted fields may hold newlines; a record's line is the line it starts on), JSON Lines
split on line feeds only, the data fields and types the labeling config needs (`task_schema`), and
keys: two different tasks with one key are an error, not a silent drop. Only regular files of at
most `LABELOPS_MAX_TASK_FILE_MB` (default 512) MiB are read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sdk_scripts.errors import LabelopsError
from sdk_scripts.input_files import MIB, decode_utf8, json_error, jsonl_lines, read_input_bytes, strict_json
from sdk_scripts.task_schema import DataField, data_problems

KEY_FIELD = "labelops_key"
LIMIT_ENV = "LABELOPS_MAX_TASK_FILE_MB"
DEFAULT_LIMIT_MB = 512
MAX_REPORTED = 20
KINDS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv"}
_LS_TASK_FIELDS = {"data", "annotations", "predictions", "meta", "id"}


@dataclass(frozen=True)
class TaskRecord:
    """One task to import: where it came from, its stable key, and the Label Studio import payload."""

    location: str
    key: str
    payload: dict


@dataclass
class _Problems:
    """Problems found in one file: the first MAX_REPORTED kept, the rest counted."""

    shown: list[str] = field(default_factory=list)
    total: int = 0

    def add(self, location: str, message: str) -> None:
        self.total += 1
        if len(self.shown) < MAX_REPORTED:
            self.shown.append(f"{location}: {message}")

    def raise_if_any(self) -> None:
        if not self.total:
            return
        if self.total == 1:
            raise LabelopsError(self.shown[0])
        more = self.total - len(self.shown)
        lines = [f"{self.shown[0]} (and {self.total - 1} more problems; nothing was used from this file)"]
        lines += [f"  {line}" for line in self.shown[1:]]
        if more:
            lines.append(f"  ... and {more} more")
        raise LabelopsError("\n".join(lines))


def task_key(data: Mapping, key_field: str | None = None) -> str:
    """The stable identity of a task: `data[key_field]`, an existing key, or a content hash."""
    if key_field is not None:
        return str(data[key_field])
    if KEY_FIELD in data:
        return str(data[KEY_FIELD])
    return "sha1:" + hashlib.sha1(_canonical(data).encode("utf-8")).hexdigest()


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def task_file_limit(env: Mapping[str, str] | None = None) -> int:
    """The largest task file read, in bytes (LABELOPS_MAX_TASK_FILE_MB, default 512 MiB)."""
    raw = (os.environ if env is None else env).get(LIMIT_ENV, "").strip()
    if not raw:
        return DEFAULT_LIMIT_MB * MIB
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise LabelopsError(f"{LIMIT_ENV} must be a whole number of MiB (at least 1), got {raw!r}")
    return int(raw) * MIB


def file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in KINDS:
        raise LabelopsError(f"{path}: unknown task file type {suffix!r} (use .json, .jsonl, .csv or .tsv)")
    return KINDS[suffix]


def _json_records(text: str, source: str, problems: _Problems) -> Iterator[tuple[str, object]]:
    try:
        loaded = strict_json(text)
    except json.JSONDecodeError as exc:
        raise LabelopsError(f"{source}:{exc.lineno}: {json_error(exc)}") from None
    except ValueError as exc:
        raise LabelopsError(f"{source}: {json_error(exc)}") from None
    items = loaded if isinstance(loaded, list) else [loaded]
    for index, item in enumerate(items, start=1):
        yield f"{source}: item {index}", item


def _jsonl_records(text: str, source: str, problems: _Problems) -> Iterator[tuple[str, object]]:
    for number, line in jsonl_lines(text):
        try:
            yield f"{source}:{number}", strict_json(line)
        except ValueError as exc:
            problems.add(f"{source}:{number}", json_error(exc))


def _csv_records(text: str, source: str, problems: _Problems, delimiter: str) -> Iterator[tuple[str, object]]:
    # A quoted field may be as long as the file (the csv module's default cap is 128 KiB).
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    end = 0
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            if not row:
                continue  # a blank line
            if header is None:
                header = row
                unnamed = [str(i) for i, name in enumerate(row, start=1) if not name.strip()]
                if unnamed:
                    raise LabelopsError(f"{source}:{start}: header column {', '.join(unnamed)} has no name")
                twice = sorted({name for name in row if row.count(name) > 1})
                if twice:
                    raise LabelopsError(f"{source}:{start}: header names column {twice[0]!r} more than once")
                continue
            if len(row) != len(header):
                word = "more" if len(row) > len(header) else "fewer"
                problems.add(f"{source}:{start}", f"{word} values than the {len(header)} header columns ({len(row)})")
                continue
            yield f"{source}:{start}", dict(zip(header, row, strict=True))
    except csv.Error as exc:
        problems.add(f"{source}:{end + 1}", f"invalid CSV: {exc}")
    if header is None:
        raise LabelopsError(f"{source}: CSV file has no header row")


def _raw_records(text: str, kind: str, source: str, problems: _Problems) -> Iterator[tuple[str, object]]:
    if kind == "jsonl":
        return _jsonl_records(text, source, problems)
    if kind == "json":
        return _json_records(text, source, problems)
    return _csv_records(text, source, problems, "\t" if kind == "tsv" else ",")


def _shape_problem(raw: dict) -> str | None:
    """What is wrong with a record in Label Studio's import shape (None when nothing is)."""
    if not isinstance(raw["data"], dict):
        return "'data' must be an object"
    if "meta" in raw and not isinstance(raw["meta"], dict):
        return "'meta' must be an object"
    for kind in ("annotations", "predictions"):
        items = raw.get(kind, [])
        if not isinstance(items, list):
            return f"{kind!r} must be a list"
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict) or not isinstance(item.get("result"), list):
                return f"{kind} item {number} must be an object with a 'result' list"
            score = item.get("score")
            if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
                return f"{kind} item {number}: 'score' must be a number"
    return None


def _key_problem(data: Mapping, key_field: str | None) -> str | None:
    name = key_field or (KEY_FIELD if KEY_FIELD in data else None)
    if name is None:
        return None
    if name not in data:
        return f"task data lacks the key field {name!r}"
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return f"key field {name!r} must be a non-empty string or an integer, got {json.dumps(value)[:60]}"
    return None


def _has_nul(value: object) -> bool:
    """Whether any string (key or value) holds U+0000 (iterative; depth is capped by the parser anyway)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack += list(item.keys()) + list(item.values())
        elif isinstance(item, list):
            stack += item
    return False


def _json_safe_problem(payload: dict) -> str | None:
    try:
        text = _canonical(payload)
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"text with an unpaired surrogate ({exc.object[exc.start:exc.end]!a}), which is not valid Unicode"
    except (ValueError, TypeError, RecursionError) as exc:
        return f"not sendable as JSON ({type(exc).__name__})"
    # JSON writes a NUL (in a value or a key) as \u0000: without that text there is none to look for
    if "\\u0000" in text and _has_nul(payload):
        return "text with a NUL character (U+0000), which Label Studio on PostgreSQL cannot store"
    return None


def parse_task_text(
    text: str, kind: str, source: str, *, fields: Iterable[DataField] = (), key_field: str | None = None,
    transform: Callable[[dict], dict] | None = None,
) -> list[TaskRecord]:
    """Every task of a task file's text (pure); all problems raised together as one LabelopsError.

    `kind` is jsonl, json, csv or tsv; `fields` are the data fields the labeling config needs
    (`task_schema.config_data_fields`). `transform` rewrites each task's data before its key is
    computed (pseudonymisation: the key must not be derived from the personal data it replaces).
    Identical tasks collapse into one; two different tasks with one key are an error.
    """
    fields = list(fields)
    problems = _Problems()
    records: list[TaskRecord] = []
    seen: dict[str, tuple[str, str]] = {}
    for location, raw in _raw_records(text, kind, source, problems):
        if not isinstance(raw, dict):
            problems.add(location, f"a task must be a JSON object, got {type(raw).__name__}")
            continue
        if "data" in raw and set(raw) <= _LS_TASK_FIELDS:
            problem = _shape_problem(raw)
            if problem:
                problems.add(location, problem)
                continue
            payload = {k: v for k, v in raw.items() if k != "id"}
        else:
            payload = {"data": raw}
        problem = _json_safe_problem(payload)
        if problem:
            problems.add(location, problem)
            continue
        if transform is not None:
            if payload.get("annotations") or payload.get("predictions"):
                problems.add(location, "cannot pseudonymise a task that carries annotations or predictions "
                                       "(their regions would point at the wrong characters)")
                continue
            payload["data"] = transform(payload["data"])
        data = payload["data"]
        found = data_problems(data, fields)
        problem = _key_problem(data, key_field)
        for message in found + ([problem] if problem else []):
            problems.add(location, message)
        if found or problem:
            continue
        key = task_key(data, key_field)
        payload["data"] = {**data, KEY_FIELD: key}
        canonical = _canonical(payload)
        if key in seen:
            first, first_canonical = seen[key]
            if first_canonical != canonical:
                problems.add(location, f"task key {key[:60]!r} is also the key of {first}, which holds other "
                                       "data (give every task its own key)")
            continue
        seen[key] = (location, canonical)
        records.append(TaskRecord(location=location, key=key, payload=payload))
    problems.raise_if_any()
    return records


def read_task_file(
    path: Path | str, required_keys: Iterable[str] = (), key_field: str | None = None,
    transform: Callable[[dict], dict] | None = None, *, fields: Iterable[DataField] = (),
    limit: int | None = None,
) -> list[TaskRecord]:
    """Read and check every task of a file before anything is sent (see `parse_task_text`).

    `required_keys` are data fields that must be present, of any type; `fields` carry the type a
    labeling config needs. `limit` (bytes) defaults to `task_file_limit()`.
    """
    path = Path(path)
    kind = file_kind(path)
    data = read_input_bytes(path, task_file_limit() if limit is None else limit, what="task file",
                            limit_hint=f"; set {LIMIT_ENV} to raise it")
    text = decode_utf8(data, str(path))
    fields = list(fields)
    typed = {f.key for f in fields}
    wanted = [DataField(key, tag="") for key in sorted(set(required_keys) - typed)] + fields
    return parse_task_text(text, kind, str(path), fields=wanted, key_field=key_field, transform=transform)
