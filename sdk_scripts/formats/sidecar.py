"""The files beside a format's own: `weights.json` (per-image or per-item weights) and `export.json` (provenance)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sdk_scripts.formats.base import Dataset, WriteSummary
from sdk_scripts.formats.items import weight

WEIGHTS = "weights.json"
MANIFEST = "export.json"
MARKER = "labelops_export"


def _dump(path: Path, content: dict) -> None:
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_weights(folder: Path, dataset: Dataset, entries: dict[str, tuple[dict, str]], key: str = "images") -> Path:
    """`weights.json`: `{"snapshot": id, key: {name: {"task", "weight", "split"}}}`, `name` an image file name
    (or an item's place in its file); `entries` maps each name to its record and split."""
    table = {name: {"task": record["task"], "weight": weight(record), "split": split_name}
             for name, (record, split_name) in sorted(entries.items())}
    path = folder / WEIGHTS
    _dump(path, {"snapshot": dataset.snapshot, key: table})
    return path


def write_item_weights(folder: Path, dataset: Dataset, rows: list[tuple[dict, str]]) -> Path:
    """`weights.json` for a file of items in order (CoNLL documents): `{"snapshot", "items": [{"task", "weight",
    "split"}]}`, the n-th entry for the n-th item."""
    items = [{"task": record["task"], "weight": weight(record), "split": split_name} for record, split_name in rows]
    path = folder / WEIGHTS
    _dump(path, {"snapshot": dataset.snapshot, "items": items})
    return path


def write_manifest(folder: Path, fmt: str, dataset: Dataset, summary: WriteSummary, extra: dict[str, Any]) -> Path:
    """`export.json`: what was exported from where (format, project, snapshot, splits, tasks left out and why).

    Its `labelops_export` key marks the directory as an export that a rerun may replace."""
    content = {
        MARKER: 1,
        "format": fmt,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "project": dataset.project,
        "snapshot": dataset.snapshot,
        "splits": summary.splits,
        "exported": summary.exported,
        "left_out": [{"task": item.task, "reason": item.reason} for item in summary.left_out],
        "files": summary.files,
        **extra,
    }
    path = folder / MANIFEST
    _dump(path, content)
    return path


def is_export(folder: Path) -> bool:
    """Whether `folder` holds an earlier export (a rerun replaces it) or nothing at all."""
    if not folder.is_dir():
        return False
    if not any(folder.iterdir()):
        return True
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get(MARKER) == 1
    except (OSError, ValueError, AttributeError):
        return False
