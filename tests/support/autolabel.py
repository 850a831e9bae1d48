"""Auto-label tests' material: a sentiment config, tasks with predictions, reviews, and an in-memory Label Studio."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

from sdk_scripts.errors import NotFoundError
from sdk_scripts.review.reviews import Review

CONFIG = """<View><Text name="text" value="$text"/>
<Choices name="sentiment" toName="text" choice="single-radio">
<Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/></Choices></View>"""
VERSION = "lf-0123abcd"


def sentiment(label: str) -> list[dict]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


def prediction(label: str, score: float | None, version: str = VERSION, ident: int = 0) -> dict:
    return {"id": ident, "model_version": version, "score": score, "result": sentiment(label),
            "created_at": "2026-12-01T00:00:00Z"}


def annotation(ident: int, user: int, label: str, *, truth: bool = False) -> dict:
    return {"id": ident, "completed_by": user, "result": sentiment(label), "was_cancelled": False,
            "ground_truth": truth, "created_at": f"2026-12-01T00:00:{ident % 60:02d}Z"}


def task(ident: int, *, predicted: tuple[str, float | None] | None = None, labels: tuple[str, ...] = (),
         meta: dict | None = None) -> dict:
    """A task with its prediction of VERSION (label, score) and one annotation per label given."""
    return {"id": ident, "data": {"text": f"text {ident}"}, "meta": meta or {}, "overlap": 1,
            "is_labeled": bool(labels),
            "predictions": [prediction(*predicted, ident=1000 + ident)] if predicted else [],
            "annotations": [annotation(10 * ident + k, k + 1, label) for k, label in enumerate(labels)]}


def review(source_task: int, label: str | None, decision: str = "accept one version",
           reasons: tuple[str, ...] = ("auto-label audit",)) -> Review:
    return Review(source_task, 500 + source_task, 900 + source_task, 1, decision, "", False,
                  [] if label is None else sentiment(label), list(reasons), None, "2026-12-02T00:00:00Z")


class FakeLabelStudio:
    """Label Studio as `labelops autolabel` and `review pull` use it, in memory: projects, tasks and the writes."""

    url = "http://ls.test"

    def __init__(self, tasks: list[dict], *, title: str = "Sentiment") -> None:
        self.projects: dict[int, dict] = {1: {"id": 1, "title": title, "label_config": CONFIG, "model_version": "",
                                              "maximum_annotations": 1}}
        self.tasks: dict[int, dict] = {t["id"]: {**t, "project": 1} for t in tasks}
        self.writes: list[tuple[str, Any]] = []
        self._ids = itertools.count(10_000)

    # -- reads
    def project(self, ref: int | str) -> dict:
        found = [p for p in self.projects.values() if ref in (p["id"], p["title"])]
        if not found:
            raise NotFoundError(f"no project {ref}")
        return copy.deepcopy(found[0])

    def projects_titled(self, title: str) -> list[dict]:
        return [copy.deepcopy(p) for p in self.projects.values() if p["title"] == title]

    def iter_tasks(self, project_id: int, **_: Any):
        return iter([copy.deepcopy(t) for t in self.tasks.values() if t["project"] == project_id])

    def task(self, task_id: int) -> dict | None:
        return copy.deepcopy(self.tasks.get(task_id))

    def user_emails(self) -> dict[int, str]:
        return {1: "a@x", 2: "b@x"}

    def model_versions(self, project_id: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in self.tasks.values():
            for p in t.get("predictions") or []:
                if t["project"] == project_id:
                    counts[p["model_version"]] = counts.get(p["model_version"], 0) + 1
        return counts

    # Label Studio's export snapshots, as whole-project reads use them: written at once, listed, downloaded, deleted
    def create_export_snapshot(self, project_id: int, title: str, **_: Any) -> dict:
        self.snapshots = getattr(self, "snapshots", {})
        snapshot = {"id": len(self.snapshots) + 1, "title": title, "status": "completed", "project": project_id}
        self.snapshots[snapshot["id"]] = snapshot
        return dict(snapshot)

    def export_snapshot(self, project_id: int, export_id: int) -> dict:
        return dict(self.snapshots[export_id])

    def export_snapshots(self, project_id: int) -> list[dict]:
        return [dict(s) for s in getattr(self, "snapshots", {}).values() if s["project"] == project_id]

    def delete_export_snapshot(self, project_id: int, export_id: int) -> None:
        getattr(self, "snapshots", {}).pop(export_id, None)

    def download_export_snapshot(self, project_id: int, export_id: int, path: Path, **_: Any) -> int:
        data = json.dumps([t for t in self.tasks.values() if t["project"] == project_id]).encode()
        Path(path).write_bytes(data)
        return len(data)

    def _raw(self, method: str, path: str, what: str, **_: Any) -> Any:
        return [{"id": 1}] if method == "GET" else None  # Data Manager tabs: one is there already

    # -- writes
    def update_task(self, task_id: int, **fields: Any) -> dict:
        self.writes.append(("update_task", task_id, sorted(fields)))
        self.tasks[task_id].update(copy.deepcopy(fields))
        return copy.deepcopy(self.tasks[task_id])

    def delete_task(self, task_id: int) -> None:
        self.writes.append(("delete_task", task_id))
        self.tasks.pop(task_id, None)

    def create_project(self, **fields: Any) -> dict:
        ident = next(self._ids)
        self.projects[ident] = {"id": ident, **fields}
        self.writes.append(("create_project", fields["title"]))
        return copy.deepcopy(self.projects[ident])

    def update_project(self, project_id: int, **fields: Any) -> dict:
        self.projects[project_id].update(fields)
        return copy.deepcopy(self.projects[project_id])

    def import_tasks(self, project_id: int, payloads: list[dict]) -> list[int]:
        ids = []
        for payload in payloads:
            ident = next(self._ids)
            predictions = [{**p, "id": next(self._ids)} for p in payload.get("predictions") or []]
            self.tasks[ident] = {"id": ident, "project": project_id, "data": copy.deepcopy(payload["data"]),
                                 "meta": {}, "annotations": [], "predictions": predictions}
            ids.append(ident)
        self.writes.append(("import_tasks", project_id, len(payloads)))
        return ids

    def create_annotation(self, task_id: int, result: list[dict], **fields: Any) -> dict:
        made = {"id": next(self._ids), "completed_by": 99, "result": copy.deepcopy(result), "was_cancelled": False,
                "ground_truth": bool(fields.get("ground_truth")), "created_at": "2026-12-03T00:00:00Z"}
        self.tasks[task_id]["annotations"].append(made)
        self.writes.append(("create_annotation", task_id))
        return copy.deepcopy(made)

    # -- what tests look at
    def review_tasks(self) -> list[dict]:
        return [t for t in self.tasks.values() if t["project"] != 1]

    def source_tasks(self) -> dict[int, dict]:
        return {i: t for i, t in self.tasks.items() if t["project"] == 1}
