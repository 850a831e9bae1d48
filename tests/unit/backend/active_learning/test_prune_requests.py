"""Pruning's requests to Label Studio: one per stale version plus two per kept prediction, whatever the project's
size; a delete that fails leaves nothing parked (a fake Label Studio counts the calls)."""

from __future__ import annotations

import pytest

from ml_backend.active_learning.pruning import parked_name
from ml_backend.active_learning.trainer import prune_stale_predictions
from ml_backend.settings import BackendSettings


class FakeLabelStudio:
    def __init__(self, tasks: list[dict], fail_delete: bool = False) -> None:
        self.tasks, self.fail_delete, self.calls = tasks, fail_delete, []
        self.expected: list[tuple[int, int]] = []

    def _predictions(self) -> list[dict]:
        return [p for t in self.tasks for p in t["predictions"]]

    def model_versions(self, project_id: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self._predictions():
            counts[p["model_version"]] = counts.get(p["model_version"], 0) + 1
        return counts

    def update_prediction(self, prediction_id: int, **fields) -> dict:
        self.calls.append("update")
        [found] = [p for p in self._predictions() if p["id"] == prediction_id]
        found.update(fields)
        return found

    def delete_model_version(self, project_id: int, model_version: str, expected: int = 0) -> int:
        self.calls.append("delete version")
        if self.fail_delete:
            raise RuntimeError("Label Studio answered 500")
        gone = [p for p in self._predictions() if p["model_version"] == model_version]
        self.expected.append((expected, len(gone)))  # what the client was told to wait for, what it deletes
        for t in self.tasks:
            t["predictions"] = [p for p in t["predictions"] if p["model_version"] != model_version]
        return len(gone)

    def delete_prediction(self, prediction_id: int) -> None:
        self.calls.append("delete")
        for t in self.tasks:
            t["predictions"] = [p for p in t["predictions"] if p["id"] != prediction_id]


class KeptRuns:
    def versions(self) -> list[int]:
        return [2, 3]


def _project(waiting: int) -> list[dict]:
    """`waiting` unlabeled tasks with v1 and v3 predictions; three annotated tasks made against v1."""
    tasks = [{"id": i, "annotations": [],
              "predictions": [{"id": 10 * i, "model_version": "labelops-p7-v1", "created_at": "2026-01-01"},
                              {"id": 10 * i + 1, "model_version": "labelops-p7-v3", "created_at": "2026-01-03"}]}
             for i in range(1, waiting + 1)]
    for i in range(waiting + 1, waiting + 4):
        tasks.append({"id": i, "annotations": [{"id": i, "created_at": "2026-01-02"}],
                      "predictions": [{"id": 10 * i, "model_version": "labelops-p7-v1", "created_at": "2026-01-01"}]})
    return tasks


@pytest.mark.parametrize("waiting", [10, 2000])
def test_requests_follow_the_annotations_not_the_project_size(waiting: int) -> None:
    client = FakeLabelStudio(_project(waiting))
    report = prune_stale_predictions(client, "7", BackendSettings(), KeptRuns(), client.tasks)
    assert report == {"versions": ["labelops-p7-v1"], "deleted": waiting, "kept": {"labelops-p7-v1": 3}}
    assert sorted(client.calls) == ["delete version"] + ["update"] * 6
    assert client.expected == [(waiting + 3, waiting)]  # the client waits for the version's size (kept included)
    # the kept ones have their ids and name back; no v1 prediction left on a waiting task
    assert client.model_versions(7) == {"labelops-p7-v1": 3, "labelops-p7-v3": waiting}
    kept = [p["id"] for t in client.tasks if t["annotations"] for p in t["predictions"]]
    assert kept == [10 * i for i in range(waiting + 1, waiting + 4)]


def test_a_failed_delete_names_the_kept_predictions_back_and_is_reported() -> None:
    client = FakeLabelStudio(_project(5), fail_delete=True)
    report = prune_stale_predictions(client, "7", BackendSettings(), KeptRuns(), client.tasks)
    assert "Label Studio answered 500" in report["error"]
    assert client.model_versions(7) == {"labelops-p7-v1": 8, "labelops-p7-v3": 5}  # nothing lost, nothing parked


def test_what_an_interrupted_run_left_parked_gets_its_name_back() -> None:
    tasks = _project(2)
    tasks[-1]["predictions"][0]["model_version"] = parked_name("labelops-p7-v1")  # kept, its version stale
    tasks.append({"id": 99, "annotations": [{"id": 99, "created_at": "2026-01-04"}],
                  "predictions": [{"id": 990, "model_version": parked_name("labelops-p7-v3"),
                                   "created_at": "2026-01-03"}]})  # its version still kept
    client = FakeLabelStudio(tasks)
    prune_stale_predictions(client, "7", BackendSettings(), KeptRuns(), client.tasks)
    assert client.model_versions(7) == {"labelops-p7-v1": 3, "labelops-p7-v3": 3}
