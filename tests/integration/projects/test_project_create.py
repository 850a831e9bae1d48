"""`labelops project create SPEC` against the real server: idempotent, overlap set, bad specs refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from label_studio_sdk.label_interface import LabelInterface

from tests.support.labelstudio import unique_title


def write_spec(directory: Path, body: str, name: str = "spec.yaml") -> Path:
    path = directory / name
    path.write_text(body)
    return path


def test_create_twice_gives_one_project_with_overlap(run_cli, ls_client, tmp_path) -> None:
    title = unique_title("Emotion pilot")
    (tmp_path / "guide.md").write_text("# Rules\n\nTick **every** emotion.\n")
    spec = write_spec(tmp_path, f"""
title: {title}
config: text_emotion
labels:
  emotion: [joy, anger, sadness]
annotators_per_task: 3
guidelines: guide.md
""")
    first = run_cli("project", "create", spec)
    assert first.code == 0, first.err
    assert first.out.startswith("created project ")
    second = run_cli("project", "create", spec)
    assert second.code == 0, second.err
    assert second.out.startswith("unchanged project ")

    projects = ls_client.projects_titled(title)
    assert len(projects) == 1
    project = ls_client.project(projects[0]["id"])
    assert project["maximum_annotations"] == 3
    assert project["overlap_cohort_percentage"] == 100
    assert LabelInterface(project["label_config"]).get_control("emotion").labels == ["joy", "anger", "sadness"]
    assert "<strong>every</strong>" in project["expert_instruction"]
    assert project["show_instruction"] is True

    # Tasks imported afterwards are each due three annotations.
    tasks_file = tmp_path / "t.jsonl"
    tasks_file.write_text('{"text": "a"}\n{"text": "b"}\n')
    assert run_cli("tasks", "import", project["id"], tasks_file).code == 0
    assert {t["overlap"] for t in ls_client.iter_tasks(project["id"])} == {3}


def test_changed_spec_updates_the_same_project(run_cli, ls_client, tmp_path) -> None:
    title = unique_title("Sentiment")
    spec = write_spec(tmp_path, f"title: {title}\nconfig: text_sentiment\nannotators_per_task: 2\n")
    assert run_cli("project", "create", spec).code == 0
    spec.write_text(f"title: {title}\nconfig: text_sentiment\nannotators_per_task: 4\nsampling: uniform\n")
    result = run_cli("project", "create", spec)
    assert result.code == 0, result.err
    assert result.out.startswith("updated project ") and "maximum_annotations" in result.out
    (project,) = ls_client.projects_titled(title)
    assert ls_client.project(project["id"])["maximum_annotations"] == 4


def test_toml_spec_with_config_path(run_cli, ls_client, tmp_path) -> None:
    title = unique_title("Custom config")
    (tmp_path / "mine.xml").write_text(
        '<View><Text name="text" value="$text"/>'
        '<Choices name="topic" toName="text"><Choice value="a"/><Choice value="b"/></Choices></View>'
    )
    spec = write_spec(tmp_path, f'title = "{title}"\nconfig = "mine.xml"\n[labels]\ntopic = ["x", "y"]\n', "spec.toml")
    result = run_cli("project", "create", spec)
    assert result.code == 0, result.err
    (project,) = ls_client.projects_titled(title)
    assert LabelInterface(ls_client.project(project["id"])["label_config"]).get_control("topic").labels == ["x", "y"]


BAD_SPECS = [
    ("config: text_emotion\n", "missing required field 'title'"),
    ("title: TITLE\n", "missing required field 'config'"),
    ("title: TITLE\nconfig: text_emotionz\n", "unknown config 'text_emotionz'"),
    ("title: TITLE\nconfig: text_emotion\nanotators_per_task: 3\n", "unknown field 'anotators_per_task'"),
    ("title: TITLE\nconfig: text_emotion\nannotators_per_task: three\n", "'annotators_per_task' must be a positive"),
    ("title: TITLE\nconfig: text_emotion\nlabels:\n  emotions: [a]\n", "labels given for control 'emotions'"),
    ("title: TITLE\nconfig: text_emotion\nguidelines: nowhere.md\n", "field 'guidelines': file"),
    ("title: TITLE\nconfig: [text_emotion\n", "spec.yaml:3: invalid YAML"),
    ("title: TITLE\nconfig: broken.xml\n", "broken.xml: invalid XML"),
]


@pytest.mark.parametrize(("body", "message"), BAD_SPECS)
def test_bad_spec_is_one_clear_error_and_creates_nothing(run_cli, ls_client, tmp_path, body, message) -> None:
    title = unique_title("Bad spec")
    (tmp_path / "broken.xml").write_text("<View><Text name='t' value='$t'></View>")
    spec = write_spec(tmp_path, body.replace("TITLE", title))
    result = run_cli("project", "create", spec)
    assert result.code == 1
    assert result.err.startswith("labelops: error: ") and result.err.count("\n") == 1, result.err
    assert message in result.err
    assert ls_client.projects_titled(title) == []


def test_guideline_versions_are_recorded_on_the_project(run_cli, ls_client, tmp_path) -> None:
    from sdk_scripts.governance.guidelines import guidelines_version, read_history, version_at

    title = unique_title("Guidelines")
    guide = tmp_path / "guide.md"
    guide.write_text("Tick every emotion.\n")
    spec = write_spec(tmp_path, f"title: {title}\nconfig: text_emotion\nguidelines: guide.md\nguidelines_tag: v1\n")
    assert run_cli("project", "create", spec).code == 0
    (project,) = ls_client.projects_titled(title)
    first = read_history(ls_client.project(project["id"])["expert_instruction"])
    assert [(e["version"], e["tag"]) for e in first] == [(guidelines_version("Tick every emotion.\n"), "v1")]
    assert "Guidelines version v1" in ls_client.project(project["id"])["expert_instruction"]

    assert run_cli("project", "create", spec).out.startswith("unchanged project ")
    guide.write_text("Tick every emotion. Sarcasm: label the meant emotion.\n")
    spec.write_text(spec.read_text().replace("v1", "v2"))
    assert "expert_instruction" in run_cli("project", "create", spec).out
    history = read_history(ls_client.project(project["id"])["expert_instruction"])
    assert [e["tag"] for e in history] == ["v1", "v2"]
    assert version_at(history, history[1]["since"]) == history[1]["version"]
    assert version_at(history, "2000-01-01T00:00:00Z") is None
