"""Task files are read exactly and checked whole before anything is sent (pure: no server).

Each case here was once silently changed, half-imported or answered with a traceback.
"""

from __future__ import annotations

import csv
import json
import os

import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.label_config_library import read_config
from sdk_scripts.task_files import KEY_FIELD, MAX_REPORTED, read_task_file, task_file_limit
from sdk_scripts.task_schema import config_data_fields, data_problems


def texts(records) -> list[str]:
    return [r.payload["data"]["text"] for r in records]


def test_csv_quoted_newlines_are_kept_and_lines_are_where_records_start(tmp_path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('text,src\n"line one\nline two",a\nplain,b\n"three\r\nlines\rhere",c\n', newline="")
    records = read_task_file(path, required_keys={"text"})
    assert texts(records) == ["line one\nline two", "plain", "three\r\nlines\rhere"]
    assert [r.location for r in records] == [f"{path}:2", f"{path}:4", f"{path}:5"]
    path.write_text('text,src\n"a\nb",x\ntoo,many,values\n')
    with pytest.raises(LabelopsError, match=r"t.csv:4: more values than the 2 header columns"):
        read_task_file(path)


def test_tsv_round_trip_of_awkward_values(tmp_path) -> None:
    rows = [{"text": 'tab\there "quoted" \n newline', "n": "1"}, {"text": "", "n": "\u2028"}]
    path = tmp_path / "t.tsv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["text", "n"], delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    records = read_task_file(path)
    assert [{k: v for k, v in r.payload["data"].items() if k != KEY_FIELD} for r in records] == rows


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85", "\x0c", "\x1c", "\r"])
def test_jsonl_lines_end_only_at_line_feeds(tmp_path, char) -> None:
    value = f"before{char}after"
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"text": value}, ensure_ascii=False) + "\r\n" + json.dumps({"text": "second"}) + "\n",
                    newline="")
    records = read_task_file(path, required_keys={"text"})
    assert texts(records) == [value, "second"]
    assert [r.location for r in records] == [f"{path}:1", f"{path}:2"]


BAD_LINES = [
    ('{"text": NaN}', "NaN is not a JSON number"),
    ('{"text": "x", "n": -Infinity}', "-Infinity is not a JSON number"),
    ('{"text": "x", "n": 1e400}', "number 1e400 is too large"),
    ('{"text": "x", "text": "y"}', "key 'text' appears twice in one object"),
    ('{"text": ' + "[" * 150 + "]" * 150 + "}", "nested more than 100 levels deep"),
    ('{"text": "\\ud800"}', "unpaired surrogate"),
    ('{"text": "a\\u0000b"}', "NUL character"),
    ('{"text": {"nested": 1}}', "field 'text' is shown as Text and must be a string, got an object"),
    ('{"text": 5}', "must be a string, got int 5"),
    ('{"text": ""}', "lacks field 'text'"),
    ('"just a string"', "a task must be a JSON object, got str"),
    ('{"data": {"text": "x"}, "annotations": [{"no": "result"}]}', "annotations item 1 must be an object with"),
    ('{"data": {"text": "x"}, "predictions": [{"result": [], "score": "high"}]}', "'score' must be a number"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_a_bad_line_anywhere_stops_the_whole_file(tmp_path, line, message) -> None:
    lines = [json.dumps({"text": f"t{i}"}) for i in range(700)]
    lines[600] = line
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(lines) + "\n")
    fields = config_data_fields(read_config("text_sentiment"))
    with pytest.raises(LabelopsError) as caught:
        read_task_file(path, fields=fields)
    assert str(caught.value).startswith(f"{path}:601: ")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_every_problem_is_reported_up_to_a_cap(tmp_path) -> None:
    lines = [json.dumps({"text": f"t{i}"}) if i % 2 else '{"text": NaN}' for i in range(60)]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LabelopsError) as caught:
        read_task_file(path)
    shown = str(caught.value).splitlines()
    assert shown[0] == f"{path}:1: invalid JSON: NaN is not a JSON number (and 29 more problems; nothing was used " \
                       "from this file)"
    assert shown[1] == f"  {path}:3: invalid JSON: NaN is not a JSON number"
    assert len(shown) == MAX_REPORTED + 1 and shown[-1] == "  ... and 10 more"


def test_keys_are_checked_not_collapsed(tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": 1, "text": "x"}\n{"id": 1, "text": "x"}\n{"id": 1, "text": "other"}\n')
    with pytest.raises(LabelopsError, match=r"t.jsonl:3: task key '1' is also the key of .*t.jsonl:1, which holds"):
        read_task_file(path, key_field="id")
    path.write_text('{"id": null, "text": "x"}\n{"id": null, "text": "y"}\n')
    with pytest.raises(LabelopsError, match=r"t.jsonl:1: key field 'id' must be a non-empty string or an integer"):
        read_task_file(path, key_field="id")
    path.write_text('{"id": 1, "text": "x"}\n{"id": 1, "text": "x"}\n')  # identical: one task
    assert len(read_task_file(path, key_field="id")) == 1


def test_csv_header_and_syntax_problems(tmp_path) -> None:
    cases = {"text,text\na,b\n": "header names column 'text' more than once",
             "text,\na,b\n": "header column 2 has no name",
             'text\n"unterminated\n': "t.csv:2: invalid CSV: unexpected end of data",
             'text\n"a"b\n': "t.csv:2: invalid CSV",
             "": "CSV file has no header row"}
    for content, message in cases.items():
        path = tmp_path / "t.csv"
        path.write_text(content)
        with pytest.raises(LabelopsError, match=message):
            read_task_file(path)


def test_only_regular_files_of_bounded_size_are_read(tmp_path, monkeypatch) -> None:
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)  # opening it for reading would wait forever for a writer
    with pytest.raises(LabelopsError, match="is not a regular file"):
        read_task_file(fifo)
    (tmp_path / "dir.jsonl").mkdir()
    with pytest.raises(LabelopsError, match="is a directory"):
        read_task_file(tmp_path / "dir.jsonl")
    (tmp_path / "zero.jsonl").symlink_to("/dev/zero")
    with pytest.raises(LabelopsError, match="is not a regular file"):
        read_task_file(tmp_path / "zero.jsonl")
    big = tmp_path / "big.jsonl"
    big.write_text(json.dumps({"text": "x" * 2_000_000}) + "\n")
    monkeypatch.setenv("LABELOPS_MAX_TASK_FILE_MB", "1")
    with pytest.raises(LabelopsError, match=r"too large \(1.9 MiB; the limit is 1 MiB; set LABELOPS_MAX_TASK_FILE_MB"):
        read_task_file(big)
    monkeypatch.setenv("LABELOPS_MAX_TASK_FILE_MB", "lots")
    with pytest.raises(LabelopsError, match="LABELOPS_MAX_TASK_FILE_MB must be a whole number"):
        task_file_limit()


def test_not_utf8_names_the_line(tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": "caf\xe9"}\n')
    with pytest.raises(LabelopsError, match=r"t.jsonl:2: not UTF-8 text"):
        read_task_file(path)


def test_config_fields_and_types() -> None:
    config = """<View><Header value="$title"/><Image name="img" value="$media.url"/>
      <Text name="t" value="$text"/><Text name="greeting" value="Hello $person"/>
      <Paragraphs name="p" value="$dialog" nameKey="a" textKey="b"/>
      <Choices name="c" toName="t"><Choice value="x"/></Choices></View>"""
    fields = {f.key: f.tag for f in config_data_fields(config)}
    assert fields == {"media.url": "Image", "text": "Text", "person": "Text", "dialog": "Paragraphs"}
    fine = {"text": "t", "person": "Ada", "dialog": [{"a": 1, "b": "hi"}], "media": {"url": "/data/upload/1/x.png"}}
    assert data_problems(fine, config_data_fields(config)) == []
    bad = {**fine, "media": {"url": "cat.jpg"}, "dialog": 3}
    found = data_problems(bad, config_data_fields(config))
    assert any("'media.url' is shown as Image and must be a URL" in p for p in found)
    assert any("'dialog' (Paragraphs) must be list or str, got int 3" in p for p in found)
