"""The stable keys of a project's tasks, without listing 100,000 tasks on every `tasks import`.

Label Studio lists a project's tasks at a few milliseconds per task, so a rerun of a 100,000-task import spent
minutes finding out that every key was there. A local index remembers the keys: after each import,
`<state dir>/import-keys/<server>-<project id>.json` holds the project's uid (id and creation time: a new
database reuses ids), how many tasks it had, the highest task id seen and every key. The next run checks it
against Label Studio in two cheap requests: the tasks with a higher id (added since, by anyone, or by a run
cut off before it wrote the index) are listed and their keys added, and the project's task count must then
equal the index's count plus those. Any other count means tasks were deleted (or added under a lower id):
the index is not trusted and every task is listed, as without one. Only the `id` and `data` of tasks are
ever asked for.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.project_ids import project_uid
from sdk_scripts.state_dir import server_slug, state_dir
from sdk_scripts.task_files import KEY_FIELD

INDEX_FORMAT = 1
PAGE_SIZE = 1000
LISTED_FIELDS = ("id", "data")


@dataclass
class KeyIndex:
    """What a project held when last seen: its uid, task count, highest task id and the tasks' keys."""

    project: str
    count: int = 0
    max_id: int = 0
    keys: set[str] = field(default_factory=set)

    def add(self, tasks: Iterable[Mapping]) -> None:
        """Count tasks (Label Studio task objects with `id` and `data`) and keep their keys."""
        for task in tasks:
            self.count += 1
            self.max_id = max(self.max_id, int(task["id"]))
            data = task.get("data")
            if isinstance(data, Mapping) and KEY_FIELD in data:
                self.keys.add(str(data[KEY_FIELD]))

    def add_imported(self, keys: Iterable[str], task_ids: Iterable[int]) -> None:
        """Tasks this run created (their keys, and the ids Label Studio gave them)."""
        ids = list(task_ids)
        self.keys.update(keys)
        self.count += len(ids)
        self.max_id = max([self.max_id, *ids])

    def to_json(self) -> dict:
        return {"format": INDEX_FORMAT, "project": self.project, "count": self.count, "max_id": self.max_id,
                "keys": sorted(self.keys)}


@dataclass(frozen=True)
class KnownKeys:
    """The project's keys now, the index that says so (to extend with this run's imports) and how they were found:
    "empty" (a project without tasks), "index" (the index, checked) or "listing" (every task listed)."""

    index: KeyIndex
    how: str


def index_path(url: str, project_id: int, env: Mapping[str, str] | None = None) -> Path:
    return state_dir(env) / "import-keys" / f"{server_slug(url)}-{project_id}.json"


def parse_index(text: str, uid: str) -> KeyIndex | None:
    """The index in `text` when it is one, of the project `uid`; None otherwise (pure)."""
    try:
        raw = json.loads(text)
    except ValueError:
        return None
    if not isinstance(raw, dict) or raw.get("format") != INDEX_FORMAT or raw.get("project") != uid:
        return None
    count, max_id, keys = raw.get("count"), raw.get("max_id"), raw.get("keys")
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (count, max_id)) \
            or not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        return None
    return KeyIndex(uid, count, max_id, set(keys))


def checked(index: KeyIndex, added: list[Mapping], task_number: int) -> KeyIndex | None:
    """The index extended by the tasks added since (ids above its max), if the project's count agrees (pure)."""
    if index.count + len(added) != task_number:
        return None
    index.add(added)
    return index


def load_index(path: Path, uid: str) -> KeyIndex | None:
    try:
        return parse_index(path.read_text(encoding="utf-8"), uid)
    except (OSError, UnicodeDecodeError):
        return None


def save_index(path: Path, index: KeyIndex) -> None:
    """Write the index (mode 600: keys may be the user's own ids) through a temp file; a failure only costs the
    next run a full listing, so it is not an error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(index.to_json(), fh, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        pass


def known_keys(client: LabelStudioClient, project: dict, path: Path) -> KnownKeys:
    """The keys of the project's tasks now (`project`: as Label Studio's project API answers, with task_number)."""
    uid = project_uid(project)
    task_number = project.get("task_number")
    counted = isinstance(task_number, int) and not isinstance(task_number, bool)  # else: list every task
    if counted and task_number == 0:
        return KnownKeys(KeyIndex(uid), "empty")
    index = load_index(path, uid) if counted else None
    if index is not None:
        added = list(client.iter_tasks(project["id"], with_annotations=False, page_size=PAGE_SIZE,
                                       only=LISTED_FIELDS, after_id=index.max_id))
        found = checked(index, added, task_number)
        if found is not None:
            return KnownKeys(found, "index")
    index = KeyIndex(uid)
    index.add(client.iter_tasks(project["id"], with_annotations=False, page_size=PAGE_SIZE, only=LISTED_FIELDS))
    return KnownKeys(index, "listing")
