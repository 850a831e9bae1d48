"""Reading task files (JSON, JSONL, CSV/TSV) into Label Studio import records, each with a stable key.

A record is either a bare data object (`{"text": "..."}`) or Label Studio's import shape
(`{"data": {...}, "annotations": [...], "predictions": [...], "meta": {...}}`). Every task gets a
stable key kept in its data under `labelops_key`: the value of `--key FIELD` when given, an
existing `labelops_key`, or else a hash of the task data. Re-importing a file adds only the tasks
whose key is not yet in the project. Problems are reported as `FILE:LINE: ...`.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sdk_scripts.errors import LabelopsError

KEY_FIELD = "labelops_key"
_LS_TASK_FIELDS = {"data", "annotations", "predictions", "meta", "id"}


@dataclass(frozen=True)
class TaskRecord:
    """One task to import: where it came from, its stable key, and the Label Studio import payload."""

    location: str
    key: str
    payload: dict


def task_key(data: dict, key_field: str | None = None) -> str:
    """The stable identity of a task: `data[key_field]`, an existing key, or a content hash."""
    if key_field is not None:
        return str(data[key_field])
    if KEY_FIELD in data:
        return str(data[KEY_FIELD])
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha1:" + hashlib.sha1(canonical.encode("utf-8")).hexdigest()


def _iter_raw(path: Path) -> Iterable[tuple[str, object]]:
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LabelopsError(f"task file {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise LabelopsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if suffix in (".jsonl", ".ndjson"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield f"{path}:{number}", json.loads(line)
            except json.JSONDecodeError as exc:
                raise LabelopsError(f"{path}:{number}: invalid JSON: {exc.msg} (column {exc.colno})") from None
    elif suffix == ".json":
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LabelopsError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg} (column {exc.colno})") from None
        items = loaded if isinstance(loaded, list) else [loaded]
        for index, item in enumerate(items, start=1):
            yield f"{path}: item {index}", item
    elif suffix in (".csv", ".tsv"):
        reader = csv.DictReader(text.splitlines(), delimiter="\t" if suffix == ".tsv" else ",")
        if not reader.fieldnames:
            raise LabelopsError(f"{path}: CSV file has no header row")
        for row in reader:
            number = reader.line_num
            if None in row:
                raise LabelopsError(f"{path}:{number}: more values than the {len(reader.fieldnames)} header columns")
            if any(v is None for v in row.values()):
                raise LabelopsError(f"{path}:{number}: fewer values than the {len(reader.fieldnames)} header columns")
            yield f"{path}:{number}", dict(row)
    else:
        raise LabelopsError(f"{path}: unknown task file type {suffix!r} (use .json, .jsonl, .csv or .tsv)")


def read_task_file(
    path: Path | str, required_keys: Iterable[str] = (), key_field: str | None = None,
    transform: Callable[[dict], dict] | None = None,
) -> list[TaskRecord]:
    """Parse and check every task of a file before anything is sent; duplicates within it collapse.

    `transform` rewrites each task's data before its key is computed (pseudonymisation: the key
    must not be derived from the personal data it replaces).
    """
    path = Path(path)
    required = sorted(set(required_keys))
    records: list[TaskRecord] = []
    seen: set[str] = set()
    for location, raw in _iter_raw(path):
        if not isinstance(raw, dict):
            raise LabelopsError(f"{location}: a task must be a JSON object, got {type(raw).__name__}")
        if "data" in raw and set(raw) <= _LS_TASK_FIELDS:
            payload = {k: v for k, v in raw.items() if k != "id"}
            if not isinstance(payload["data"], dict):
                raise LabelopsError(f"{location}: 'data' must be an object")
        else:
            payload = {"data": raw}
        if transform is not None:
            if payload.get("annotations") or payload.get("predictions"):
                raise LabelopsError(f"{location}: cannot pseudonymise a task that carries annotations or predictions "
                                    "(their regions would point at the wrong characters)")
            payload["data"] = transform(payload["data"])
        data = payload["data"]
        missing = [k for k in required if k not in data or data[k] in (None, "")]
        if missing:
            raise LabelopsError(
                f"{location}: task data lacks field {missing[0]!r}, which the labeling config reads "
                f"(task fields: {', '.join(sorted(data)) or 'none'})"
            )
        if key_field is not None and key_field not in data:
            raise LabelopsError(f"{location}: task data lacks the key field {key_field!r}")
        key = task_key(data, key_field)
        if key in seen:
            continue
        seen.add(key)
        payload["data"] = {**data, KEY_FIELD: key}
        records.append(TaskRecord(location=location, key=key, payload=payload))
    return records
