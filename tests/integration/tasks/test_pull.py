"""`labelops pull`: annotations made by two annotator users (own tokens) come back with predictions, from Label
Studio's export snapshot (the default) and from the task API, paged."""

from __future__ import annotations

import json

import pytest

from sdk_scripts.label_config_library import read_config
from sdk_scripts.pull import PULL_FORMAT, read_pull
from tests.support.labelstudio import annotator_sdk, unique_title


def sentiment_result(value: str) -> list[dict]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


@pytest.mark.parametrize("source", ["export", "tasks"])
def test_pull_returns_every_annotation_of_two_users(run_cli, ls_client, label_studio, annotators, tmp_path,
                                                    source) -> None:
    project = ls_client.create_project(
        title=unique_title("Pull"), label_config=read_config("text_sentiment"), maximum_annotations=2,
        overlap_cohort_percentage=100,
    )
    ids = ls_client.import_tasks(project["id"], [{"data": {"text": f"text {i}"}} for i in range(5)])
    first, second = annotators[:2]
    as_first, as_second = annotator_sdk(label_studio, first), annotator_sdk(label_studio, second)
    for task_id in ids:
        as_first.annotations.create(task_id, result=sentiment_result("positive"))
    for task_id in ids[:3]:
        as_second.annotations.create(task_id, result=sentiment_result("negative"))
    as_second.predictions.create(task=ids[0], result=sentiment_result("neutral"), score=0.4, model_version="m1")

    result = run_cli("pull", project["id"], "--out", tmp_path / "pulled", "--source", source, "--page-size", "2")
    assert result.code == 0, result.err
    assert "pulled 5 tasks, 8 annotations, 1 predictions" in result.out

    meta, config, tasks = read_pull(tmp_path / "pulled")
    assert meta["format"] == PULL_FORMAT and meta["source"] == source
    assert meta["project"]["id"] == project["id"] and meta["project"]["maximum_annotations"] == 2
    assert meta["counts"] == {"tasks": 5, "annotations": 8, "predictions": 1}
    assert config == ls_client.project(project["id"])["label_config"]
    assert sorted(t["id"] for t in tasks) == sorted(ids)

    by_user: dict[int, dict[int, str]] = {}
    emails = {first.id: first.email, second.id: second.email}
    for task in tasks:
        for annotation in task["annotations"]:  # the annotator as the task API names them, from either source
            user = annotation["completed_by"]
            assert annotation["created_username"] == f" {emails[user]}, {user}"
            choice = annotation["result"][0]["value"]["choices"][0]
            by_user.setdefault(annotation["completed_by"], {})[task["id"]] = choice
    assert by_user == {
        first.id: {task_id: "positive" for task_id in ids},
        second.id: {task_id: "negative" for task_id in ids[:3]},
    }
    (predicted,) = [t for t in tasks if t["predictions"]]
    assert predicted["id"] == ids[0]
    assert predicted["predictions"][0]["score"] == pytest.approx(0.4)
    assert predicted["predictions"][0]["model_version"] == "m1"

    # A second pull replaces the first one wholesale and leaves no temp files, here or in Label Studio.
    assert run_cli("pull", project["title"], "--out", tmp_path / "pulled", "--source", source).code == 0
    assert ls_client.export_snapshots(project["id"]) == []
    files = sorted(p.name for p in (tmp_path / "pulled").iterdir())
    assert files == ["label_config.xml", "project.json", "tasks.jsonl"]
    lines = (tmp_path / "pulled" / "tasks.jsonl").read_text().splitlines()
    assert len(lines) == 5 and all(json.loads(line)["data"]["text"].startswith("text ") for line in lines)
