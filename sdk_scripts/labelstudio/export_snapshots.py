"""A whole project's tasks read through Label Studio's export snapshot: its own JSON export, the fast way out.

Label Studio's task API serialises a task with annotations in about 10 ms on a 2-core machine; its export writes
one in about 4 (`bench/scale.py`). `exported_tasks` asks for a snapshot (as the UI's Export button does), waits
for it, downloads it (resuming by HTTP range after a lost connection or a restart: `download_export_snapshot`),
deletes it from Label Studio and reads the file a task at a time (ijson), so memory stays bounded. Each task
comes in the task API's shape where they differ: an annotation's `completed_by` is the user id, with the
`created_username` the task API adds (the annotator's name and email, which reports show). The export leaves
out `overlap`, `is_labeled` and drafts; `project_tasks` adds the first two from a listing of just those fields
(a fifth of the export's cost), and shares the tasks' repeated strings (every dict key, short values such as
labels: `shared`), which takes a third off the memory a 100,000-task project holds.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.client import EXPORT_TIMEOUT, LabelStudioClient

TITLE_PREFIX = "labelops read"
SNAPSHOT_FILE = ".export-snapshot.json"
LISTED = ("id", "overlap", "is_labeled")
LIST_PAGE = 5000
SHARED_UP_TO = 24  # string values at most this long are interned (labels, control names, types, emails)


def finished_snapshot(client: LabelStudioClient, project_id: int, title: str, poll: float = 1.0) -> dict:
    """A completed export snapshot of the project (Label Studio with a task queue answers before it is written)."""
    snapshot = client.create_export_snapshot(project_id, title)
    deadline = time.monotonic() + EXPORT_TIMEOUT
    while snapshot.get("status") != "completed":
        if snapshot.get("status") == "failed":
            raise LabelopsError(f"Label Studio at {client.url} failed to write the export of project {project_id} "
                                "(see its log)")
        if time.monotonic() > deadline:
            raise LabelopsError(f"Label Studio at {client.url} did not finish the export of project {project_id} "
                                f"within {EXPORT_TIMEOUT:.0f} s")
        time.sleep(poll)
        snapshot = client.export_snapshot(project_id, snapshot["id"])
    return snapshot


def discard_snapshots(client: LabelStudioClient, project_id: int, title: str) -> None:
    """Delete the snapshots titled `title` (a request cut off in flight and retried leaves two): best effort."""
    with contextlib.suppress(LabelopsError):
        for snapshot in client.export_snapshots(project_id):
            if snapshot.get("title") == title:
                client.delete_export_snapshot(project_id, snapshot["id"])


def as_task_api(task: dict) -> dict:
    """An exported task with its annotations' annotator as the task API gives it (pure; changes `task`)."""
    for annotation in task.get("annotations") or []:
        user = annotation.get("completed_by") if isinstance(annotation, dict) else None
        if isinstance(user, dict):
            name = " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)
            annotation["created_username"] = f"{name} {user.get('email')}, {user.get('id')}"
            annotation["completed_by"] = user.get("id")
    return task


def shared(value: object) -> object:
    """`value` with every dict key and every short string interned: one object per distinct string (pure)."""
    if type(value) is dict:
        return {sys.intern(k) if type(k) is str else k: shared(v) for k, v in value.items()}
    if type(value) is list:
        return [shared(v) for v in value]
    if type(value) is str and len(value) <= SHARED_UP_TO:
        return sys.intern(value)
    return value


def exported_tasks(client: LabelStudioClient, project_id: int, workdir: Path) -> Iterator[dict]:
    """The project's tasks from an export snapshot downloaded into `workdir` (see the module docstring); each task
    id once, whatever the file holds. The snapshot is deleted from Label Studio once downloaded, the file once read."""
    import ijson

    title = f"{TITLE_PREFIX} {secrets.token_hex(6)}"
    path = workdir / SNAPSHOT_FILE
    try:
        snapshot = finished_snapshot(client, project_id, title)
        client.download_export_snapshot(project_id, snapshot["id"], path)
    finally:
        discard_snapshots(client, project_id, title)
    seen: set[object] = set()
    try:
        with path.open("rb") as fh:
            for task in ijson.items(fh, "item", use_float=True):
                if isinstance(task, dict) and task.get("id") not in seen:
                    seen.add(task.get("id"))
                    yield as_task_api(task)
    except ijson.JSONError as exc:
        raise LabelopsError(f"Label Studio's export of project {project_id} is not readable JSON ({exc})") from None
    finally:
        path.unlink(missing_ok=True)


def project_tasks(client: LabelStudioClient, project_id: int, *, overlap: bool = True) -> Iterator[dict]:
    """Every task of the project with annotations and predictions from an export snapshot (in a temp dir); for the
    commands that read a whole project. With `overlap`, also `overlap` and `is_labeled`, from a listing of those
    two fields (on 100,000 tasks about 80 s more: commands that never look at them leave it out)."""
    states = {t["id"]: (t.get("overlap"), t.get("is_labeled"))
              for t in client.iter_tasks(project_id, with_annotations=False, page_size=LIST_PAGE, only=LISTED)
              } if overlap else None
    workdir = Path(tempfile.mkdtemp(prefix="labelops-export-"))
    try:
        for task in exported_tasks(client, project_id, workdir):
            if states is not None:
                if task["id"] not in states:  # made after the listing, so without its state: the next run sees it
                    continue
                task["overlap"], task["is_labeled"] = states[task["id"]]
            yield shared(task)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def read_project(client: LabelStudioClient, project_id: int, *, overlap: bool = True) -> list[dict]:
    """`project_tasks` in task id order (the task API's order, which seeded samples depend on)."""
    return sorted(project_tasks(client, project_id, overlap=overlap), key=lambda task: task["id"])
