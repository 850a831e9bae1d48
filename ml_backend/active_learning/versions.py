"""A project's trained model versions on disk: one directory per training run, a `current` pointer.

Layout under `<root>/<project>/`:
- `v<N>/` — the artifacts of run N (`text-head-<control>.npz`, `detector-<control>.pt`, ...) and its
  `meta.json` (model_version, when, annotations used, validation figures, seconds);
- `current` — `{"version": N}`, replaced atomically; the version the backend serves;
- `history.jsonl` — one line per run, successful or not (`labelops al status` shows it);
- `next` — the next run number (never reused, so predictions stored by a failed run can never be
  mistaken for a later run's).
- `identity.json` — which Label Studio project these versions belong to: its creation time, the
  `<id>.<created>` uid Label Studio sends. Project ids restart at 1 on a new Label Studio
  database, so a request whose uid names another creation time never gets these versions, and the
  next training run for that project moves them to `retired/<created>/` (`claim`).

A run is staged in `.staging-v<N>/` and renamed to `v<N>/` only when complete; `current` moves only
after that, so a crash at any point leaves the last good version serving. The last `keep` versions
stay on disk (the current one always), so `rollback` can step back.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sdk_scripts.labelstudio.project_ids import project_uid_parts

_VERSION_DIR = re.compile(r"v(\d+)")


def model_version_name(prefix: str, project: str, version: int) -> str:
    """The model_version string Label Studio sees for run `version` of `project`."""
    return f"{prefix}-p{project}-v{version}"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class ProjectVersions:
    """The versions of one project's trained models under `root/<project>/`."""

    def __init__(self, root: Path | str, project: str, keep: int = 5) -> None:
        if not re.fullmatch(r"\d+", str(project)):
            raise ValueError(f"project id must be digits, got {project!r}")
        self.project = str(project)
        self.dir = Path(root) / self.project
        self.keep = max(1, keep)

    # -- reading ----------------------------------------------------------------------------------

    def versions(self) -> list[int]:
        if not self.dir.is_dir():
            return []
        found = (_VERSION_DIR.fullmatch(p.name) for p in self.dir.iterdir() if p.is_dir())
        return sorted(int(m.group(1)) for m in found if m)

    def current(self) -> int | None:
        pointer = self.dir / "current"
        try:
            version = int(json.loads(pointer.read_text(encoding="utf-8"))["version"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        return version if (self.dir / f"v{version}").is_dir() else None

    def path(self, version: int) -> Path:
        return self.dir / f"v{version}"

    def meta(self, version: int) -> dict[str, Any]:
        try:
            return json.loads((self.path(version) / "meta.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}

    def history(self) -> list[dict[str, Any]]:
        try:
            lines = (self.dir / "history.jsonl").read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # a line torn by a crash
        return out

    # -- writing ----------------------------------------------------------------------------------

    def reserve(self) -> tuple[int, Path]:
        """A fresh run number and an empty staging directory for it."""
        self.dir.mkdir(parents=True, exist_ok=True)
        counter = self.dir / "next"
        try:
            number = int(counter.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            number = 1
        number = max(number, max(self.versions(), default=0) + 1)
        _write_atomic(counter, str(number + 1))
        staging = self.dir / f".staging-v{number}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        return number, staging

    def finish(self, number: int, staging: Path, meta: dict[str, Any]) -> Path:
        """Turn a staged run into version `number` (not yet current)."""
        (staging / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
        target = self.path(number)
        os.replace(staging, target)
        return target

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def point(self, version: int) -> None:
        """Make `version` the one served (atomic), then drop versions beyond the last `keep`."""
        if not self.path(version).is_dir():
            raise ValueError(f"project {self.project}: version {version} is not on disk")
        _write_atomic(self.dir / "current", json.dumps({"version": version}))
        kept = self.versions()
        for old in kept[: -self.keep]:
            if old != version:
                shutil.rmtree(self.path(old), ignore_errors=True)

    def record(self, entry: dict[str, Any]) -> None:
        """Append one run (or rollback) to the history."""
        self.dir.mkdir(parents=True, exist_ok=True)
        entry = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **entry}
        with (self.dir / "history.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, sort_keys=True) + "\n")

    def identity(self) -> int | None:
        try:
            return int(json.loads((self.dir / "identity.json").read_text(encoding="utf-8"))["created"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None

    def belongs_to(self, created: int | None) -> bool:
        """Whether these versions are the project created at `created` (unknown on either side: yes)."""
        mine = self.identity()
        return created is None or mine is None or mine == created

    def claim(self, created: int | None) -> bool:
        """Make this directory the project created at `created`; another project's versions are retired.

        Returns True when something was retired. Call it under the project lock when training.
        """
        if created is None:
            return False
        retired = False
        mine = self.identity()
        if mine is not None and mine != created:
            target = self.dir / "retired" / str(mine)
            target.mkdir(parents=True, exist_ok=True)
            for item in list(self.dir.iterdir()):
                if item.name not in ("retired", ".lock", "next"):  # numbers stay never-reused
                    os.replace(item, target / item.name)
            retired = True
        if mine != created:
            self.dir.mkdir(parents=True, exist_ok=True)
            _write_atomic(self.dir / "identity.json", json.dumps({"created": created}))
        return retired

    def previous(self) -> int:
        """The newest kept version older than the current one (what a rollback serves)."""
        current = self.current()
        older = [v for v in self.versions() if current is None or v < current]
        if not older:
            raise ValueError(f"project {self.project}: no version older than "
                             f"{'v' + str(current) if current else 'the zero-shot start'} is kept on disk")
        return older[-1]


@dataclass(frozen=True)
class ServingRun:
    """One trained version of a project, as the per-tag models see it."""

    project: str
    version: int
    path: Path
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def model_version(self) -> str:
        return str(self.meta.get("model_version") or f"v{self.version}")

    def artifact(self, kind: str, control: str, suffix: str) -> Path | None:
        """`<kind>-<control><suffix>` in this run, if the run trained that control."""
        path = self.path / f"{kind}-{control}{suffix}"
        return path if path.is_file() else None

    def label_counts(self, control: str) -> dict[str, int]:
        return dict((self.meta.get("label_counts") or {}).get(control) or {})


def serving_run(root: Path | str, project: Any, keep: int = 5) -> ServingRun | None:
    """The version the backend serves for `project` (an id or Label Studio's "<id>.<created>" project uid).

    None: untrained, no project given, or the versions on disk belong to another project with that id.
    """
    project_id, created = project_uid_parts(project)
    if project_id is None:
        return None
    store = ProjectVersions(root, project_id, keep)
    if not store.belongs_to(created):
        return None
    version = store.current()
    if version is None:
        return None
    return ServingRun(str(project), version, store.path(version), store.meta(version))
