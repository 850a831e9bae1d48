"""Which predictions leave Label Studio when a version is no longer kept (pure logic)."""

from __future__ import annotations

from ml_backend.active_learning.pruning import our_version_pattern, parked_name, plan_pruning, stale_versions

OURS = our_version_pattern("labelops", "7")


def _p(pid: int, version: str, at: str) -> dict:
    return {"id": pid, "model_version": version, "created_at": at}


def test_only_our_names_for_this_project_that_are_not_kept_are_stale() -> None:
    present = ["labelops-p7-v1", "labelops-p7-v2", "labelops-p7-v3", "labelops-p70-v1", "labelops-p7-v1x",
               "labelops-minilm-zs", "someone-else", "labelops-p8-v1"]
    assert stale_versions(present, "labelops", "7", kept_numbers=[2, 3]) == {"labelops-p7-v1"}
    assert stale_versions(present, "custom", "7", kept_numbers=[]) == set()


def test_waiting_tasks_lose_stale_predictions_annotated_tasks_keep_what_they_were_made_against() -> None:
    tasks = [
        # waiting for annotations: the stale prediction goes, the kept and foreign ones stay
        {"id": 1, "annotations": [], "predictions": [_p(10, "labelops-p7-v1", "2026-01-01T00:00:00"),
                                                     _p(11, "labelops-p7-v3", "2026-01-03T00:00:00"),
                                                     _p(12, "someone-else", "2026-01-01T00:00:00")]},
        # annotated while v1 was the newest prediction: v1 stays
        {"id": 2, "annotations": [{"id": 5, "created_at": "2026-01-01T12:00:00"}],
         "predictions": [_p(20, "labelops-p7-v1", "2026-01-01T00:00:00")]},
        # annotated after v2 arrived: v1 goes (v2 is what the annotator saw)
        {"id": 3, "annotations": [{"id": 6, "created_at": "2026-01-02T12:00:00"}],
         "predictions": [_p(30, "labelops-p7-v1", "2026-01-01T00:00:00"),
                         _p(31, "labelops-p7-v2", "2026-01-02T00:00:00")]},
        # the annotation names its parent prediction: that one stays even though a newer one exists
        {"id": 4, "annotations": [{"id": 7, "created_at": "2026-01-02T12:00:00", "parent_prediction": 40}],
         "predictions": [_p(40, "labelops-p7-v1", "2026-01-01T00:00:00"),
                         _p(41, "labelops-p7-v2", "2026-01-02T00:00:00")]},
    ]
    plan = plan_pruning(tasks, {"labelops-p7-v1", "labelops-p7-v2"}, OURS)
    # both versions go in one request each, what annotations were made against set aside meanwhile
    assert plan.whole_versions == ["labelops-p7-v1", "labelops-p7-v2"]
    assert plan.keep == {"labelops-p7-v1": [20, 40], "labelops-p7-v2": [31]}
    assert plan.kept == {"labelops-p7-v1": 2, "labelops-p7-v2": 1}
    assert plan.prediction_ids == [] and plan.parked == {}


def test_a_version_nobody_annotated_against_goes_in_one_request() -> None:
    tasks = [{"id": 1, "annotations": [], "predictions": [_p(10, "labelops-p7-v1", "2026-01-01T00:00:00")]},
             {"id": 2, "annotations": [{"id": 3, "created_at": "2025-12-31T00:00:00"}],
              "predictions": [_p(20, "labelops-p7-v1", "2026-01-01T00:00:00")]},
             {"id": 3, "annotations": [{"id": 4, "created_at": "2026-02-01T00:00:00", "was_cancelled": True}],
              "predictions": [_p(30, "labelops-p7-v1", "2026-01-01T00:00:00")]}]
    plan = plan_pruning(tasks, {"labelops-p7-v1"}, OURS)
    assert plan.whole_versions == ["labelops-p7-v1"] and plan.prediction_ids == [] and plan.kept == {}
    assert plan.keep == {}
    assert plan_pruning(tasks, set(), OURS).whole_versions == []


def test_predictions_an_interrupted_run_left_parked_count_as_their_versions() -> None:
    tasks = [
        # kept and parked: kept (its version is deleted around it)
        {"id": 1, "annotations": [{"id": 5, "created_at": "2026-01-01T12:00:00"}],
         "predictions": [_p(10, parked_name("labelops-p7-v1"), "2026-01-01T00:00:00")]},
        # parked, but its annotation is gone: the version's delete cannot reach it, so it goes alone
        {"id": 2, "annotations": [], "predictions": [_p(20, parked_name("labelops-p7-v1"), "2026-01-01T00:00:00")]},
        # parked, version still kept: named back, never deleted
        {"id": 3, "annotations": [{"id": 6, "created_at": "2026-01-03T12:00:00"}],
         "predictions": [_p(30, parked_name("labelops-p7-v3"), "2026-01-03T00:00:00")]},
        # someone else's name that happens to end like ours: never touched
        {"id": 4, "annotations": [], "predictions": [_p(40, "mine-kept", "2026-01-01T00:00:00")]},
    ]
    plan = plan_pruning(tasks, {"labelops-p7-v1"}, OURS)
    assert plan.keep == {"labelops-p7-v1": [10]}
    assert plan.prediction_ids == [20]
    assert plan.parked == {10: "labelops-p7-v1", 20: "labelops-p7-v1", 30: "labelops-p7-v3"}
