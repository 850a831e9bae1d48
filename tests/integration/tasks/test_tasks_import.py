"""`labelops tasks import`: dedupe on a stable key, resumable, broken files refused before any write."""

from __future__ import annotations

import json
import re

import pytest

from sdk_scripts.task_files import KEY_FIELD
from tests.support.labelstudio import unique_title


@pytest.fixture
def text_project(ls_client):
    from sdk_scripts.label_config_library import read_config

    project = ls_client.create_project(title=unique_title("Import"), label_config=read_config("text_sentiment"))
    yield project
    ls_client.delete_project(project["id"])


def task_texts(ls_client, project_id: int) -> list[str]:
    return sorted(t["data"]["text"] for t in ls_client.iter_tasks(project_id, with_annotations=False))


def test_import_twice_adds_nothing_the_second_time(run_cli, ls_client, text_project, tmp_path) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps({"text": f"text {i}"}) + "\n" for i in range(7)))
    first = run_cli("tasks", "import", text_project["id"], path)
    assert first.code == 0, first.err
    assert "7 tasks in" in first.out and "0 already present, 7 imported" in first.out
    second = run_cli("tasks", "import", text_project["title"], path)
    assert second.code == 0, second.err
    assert "7 already present, 0 imported" in second.out
    assert task_texts(ls_client, text_project["id"]) == sorted(f"text {i}" for i in range(7))


def test_interrupted_import_resumes_with_the_missing_tasks_only(run_cli, ls_client, text_project, tmp_path) -> None:
    rows = [{"id": f"doc-{i}", "text": f"document {i}"} for i in range(10)]
    partial, full = tmp_path / "partial.json", tmp_path / "full.json"
    partial.write_text(json.dumps(rows[:4]))
    full.write_text(json.dumps(rows))
    assert run_cli("tasks", "import", text_project["id"], partial, "--key", "id").code == 0
    result = run_cli("tasks", "import", text_project["id"], full, "--key", "id", "--batch-size", "3")
    assert result.code == 0, result.err
    assert "4 already present, 6 imported" in result.out
    tasks = list(ls_client.iter_tasks(text_project["id"], with_annotations=False))
    assert sorted(t["data"][KEY_FIELD] for t in tasks) == sorted(f"doc-{i}" for i in range(10))


def test_csv_and_label_studio_task_shape(run_cli, ls_client, text_project, tmp_path) -> None:
    csv_path = tmp_path / "tasks.csv"
    csv_path.write_text('text,source\n"hello, world",web\nsecond row,mail\n')
    assert run_cli("tasks", "import", text_project["id"], csv_path).code == 0
    shaped = tmp_path / "shaped.jsonl"
    shaped.write_text(json.dumps({"data": {"text": "with meta"}, "meta": {"batch": 2}}) + "\n")
    assert run_cli("tasks", "import", text_project["id"], shaped).code == 0
    tasks = {t["data"]["text"]: t for t in ls_client.iter_tasks(text_project["id"])}
    assert set(tasks) == {"hello, world", "second row", "with meta"}
    assert tasks["hello, world"]["data"]["source"] == "web"
    assert tasks["with meta"]["meta"] == {"batch": 2}


BROKEN = [
    ("tasks.jsonl", '{"text": "ok"}\n{"text": "fine"}\n{"text": "broken"\n', r"tasks.jsonl:3: invalid JSON"),
    ("tasks.jsonl", '{"text": "ok"}\n{"body": "wrong field"}\n', r"tasks.jsonl:2: task data lacks field 'text'"),
    ("tasks.jsonl", '{"text": "ok"}\n["not", "an", "object"]\n', r"tasks.jsonl:2: a task must be a JSON object"),
    ("tasks.csv", "text,source\nok,web\ntoo,many,values\n", r"tasks.csv:3: more values than the 2 header columns"),
    ("tasks.json", '[{"text": "ok"}, {"text": ""}]', r"tasks.json: item 2: task data lacks field 'text'"),
    ("tasks.xlsx", "whatever", r"unknown task file type '.xlsx'"),
]


@pytest.mark.parametrize(("name", "content", "message"), BROKEN)
def test_broken_file_imports_nothing(run_cli, ls_client, text_project, tmp_path, name, content, message) -> None:
    path = tmp_path / name
    path.write_text(content)
    result = run_cli("tasks", "import", text_project["id"], path)
    assert result.code == 1
    assert result.err.startswith("labelops: error: ") and result.err.count("\n") == 1
    assert re.search(message, result.err), result.err
    assert task_texts(ls_client, text_project["id"]) == []


def test_unknown_project_is_reported(run_cli, tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "x"}\n')
    result = run_cli("tasks", "import", "no such project title", path)
    assert result.code == 1
    assert "no project titled 'no such project title'" in result.err
    assert "no project with id 999999" in run_cli("tasks", "import", "999999", path).err


def test_a_rerun_trusts_its_key_index_only_while_the_project_agrees(ls_client, text_project, tmp_path) -> None:
    from sdk_scripts.task_import import import_task_file
    from sdk_scripts.task_keys import index_path

    pid = text_project["id"]
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps({"text": f"indexed {i}"}) + "\n" for i in range(6)))

    def run() -> tuple[int, int, str]:
        report = import_task_file(ls_client, pid, path, batch_size=4)
        return report.already_present, report.imported, report.keys_from

    def keys() -> list[str]:
        return sorted(t["data"][KEY_FIELD] for t in ls_client.iter_tasks(pid, with_annotations=False))

    assert run() == (0, 6, "empty")
    assert index_path(ls_client.url, pid).is_file()
    assert run() == (6, 0, "index")  # nothing listed: the project's count and the tasks above the index agree

    # Someone else adds one of the file's tasks (and one of their own): found by id, not imported again.
    ls_client.import_tasks(pid, [{"data": {"text": "indexed 6", KEY_FIELD: "theirs"}}])
    path.write_text(path.read_text() + json.dumps({"text": "indexed 6", KEY_FIELD: "theirs"}) + "\n")
    assert run() == (7, 0, "index")

    # A task deleted in Label Studio: the count no longer agrees, every task is listed, the missing one comes back.
    victim = next(t for t in ls_client.iter_tasks(pid, with_annotations=False) if t["data"]["text"] == "indexed 2")
    ls_client.delete_task(victim["id"])
    assert run() == (6, 1, "listing")
    assert run() == (7, 0, "index")

    # A damaged index is not trusted either.
    index_path(ls_client.url, pid).write_text("{not json")
    assert run() == (7, 0, "listing")
    assert len(keys()) == 7 and len(set(keys())) == 7
