"""Exported tasks in the task API's shape, and the strings they share (pure parts of labelstudio.export_snapshots)."""

from __future__ import annotations

import json

from sdk_scripts.labelstudio.export_snapshots import as_task_api, shared


def exported(task_id: int, user: object) -> dict:
    return {"id": task_id, "data": {"text": f"text {task_id}"}, "annotations": [
        {"id": task_id * 10, "completed_by": user, "result": [{"from_name": "sentiment", "type": "choices",
                                                                "value": {"choices": ["positive"]}}]}]}


def test_an_expanded_annotator_becomes_the_task_apis_id_and_created_username() -> None:
    named = as_task_api(exported(1, {"id": 4, "email": "a@x.test", "first_name": "Ann", "last_name": "Lee"}))
    bare = as_task_api(exported(2, {"id": 5, "email": "b@x.test", "first_name": "", "last_name": ""}))
    kept = as_task_api(exported(3, 6))  # already an id (an older snapshot): left as it is
    assert named["annotations"][0]["completed_by"] == 4
    assert named["annotations"][0]["created_username"] == "Ann Lee a@x.test, 4"  # as Label Studio writes it
    assert bare["annotations"][0]["created_username"] == " b@x.test, 5"
    assert kept["annotations"][0] == exported(3, 6)["annotations"][0]


def test_shared_tasks_are_equal_and_hold_one_object_per_repeated_string() -> None:
    first, second = (shared(json.loads(json.dumps(exported(i, 4)))) for i in (1, 2))
    assert first == exported(1, 4) and second == exported(2, 4)
    a, b = first["annotations"][0]["result"][0], second["annotations"][0]["result"][0]
    assert all(x is y for x, y in zip(a, b, strict=True))  # the keys
    assert a["from_name"] is b["from_name"] and a["value"]["choices"][0] is b["value"]["choices"][0]
