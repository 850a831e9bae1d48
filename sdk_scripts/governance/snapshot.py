"""`labelops snapshot` and `labelops diff`: content-addressed, immutable dataset versions.

A snapshot is a directory `OUT/<id>/` holding
    data.jsonl        the final dataset (the `export` records, quarantined ones included, with
                      the guideline version each annotation was made under), one task per line
    manifest.json     id, created_at, project, counts by state, label distribution, config hash,
                      guidelines (current version and history), agreement summary, file hashes
The id is the first 16 hex digits of the SHA-256 of data.jsonl plus the config hash, so the same
dataset always gets the same id: snapshotting an unchanged project again finds the identical
snapshot and writes nothing; a directory with that id but other content is refused. Files are
made read-only. They are plain files: put OUT under DVC (`dvc add OUT`) or git-lfs as they are.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sdk_scripts.errors import LabelopsError
from sdk_scripts.governance.guidelines import read_history, version_at
from sdk_scripts.review.final_labels import label_names, label_regions
from sdk_scripts.review.project_state import ProjectState

FORMAT = 1


@dataclass
class SnapshotResult:
    path: Path
    snapshot_id: str
    created: bool
    manifest: dict


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def label_distribution(records: list[dict]) -> dict[str, dict[str, int]]:
    """control -> label -> number of tasks whose final label includes it."""
    distribution: dict[str, Counter] = {}
    for record in records:
        for control, regions in label_regions(record.get("final") or []).items():
            distribution.setdefault(control, Counter()).update(set(label_names(regions)))
    return {control: dict(sorted(counts.items())) for control, counts in sorted(distribution.items())}


def _guideline_versions(state: ProjectState) -> tuple[list, dict]:
    """(guideline history, annotation id -> created_at): what `snapshot_records` dates interpretations by."""
    history = read_history(state.source.get("expert_instruction"))
    created = {a["id"]: a.get("created_at") for t in state.tasks for a in t.get("annotations") or []}
    return history, created


def _dated(record: dict, history: list, created: dict) -> dict:
    for interpretation in record["interpretations"]:
        interpretation["guidelines_version"] = version_at(history, created.get(interpretation["annotation"]))
    return record


def snapshot_records(state: ProjectState, records: list[dict]) -> list[dict]:
    """Export records with the guideline version in force for each interpretation."""
    history, created = _guideline_versions(state)
    return [_dated(record, history, created) for record in records]


def _lines(records: Iterable[dict]) -> Iterator[bytes]:
    """data.jsonl, a line at a time."""
    for record in records:
        yield (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _ids(records: Iterable[dict], label_config: str) -> tuple[str, str, str]:
    """(data.jsonl hash, config hash, snapshot id) of snapshot records, hashed a line at a time."""
    config_hash = _sha256(label_config.encode("utf-8"))[:16]
    data, snapshot = hashlib.sha256(), hashlib.sha256()
    for line in _lines(records):
        data.update(line)
        snapshot.update(line)
    snapshot.update(config_hash.encode())
    return data.hexdigest(), config_hash, snapshot.hexdigest()[:16]


def content_id(records: Iterable[dict], label_config: str) -> str:
    """The id `write_snapshot` gives these snapshot records (the report names it)."""
    return _ids(records, label_config)[2]


def export_snapshot_id(state: ProjectState, records: list[dict]) -> str:
    """The id `write_snapshot` would give these export records, which are left as they are (copied one at a time,
    so a 100,000-task dataset is never held twice)."""
    history, created = _guideline_versions(state)
    dated = (_dated(copy.deepcopy(record), history, created) for record in records)
    return content_id(dated, state.source["label_config"])


def write_snapshot(state: ProjectState, records: list[dict], agreement_summary: dict, out_dir: Path) -> SnapshotResult:
    records = snapshot_records(state, records)
    data_hash, config_hash, snapshot_id = _ids(records, state.source["label_config"])
    history = read_history(state.source.get("expert_instruction"))
    manifest = {
        "format": FORMAT,
        "id": snapshot_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "project": {"id": state.source["id"], "title": state.source["title"]},
        "counts": {"tasks": len(records), **dict(Counter(r["state"] for r in records))},
        "label_distribution": label_distribution([r for r in records if r["state"] != "quarantined"]),
        "config_hash": config_hash,
        "guidelines": {"current": history[-1] if history else None, "history": history},
        "agreement": agreement_summary,
        "files": {"data.jsonl": data_hash},
    }
    target = out_dir / snapshot_id
    if target.exists():
        existing = target / "data.jsonl"
        if existing.is_file() and _sha256(existing.read_bytes()) == manifest["files"]["data.jsonl"]:
            return SnapshotResult(target, snapshot_id, False, json.loads((target / "manifest.json").read_text()))
        raise LabelopsError(f"{target} exists but does not hold snapshot {snapshot_id}; refusing to overwrite it")
    out_dir.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=out_dir))
    with (building / "data.jsonl").open("wb") as fh:
        fh.writelines(_lines(records))
    (building / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    for path in building.iterdir():
        path.chmod(0o444)
    try:
        os.rename(building, target)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return SnapshotResult(target, snapshot_id, True, manifest)


def load_snapshot(path: Path) -> tuple[dict, dict[int, dict]]:
    """A snapshot's manifest and records, checked: a damaged or modified snapshot is one LabelopsError."""
    from sdk_scripts.input_files import decode_utf8, json_error, jsonl_lines, read_input_bytes, strict_json
    from sdk_scripts.task_files import task_file_limit

    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise LabelopsError(f"{path} is not a labelops snapshot (no manifest.json)")
    try:
        manifest = strict_json(decode_utf8(read_input_bytes(manifest_path, 16 * 1024 * 1024, "manifest"),
                                           str(manifest_path)))
    except ValueError as exc:
        raise LabelopsError(f"{manifest_path}: {json_error(exc)}") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not all(isinstance(manifest.get(k), str) for k in ("id", "config_hash")) \
            or not isinstance(files.get("data.jsonl"), str):
        raise LabelopsError(f"{manifest_path}: not a labelops snapshot manifest (id, config_hash, files)")
    data = path / "data.jsonl"
    raw = read_input_bytes(data, task_file_limit(), "snapshot file")
    if _sha256(raw) != files["data.jsonl"]:
        raise LabelopsError(f"{data} does not match its manifest: the snapshot was modified")
    records = {}
    for number, line in jsonl_lines(decode_utf8(raw, str(data))):
        try:
            record = strict_json(line)
        except ValueError as exc:
            raise LabelopsError(f"{data}:{number}: {json_error(exc)}") from None
        if not isinstance(record, dict) or not isinstance(record.get("task"), int):
            raise LabelopsError(f"{data}:{number}: not a snapshot record (an object with an integer 'task')")
        records[record["task"]] = record
    return manifest, records


def _final_summary(record: dict) -> str:
    from sdk_scripts.review.final_labels import summarize

    return summarize(record["final"]) if record.get("final") else "(none)"


def _who(old: dict, new: dict) -> str:
    if new.get("review") and new["review"] != old.get("review"):
        return f"reviewer {new['review']['reviewer']}"
    before = {i["annotator"]: json.dumps(i["result"], sort_keys=True) for i in old["interpretations"]}
    after = {i["annotator"]: json.dumps(i["result"], sort_keys=True) for i in new["interpretations"]}
    changed = sorted(str(a) for a in set(before) | set(after) if before.get(a) != after.get(a))
    return ("annotators " + ", ".join(changed)) if changed else "consensus rule"


def diff_snapshots(path_a: Path, path_b: Path) -> dict:
    manifest_a, a = load_snapshot(path_a)
    manifest_b, b = load_snapshot(path_b)
    if manifest_a["config_hash"] != manifest_b["config_hash"]:
        raise LabelopsError(
            f"snapshots {manifest_a['id']} and {manifest_b['id']} were made with different labeling configs "
            f"({manifest_a['config_hash']} vs {manifest_b['config_hash']}); their labels are not comparable"
        )
    changed = []
    for task in sorted(set(a) & set(b)):
        old, new = a[task], b[task]
        before, after = _final_summary(old), _final_summary(new)
        if before != after or old["state"] != new["state"]:
            changed.append({"task": task, "before": before, "after": after, "state_before": old["state"],
                            "state_after": new["state"], "changed_by": _who(old, new)})
    return {"from": manifest_a["id"], "to": manifest_b["id"], "added": sorted(set(b) - set(a)),
            "removed": sorted(set(a) - set(b)), "changed": changed}
