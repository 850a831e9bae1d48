"""`labelops pull PROJECT --out DIR`: a project's tasks, annotations and predictions as local files.

Layout of DIR (format 1):

    project.json       {"format": 1, "label_studio_url", "pulled_at", "source", "project": {id, title,
                        maximum_annotations, overlap_cohort_percentage, ...}, "counts": {tasks,
                        annotations, predictions}}
    label_config.xml   the project's labeling config
    tasks.jsonl        one task per line, in Label Studio's task JSON: id, data, annotations
                       (result, completed_by, was_cancelled, ground_truth, lead_time, created_at,
                       updated_at, ...), predictions (result, score, model_version), ...

Two sources, the same files: `export` (the default) asks Label Studio for an export snapshot of the project
(its own JSON export, what the UI's Export button makes), downloads it beside DIR (resuming after a lost
connection or a Label Studio restart, by HTTP range) and streams it into tasks.jsonl a task at a time, then
deletes the snapshot (`labelstudio.export_snapshots`); `tasks` pages through the task API (the Data Manager's
task objects: they also carry `overlap`, `is_labeled` and the current user's drafts, which the export leaves
out; annotations are in the same shape from both). On a 100,000-task project
the export is the faster (`bench/scale.py`). Either way a task id is written once, and memory stays bounded.

A pull is written into a temp directory beside DIR and swapped in only when complete, so DIR is
always a whole pull: the previous one until the new one is done, never a mix, and a pull that fails
or is cut off leaves the previous one as it was. DIR must be new, empty or an earlier pull (a
directory holding other files is refused rather than replaced). `read_pull` checks what it reads
and reports a damaged pull as one `FILE:LINE: ...` error; `open_pull` + `stream_tasks` read the tasks one at
a time (a million annotations without holding them), optionally reporting damaged lines and reading on.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from sdk_scripts.errors import LabelopsError
from sdk_scripts.input_files import decode_utf8, json_error, jsonl_records, read_input_bytes, strict_json
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.export_snapshots import exported_tasks
from sdk_scripts.task_files import LIMIT_ENV, task_file_limit

PULL_FORMAT = 1
SOURCES = ("export", "tasks")
DEFAULT_SOURCE = "export"
PULL_FILES = ("project.json", "label_config.xml", "tasks.jsonl")
# temp files an earlier version of `pull` wrote inside DIR: a DIR holding them is still a pull
_LEGACY_TEMP = (".tasks.jsonl.tmp", ".project.json.tmp", ".label_config.xml.tmp")
_PROJECT_FIELDS = (
    "id", "title", "description", "maximum_annotations", "overlap_cohort_percentage", "sampling",
    "model_version", "created_at", "task_number", "total_annotations_number", "total_predictions_number",
)


@dataclass
class PullReport:
    out_dir: Path
    tasks: int
    annotations: int
    predictions: int


def _check_target(out_dir: Path) -> None:
    """DIR may be new, empty or an earlier pull; anything else is refused before any request."""
    if out_dir.exists() and not out_dir.is_dir():
        raise LabelopsError(f"{out_dir} exists and is not a directory; give a directory for the pull")
    if not out_dir.exists():
        return
    here = Path.cwd().resolve()
    if out_dir.resolve() in (here, *here.parents):
        raise LabelopsError(f"{out_dir} is the current directory (or holds it); pull into a directory of its own")
    foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in PULL_FILES + _LEGACY_TEMP)
    if foreign:
        raise LabelopsError(f"{out_dir} holds files that are not part of a labelops pull ({foreign[0]!r}"
                            f"{f' and {len(foreign) - 1} more' if len(foreign) > 1 else ''}); a pull replaces "
                            "its whole directory, so give a new or empty one")


def _project_fields(project: object, ref: str | int) -> dict:
    if not isinstance(project, dict) or not isinstance(project.get("id"), int) \
            or not isinstance(project.get("label_config"), str):
        raise LabelopsError(f"Label Studio's answer for project {ref!r} has no id or labeling config")
    return project


def _beside(out_dir: Path, what: str) -> Path:
    """A new hidden name next to `out_dir` (same filesystem, so renames are atomic)."""
    return out_dir.parent / f".{out_dir.name}.{what}-{os.getpid()}-{secrets.token_hex(4)}"


def _swap_in(tmp: Path, out_dir: Path) -> None:
    """Replace `out_dir` by the finished pull in `tmp` (two renames; the old pull is removed last)."""
    if out_dir.exists():
        old = _beside(out_dir, "old")
        os.rename(out_dir, old)
        os.rename(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out_dir)


def pull_project(client: LabelStudioClient, project_ref: str | int, out_dir: Path, *, page_size: int = 100,
                 progress: bool | None = None, source: str = DEFAULT_SOURCE) -> PullReport:
    """Write the project's pull into `out_dir` (see the module docstring); nothing is changed on failure."""
    if source not in SOURCES:
        raise LabelopsError(f"unknown pull source {source!r}; choose one of {', '.join(SOURCES)}")
    out_dir = Path(out_dir)
    _check_target(out_dir)
    project = _project_fields(client.project(project_ref), project_ref)
    show = sys.stderr.isatty() if progress is None else progress
    counts = {"tasks": 0, "annotations": 0, "predictions": 0}
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = _beside(out_dir, "pull")
        tmp.mkdir()
    except OSError as exc:
        raise LabelopsError(f"cannot write the pull next to {out_dir}: {exc.strerror}") from None
    try:
        with (tmp / "tasks.jsonl").open("w", encoding="utf-8") as fh, tqdm(
            total=project.get("task_number"), unit="task", desc=f"pull {project.get('title')}", disable=not show
        ) as bar:
            if source == "tasks":
                tasks = client.iter_tasks(project["id"], page_size=page_size)
            else:
                tasks = exported_tasks(client, project["id"], tmp)
            for task in tasks:
                fh.write(json.dumps(task, ensure_ascii=False) + "\n")
                counts["tasks"] += 1
                counts["annotations"] += len(task.get("annotations") or [])
                counts["predictions"] += len(task.get("predictions") or [])
                bar.update(1)
        (tmp / "label_config.xml").write_text(project["label_config"], encoding="utf-8")
        meta = {
            "format": PULL_FORMAT,
            "label_studio_url": client.url,
            "pulled_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": source,
            "project": {k: project.get(k) for k in _PROJECT_FIELDS},
            "counts": counts,
        }
        (tmp / "project.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _swap_in(tmp, out_dir)
    except OSError as exc:
        raise LabelopsError(f"cannot write the pull to {out_dir}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # a cut-off pull leaves the previous one, and nothing else
    return PullReport(out_dir, counts["tasks"], counts["annotations"], counts["predictions"])


def _read_text(path: Path) -> str:
    return decode_utf8(read_input_bytes(path, task_file_limit(), what="pull file",
                                        limit_hint=f"; set {LIMIT_ENV} to raise it"), str(path))


def open_pull(out_dir: Path) -> tuple[dict, str, Path]:
    """(project.json, label config, path of tasks.jsonl) of a pull directory, the first two checked; the tasks are
    read by `stream_tasks`. One LabelopsError if damaged."""
    out_dir = Path(out_dir)
    meta_path = out_dir / "project.json"
    if not meta_path.is_file():
        raise LabelopsError(f"{out_dir} is not a `labelops pull` directory (no project.json)")
    try:
        meta = strict_json(_read_text(meta_path))
    except ValueError as exc:
        raise LabelopsError(f"{meta_path}: {json_error(exc)}") from None
    project = meta.get("project") if isinstance(meta, dict) else None
    if not isinstance(project, dict) or isinstance(project.get("id"), bool) or not isinstance(project.get("id"), int):
        raise LabelopsError(f"{meta_path}: not a labelops pull's project.json (no integer project.id)")
    if meta.get("format") != PULL_FORMAT:
        raise LabelopsError(f"{meta_path}: pull format {meta.get('format')!r}, this labelops reads format "
                            f"{PULL_FORMAT}; pull the project again")
    return meta, _read_text(out_dir / "label_config.xml"), out_dir / "tasks.jsonl"


SKIPPED = "; line skipped"


def nothing_read(tasks_path: Path, first_problem: str) -> LabelopsError:
    """The error for a tasks.jsonl none of whose lines is a task (`first_problem`: the first line's, as reported)."""
    return LabelopsError(f"no task in {tasks_path} could be read ({first_problem.removesuffix(SKIPPED)})")


def stream_tasks(tasks_path: Path, problems: list[str] | None = None, *, start: int = 0, end: int | None = None,
                 first_line: int = 1, whole_file: bool = True) -> Iterator[dict]:
    """The tasks of a pull's tasks.jsonl, one at a time as they are read (memory bounded by one line).

    Without `problems`, a damaged line (not UTF-8, not strict JSON, not a task, a task id seen before) is one
    LabelopsError `FILE:LINE: ...`. With a list, each damaged line is reported there and skipped, and the
    rest is still read; only a file with lines none of which is a task is the error (`nothing_read`; with
    `whole_file=False`, for a part of the file between the byte offsets `start` and `end` whose first line is
    `first_line`, the caller decides that).
    """
    seen: dict[int, int] = {}
    first_damage: str | None = None
    records = jsonl_records(tasks_path, what="pull file", line_limit=task_file_limit(),
                            limit_hint=f"; set {LIMIT_ENV} to raise it", start=start, end=end, first_line=first_line)
    for number, task, error in records:
        where = f"{tasks_path}:{number}"
        task_id = task.get("id") if isinstance(task, dict) else None
        if error is None and (isinstance(task_id, bool) or not isinstance(task_id, int)):
            error = "not a Label Studio task (an object with an integer 'id')"
        elif error is None and task_id in seen:
            error = f"task {task_id} is also on line {seen[task_id]}"
        if error is not None:
            if problems is None:
                raise LabelopsError(f"{where}: {error}")
            first_damage = first_damage or f"{where}: {error}"
            problems.append(f"{where}: {error}{SKIPPED}")
            continue
        seen[task_id] = number
        yield task
    if whole_file and first_damage is not None and not seen:
        raise nothing_read(tasks_path, first_damage)


def read_pull(out_dir: Path) -> tuple[dict, str, list[dict]]:
    """Load a pull directory: (project.json, label config, tasks), each checked; one LabelopsError if damaged."""
    meta, config, tasks_path = open_pull(out_dir)
    return meta, config, list(stream_tasks(tasks_path))
