"""Task-file parsing and stable keys (pure, no server)."""

from __future__ import annotations

import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.task_files import KEY_FIELD, read_task_file, task_key


def test_key_is_stable_and_independent_of_field_order() -> None:
    assert task_key({"a": 1, "b": "x"}) == task_key({"b": "x", "a": 1})
    assert task_key({"a": 1}) != task_key({"a": 2})
    assert task_key({"id": 7, "a": 1}, key_field="id") == "7"
    assert task_key({KEY_FIELD: "kept", "a": 1}) == "kept"


def test_duplicates_within_a_file_collapse_and_keys_land_in_data(tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "a"}\n\n{"text": "b"}\n{"text": "a"}\n')
    records = read_task_file(path, required_keys={"text"})
    assert [r.payload["data"]["text"] for r in records] == ["a", "b"]
    assert all(r.payload["data"][KEY_FIELD] == r.key for r in records)
    assert [r.location for r in records] == [f"{path}:1", f"{path}:3"]


def test_missing_key_field_is_named(tmp_path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("text\nhello\n")
    with pytest.raises(LabelopsError, match=r"t.csv:2: task data lacks the key field 'doc_id'"):
        read_task_file(path, key_field="doc_id")


def test_not_utf8_is_reported(tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"text": "caf\xe9"}\n')
    with pytest.raises(LabelopsError, match="not UTF-8"):
        read_task_file(path)
