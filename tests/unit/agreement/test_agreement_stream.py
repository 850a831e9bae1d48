"""Reading a pull a task at a time: the same tasks and the same strict checks as reading it whole (pure: no server)."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sdk_scripts.errors import LabelopsError
from sdk_scripts.input_files import MAX_JSON_DEPTH, JSONProblem, jsonl_records, strict_json
from sdk_scripts.pull import open_pull, read_pull, stream_tasks


def depth(value: object) -> int:
    """How deep containers nest (the definition the strict parser enforces)."""
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


TRICKY_TEXT = st.text(alphabet='[]{}"\\ab:,\n\u2028\u00e9', max_size=8)


def nested(levels: int, text: str, width: int) -> object:
    value: object = text
    for level in range(levels):
        siblings = [[text]] * width if level < 3 else []  # wide near the root only: the size stays linear
        value = [value, text, *siblings] if level % 2 else {text + str(level): value, "k": [text], "w": siblings}
    return value


@settings(max_examples=200, deadline=None)
@given(levels=st.integers(0, MAX_JSON_DEPTH + 3), text=TRICKY_TEXT, width=st.integers(1, 3),
       ascii_only=st.booleans())
@example(levels=MAX_JSON_DEPTH - 2, text='"]}\\', width=2, ascii_only=False)
@example(levels=MAX_JSON_DEPTH - 1, text='[{\\"', width=2, ascii_only=True)
def test_depth_check_from_the_text_equals_the_nesting_of_the_value(levels, text, width, ascii_only) -> None:
    """Strings full of brackets, quotes and backslashes do not fool the depth check made on the text (the examples
    nest 100 and 101 levels deep)."""
    value = nested(levels, text, width)
    encoded = json.dumps(value, ensure_ascii=ascii_only)
    if depth(value) > MAX_JSON_DEPTH:
        with pytest.raises(JSONProblem, match="nested more than 100 levels deep"):
            strict_json(encoded)
    else:
        assert strict_json(encoded) == value


@pytest.mark.parametrize(("text", "message"), [
    ('{"a": 1, "b": {"c": 2, "c": 3}}', "key 'c' appears twice in one object"),
    ('{"a": [1.5, 2e308]}', "number 2e308 is too large"),
    ('{"a": -Infinity}', "-Infinity is not a JSON number"),
    ('\ufeff{"a": 1}', "Unexpected UTF-8 BOM"),
])
def test_strict_checks_kept(text, message) -> None:
    with pytest.raises(ValueError, match=message):
        strict_json(text)


def write_pull(root, lines: list[bytes]):
    root.mkdir()
    (root / "project.json").write_text(json.dumps({"format": 1, "project": {"id": 3, "title": "t"}}))
    (root / "label_config.xml").write_text("<View/>")
    (root / "tasks.jsonl").write_bytes(b"".join(lines))
    return root


def test_stream_yields_what_read_pull_loads(tmp_path) -> None:
    tasks = [{"id": i, "data": {"text": f"line\u2028{i}"}, "annotations": []} for i in range(1, 6)]
    lines = [b"\xef\xbb\xbf"] + [json.dumps(t, ensure_ascii=False).encode() + b"\r\n" for t in tasks] + [b"  \n"]
    pulled = write_pull(tmp_path / "p", lines)
    meta, config, path = open_pull(pulled)
    assert list(stream_tasks(path)) == read_pull(pulled)[2] == tasks
    assert meta["project"]["id"] == 3 and config == "<View/>"


def test_damaged_lines_are_problems_or_one_error(tmp_path) -> None:
    pulled = write_pull(tmp_path / "p", [b'{"id": 1}\n', b'{"id": 2,\n', b'{"id": 1}\n', b'7\n', b'{"id": 4}\n'])
    problems: list[str] = []
    assert [t["id"] for t in stream_tasks(pulled / "tasks.jsonl", problems)] == [1, 4]
    assert [p.split(": ", 1)[0].rsplit("/", 1)[1] for p in problems] == \
        ["tasks.jsonl:2", "tasks.jsonl:3", "tasks.jsonl:4"]
    with pytest.raises(LabelopsError, match=r"tasks.jsonl:2: invalid JSON"):
        read_pull(pulled)
    (pulled / "tasks.jsonl").write_bytes(b'{"id": 1\n[]\n')
    with pytest.raises(LabelopsError, match=r"no task in .*tasks.jsonl could be read \(.*tasks.jsonl:1: invalid"):
        list(stream_tasks(pulled / "tasks.jsonl", []))


def test_a_line_over_the_limit_is_one_error(tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"id": 1}\n{"id": 2, "text": "' + b"x" * 100 + b'"}\n')
    records = jsonl_records(path, line_limit=64)
    assert next(records) == (1, {"id": 1}, None)
    with pytest.raises(LabelopsError, match=r"t.jsonl:2: a line over"):
        next(records)


def test_a_large_document_is_checked_on_its_values() -> None:
    """Past TEXT_DEPTH_CHECK characters (a whole task file, not a line) the depth is checked on the parsed values."""
    from sdk_scripts.input_files import TEXT_DEPTH_CHECK

    filler = "x" * (TEXT_DEPTH_CHECK // 4)
    for levels in (MAX_JSON_DEPTH - 3, MAX_JSON_DEPTH - 2):  # 100 and 101 levels deep
        value = [nested(levels, '"]', 2), [filler] * 5]
        encoded = json.dumps(value)
        assert len(encoded) > TEXT_DEPTH_CHECK
        if depth(value) > MAX_JSON_DEPTH:
            with pytest.raises(JSONProblem, match="nested more than 100 levels deep"):
                strict_json(encoded)
        else:
            assert strict_json(encoded) == value
