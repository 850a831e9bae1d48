"""`labelops dataset export --format ...` without a server: argument checks, the wiring, what it prints."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from sdk_scripts.cli import context
from sdk_scripts.formats import export as formats_export
from sdk_scripts.formats.base import Dataset
from sdk_scripts.review import export as review_export
from tests.support.cli import one_error_line
from tests.support.formats import BOX_CONFIG, record, serve_images, shape_records


@pytest.fixture
def run(offline_cli):
    return offline_cli


@pytest.mark.parametrize(("args", "message"), [
    (["export", "1", "--out", "a-dir"], "argument --out: a-dir is a directory; give a file name"),
    (["export", "1", "--out", "a-dir", "--format", "jsonl"], "a-dir is a directory"),
    (["dataset", "export", "1", "--format", "yolo", "--out", "a-file"],
     "argument --out: a-file exists and is not a directory (--format yolo writes one)"),
    (["dataset", "export", "1", "--out", "a-file", "--format", "hf"], "a-file exists and is not a directory"),
    (["dataset", "export", "1", "--out", "d", "--format", "parquet"], "argument --format: invalid choice"),
    (["dataset", "export", "1", "--out", "d", "--consensus", "vote"], "argument --consensus: invalid choice"),
    (["dataset", "export", "1", "--out", "d", "--quorum", "0"], "argument --quorum: must be at least 1"),
])
def test_arguments_are_checked_together_before_anything_runs(run, tmp_path: Path, args, message) -> None:
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-dir").mkdir()
    code, _, err = run(*args)
    assert message in one_error_line(err, code, expected_code=2)


def test_a_yolo_split_without_val_is_refused_before_any_request(run) -> None:
    code, _, err = run("dataset", "export", "1", "--format", "yolo", "--out", "d", "--split", "train:0.5,test:0.5")
    assert one_error_line(err, code) == ("labelops: error: --split for yolo: the splits are train, val and "
                                         "optionally test (ultralytics' data.yaml), got train, test")


def test_the_export_fetches_images_through_the_client_and_lists_what_it_left_out(run, tmp_path: Path,
                                                                                monkeypatch) -> None:
    records, _ = shape_records(tmp_path / "media", 3)
    records.append(record(77, {"image": "/data/upload/1/gone.png"}, []))
    fetch = serve_images(tmp_path / "media")
    seen = []

    class Media:
        def fetch(self, ref: str, task_id: int, project_id: int) -> bytes:
            seen.append((task_id, project_id))
            return fetch(ref, task_id)

    client = SimpleNamespace(media=lambda: Media())
    state = SimpleNamespace(source={"id": 5})
    monkeypatch.setattr(context, "label_studio", lambda args: client)
    monkeypatch.setattr(context, "review_state", lambda args, c, **_: state)
    asked = []

    def export_records(state_, *, quorum, method):
        asked.append((quorum, method))
        return records

    monkeypatch.setattr(review_export, "export_records", export_records)
    monkeypatch.setattr(formats_export, "dataset_of", lambda state_, rows: Dataset(rows, BOX_CONFIG, "snapcli", 5))
    code, out, err = run("dataset", "export", "5", "--format", "yolo", "--out", "ds", "--quorum", "2",
                         "--consensus", "majority")
    assert code == 0, err
    assert asked == [(2, "majority")] and {p for _, p in seen} == {5}
    assert run("export", "5", "--format", "yolo", "--out", "ds")[0] == 0  # the older name; a rerun replaces it
    assert asked[-1] == (None, "dawid-skene")
    lines = out.splitlines()
    assert lines[0] == "exported 3 tasks as yolo to ds (train 2, val 1)"
    assert lines[1:] == ["1 task left out (listed in ds/export.json):",
                         "  task 77: image not fetched: HTTP 404 fetching media"]
    assert json.loads((tmp_path / "ds" / "weights.json").read_text())["snapshot"] == "snapcli"
