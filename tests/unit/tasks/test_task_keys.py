"""The local index of a project's task keys (pure parts, and the file it is kept in)."""

from __future__ import annotations

import json
import stat

from sdk_scripts.task_files import KEY_FIELD
from sdk_scripts.task_keys import KeyIndex, checked, index_path, load_index, parse_index, save_index


def task(task_id: int, key: str | None) -> dict:
    return {"id": task_id, "data": {"text": "t", **({KEY_FIELD: key} if key else {})}}


def test_tasks_and_imports_extend_the_count_the_highest_id_and_the_keys() -> None:
    index = KeyIndex("3.1700000000")
    index.add([task(4, "a"), task(9, None), task(7, "b")])  # a task without a key still counts
    assert (index.count, index.max_id, index.keys) == (3, 9, {"a", "b"})
    index.add_imported(["c", "d"], [12, 11])
    assert (index.count, index.max_id, index.keys) == (5, 12, {"a", "b", "c", "d"})
    index.add_imported([], [])
    assert (index.count, index.max_id) == (5, 12)


def test_the_index_is_trusted_only_when_the_project_count_agrees() -> None:
    def index() -> KeyIndex:
        return KeyIndex("3.1700000000", count=2, max_id=10, keys={"a", "b"})

    added = [task(11, "c")]
    found = checked(index(), added, task_number=3)  # 2 known + 1 added since
    assert found is not None and found.keys == {"a", "b", "c"} and (found.count, found.max_id) == (3, 11)
    assert checked(index(), added, task_number=2) is None  # one of the known tasks was deleted
    assert checked(index(), added, task_number=4) is None  # one added under a lower id than the index saw
    assert checked(index(), [], task_number=2) is not None


def test_an_index_of_another_project_or_a_damaged_one_is_ignored() -> None:
    good = KeyIndex("3.1700000000", 2, 10, {"a", "b"}).to_json()
    assert parse_index(json.dumps(good), "3.1700000000") == KeyIndex("3.1700000000", 2, 10, {"a", "b"})
    assert parse_index(json.dumps(good), "3.1800000000") is None  # same id, a project made later (new database)
    for damaged in ("", "{", "[]", json.dumps({**good, "format": 2}), json.dumps({**good, "count": -1}),
                    json.dumps({**good, "max_id": "10"}), json.dumps({**good, "keys": [1]}),
                    json.dumps({**good, "count": True})):
        assert parse_index(damaged, "3.1700000000") is None, damaged


def test_the_index_file_round_trips_per_server_and_is_private(tmp_path) -> None:
    env = {"LABELOPS_STATE_DIR": str(tmp_path)}
    path = index_path("http://ls.example:8080/", 3, env)
    assert path.parent == tmp_path / "import-keys"
    assert path == index_path("http://ls.example:8080", 3, env)
    assert path != index_path("http://other.example:8080", 3, env)
    save_index(path, KeyIndex("3.1700000000", 2, 10, {"b", "a"}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["keys"] == ["a", "b"]
    assert load_index(path, "3.1700000000") == KeyIndex("3.1700000000", 2, 10, {"a", "b"})
    assert load_index(tmp_path / "absent.json", "3.1700000000") is None
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
