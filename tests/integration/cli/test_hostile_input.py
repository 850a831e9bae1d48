"""Hostile task files and failed pulls against the real Label Studio: one clear error, nothing half-done."""

from __future__ import annotations

import json
import os

import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.label_config_library import read_config
from sdk_scripts.pull import pull_project, read_pull
from tests.support.cli import one_error_line
from tests.support.labelstudio import unique_title


@pytest.fixture
def text_project(ls_client):
    project = ls_client.create_project(title=unique_title("Hostile"), label_config=read_config("text_sentiment"))
    yield project
    ls_client.delete_project(project["id"])


def stored_texts(ls_client, project_id: int) -> list[str]:
    return sorted(t["data"]["text"] for t in ls_client.iter_tasks(project_id, with_annotations=False))


def test_multiline_csv_and_unicode_line_separators_arrive_unchanged(run_cli, ls_client, text_project,
                                                                    tmp_path) -> None:
    (tmp_path / "t.csv").write_text('text,src\n"line one\nline two",a\n"say ""hi""\r\nthere",b\n', newline="")
    result = run_cli("tasks", "import", text_project["id"], tmp_path / "t.csv")
    assert result.code == 0, result.err
    odd = "a\u2028b\u2029c\x85d\x0ce"
    (tmp_path / "t.jsonl").write_text(json.dumps({"text": odd}, ensure_ascii=False) + "\n")
    result = run_cli("tasks", "import", text_project["id"], tmp_path / "t.jsonl")
    assert result.code == 0, result.err
    assert stored_texts(ls_client, text_project["id"]) == sorted(["line one\nline two", 'say "hi"\r\nthere', odd])


def test_a_bad_record_on_line_601_imports_nothing(run_cli, ls_client, text_project, tmp_path) -> None:
    lines = [json.dumps({"text": f"text {i}"}) for i in range(700)]
    lines[600] = '{"text": NaN}'
    lines[650] = '{"text": {"an": "object"}}'
    (tmp_path / "t.jsonl").write_text("\n".join(lines) + "\n")
    result = run_cli("tasks", "import", text_project["id"], tmp_path / "t.jsonl", "--batch-size", "100")
    assert result.code == 1 and "Traceback" not in result.err
    first, second = result.err.splitlines()
    assert first.startswith(f"labelops: error: {tmp_path / 't.jsonl'}:601: invalid JSON: NaN is not a JSON number")
    assert "(and 1 more problems; nothing was used from this file)" in first
    assert second == f"  {tmp_path / 't.jsonl'}:651: field 'text' is shown as Text and must be a string, got an object"
    assert stored_texts(ls_client, text_project["id"]) == []


def test_devices_fifos_and_directories_are_not_task_files(run_cli, ls_client, text_project, tmp_path) -> None:
    (tmp_path / "zero.jsonl").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.csv")
    (tmp_path / "dir.json").mkdir()
    for name, message in (("zero.jsonl", "is not a regular file"), ("fifo.csv", "is not a regular file"),
                          ("dir.json", "is a directory")):
        result = run_cli("tasks", "import", text_project["id"], tmp_path / name)
        assert message in one_error_line(result.err, result.code)
    assert stored_texts(ls_client, text_project["id"]) == []


class _FailingClient:
    """The real client, except that the task listing breaks off after `after` tasks (a lost server)."""

    def __init__(self, client, after: int) -> None:
        self._client, self._after = client, after
        self.url = client.url

    def project(self, ref):
        return self._client.project(ref)

    def iter_tasks(self, project_id, **kwargs):
        for number, task in enumerate(self._client.iter_tasks(project_id, **kwargs)):
            if number == self._after:
                raise LabelopsError("cannot reach Label Studio (simulated)")
            yield task


def test_a_failed_pull_leaves_the_previous_pull_whole(run_cli, ls_client, text_project, tmp_path) -> None:
    ls_client.import_tasks(text_project["id"], [{"data": {"text": f"t{i}"}} for i in range(5)])
    out = tmp_path / "pulled"
    assert run_cli("pull", text_project["id"], "--out", out).code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    ls_client.import_tasks(text_project["id"], [{"data": {"text": "one more"}}])
    with pytest.raises(LabelopsError, match="simulated"):
        # the task API breaking off mid-listing (an export snapshot cut off mid-download: labelstudio/test_faults.py)
        pull_project(_FailingClient(ls_client, after=3), text_project["id"], out, page_size=2, source="tasks")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pulled"]  # no temp dir left beside it
    assert run_cli("pull", text_project["id"], "--out", out).code == 0
    assert len(read_pull(out)[2]) == 6
    (out / "notes.txt").write_text("mine")
    result = run_cli("pull", text_project["id"], "--out", out)
    assert "holds files that are not part of a labelops pull ('notes.txt')" in one_error_line(result.err, result.code)
    assert (out / "notes.txt").read_text() == "mine" and len(read_pull(out)[2]) == 6

