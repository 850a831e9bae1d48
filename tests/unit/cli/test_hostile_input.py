"""Hostile and careless input to every command: one clear error, nothing half-done, nothing silently changed.

Argument, spec and pull-dir cases need no server (they must fail before any request); a tiny HTTP server
answering `{}` stands in for a URL that is not Label Studio. The import and pull cases against the real
Label Studio are in tests/integration/cli/test_hostile_input.py.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sdk_scripts.label_config_library import read_config
from tests.support.cli import one_error_line

# -- arguments: refused by argparse, before anything runs --------------------------------------

BAD_ARGUMENTS = [
    (["tasks", "import", "1", "t.jsonl", "--batch-size", "0"], "--batch-size: must be at least 1"),
    (["tasks", "import", "1", "t.jsonl", "--batch-size", "-1"], "--batch-size: must be at least 1"),
    (["tasks", "import", "²", "t.jsonl"], "project: expected a project id (digits 0-9) or a project title"),
    (["tasks", "import", "٣", "t.jsonl"], "project: expected a project id"),
    (["tasks", "import", "9" * 30, "t.jsonl"], "project: expected a project id"),
    (["pull", "1", "--out", "p", "--page-size", "0"], "--page-size: must be at least 1"),
    (["preannotate", "1", "--batch-size", "-1"], "--batch-size: must be at least 1"),
    (["preannotate", "1", "--concurrency", "0"], "--concurrency: must be at least 1"),
    (["serve-backend", "--port", "70000"], "--port: must be between 1 and 65535"),
    (["serve-backend", "--threads", "0"], "--threads: must be at least 1"),
    (["backend", "connect", "²", "http://127.0.0.1:9"], "project: expected a project id"),
    (["agreement", "1", "--iou", "nan"], "--iou: expected a number, got 'nan'"),
    (["agreement", "1", "--iou", "0"], "--iou: must be a finite number in (0, 1]"),
    (["agreement", "1", "--iou", "1e999"], "--iou: must be a finite number in (0, 1]"),
    (["agreement", "1", "--min-annotators", "0"], "--min-annotators: must be at least 1"),
    (["review", "push", "1", "--threshold", "nan"], "--threshold: expected a number, got 'nan'"),
    (["review", "push", "1", "--threshold", "1.5"], "--threshold: must be a finite number in [0, 1]"),
    (["review", "push", "1", "--qa-sample", "-0.1"], "--qa-sample: must be a finite number in [0, 1]"),
    (["review", "push", "1", "--review-project", "\u200b\u200b\u200b\u200b"],
     "--review-project: a project title must have at least 3 visible characters"),
    (["review", "push", "1", "--seed", "1_0"], "--seed: expected a whole number in ASCII digits"),
    (["report", "1", "--out", "r.html", "--minority", "inf"], "--minority: expected a number"),
    (["al", "status", "1", "--limit", "-3"], "--limit: must be at least 0"),
]


@pytest.mark.parametrize(("args", "message"), BAD_ARGUMENTS, ids=[" ".join(a) for a, _ in BAD_ARGUMENTS])
def test_bad_arguments_are_refused_with_one_line(offline_cli, args, message) -> None:
    code, _, err = offline_cli(*args)
    assert message in one_error_line(err, code, expected_code=2)


@pytest.mark.parametrize(("split", "message"), [("train:nan", "'train:nan' is not NAME:FRACTION"),
                                               ("../etc:1", "'../etc:1' is not NAME:FRACTION"),
                                               ("a:0.5,a:0.5", "split 'a' is given twice"),
                                               ("a:0.7,b:0.7", "must be positive and sum to 1")])
def test_bad_splits_are_refused_before_any_request(offline_cli, split, message) -> None:
    code, _, err = offline_cli("export", "1", "--out", "x.jsonl", "--split", split)
    line = one_error_line(err, code)
    assert line.startswith("labelops: error: --split: ") and message in line


def test_output_paths_of_the_wrong_kind_are_refused(offline_cli, tmp_path) -> None:
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-dir").mkdir()
    for args, message in ((["pull", "1", "--out", "a-file"], "a-file exists and is not a directory"),
                          (["review", "pull", "1", "--out", "a-file"], "a-file exists and is not a directory"),
                          (["edge-cases", "1", "--out", "a-file"], "a-file exists and is not a directory"),
                          (["snapshot", "1", "--out", "a-file"], "a-file exists and is not a directory"),
                          (["export", "1", "--out", "a-dir"], "a-dir is a directory"),
                          (["report", "1", "--out", "a-dir"], "a-dir is a directory")):
        code, _, err = offline_cli(*args)
        assert message in one_error_line(err, code, expected_code=2), args


# -- project specs: checked whole before the first request --------------------------------------

BAD_SPECS = [
    ("title: Spec one\nconfig: text_sentiment\nsampling: [x]\n", "field 'sampling' must be one of"),
    ("title: Spec two\nconfig: text_sentiment\nguidelines: g.md\n", "g.md:1: not UTF-8 text"),
    ("title: Spec three\nconfig: text_sentiment\nguidelines: /dev/zero\n", "is not a regular file"),
    ('title: "\\u200b\\u200b\\u200b \\u200d\\u2060"\nconfig: text_sentiment\n', "at least 3 visible characters"),
    ("title: " + "x" * 51 + "\nconfig: text_sentiment\n", "at most 50 characters"),
    ("title: Spec four\nconfig: bin.xml\n", "bin.xml:1: not UTF-8 text"),
    ("title: Spec five\nconfig: /dev/zero\n", "field 'config': file /dev/zero is not a regular file"),
    ("1: x\nfoo: y\ntitle: Spec six\nconfig: text_sentiment\n", "unknown field '1'"),
    ("a: " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
    ("title: Spec seven\nconfig: text_sentiment\nannotators_per_task: 100000000000000000000\n",
     "'annotators_per_task' must be a positive integer"),
    ("title: Spec eight\nconfig: text_sentiment\nguidelines: ok.md\nguidelines_tag: [v1]\n", "needs a 'guidelines'"),
]


@pytest.mark.parametrize(("spec", "message"), BAD_SPECS)
def test_bad_spec_is_one_line_before_any_request(offline_cli, tmp_path, spec, message) -> None:
    (tmp_path / "g.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "bin.xml").write_bytes(b"\xff\xfe<View/>")
    (tmp_path / "ok.md").write_text("Label the sentiment.")
    (tmp_path / "spec.yaml").write_text(spec)
    code, _, err = offline_cli("project", "create", "spec.yaml")
    line = one_error_line(err, code)
    assert message in line and "cannot reach Label Studio" not in line


def test_spec_that_is_not_a_file(offline_cli, tmp_path) -> None:
    for target, message in (("/dev/zero", "is not a regular file"), (".", "is a directory")):
        code, _, err = offline_cli("project", "create", target)
        assert message in one_error_line(err, code)


class _Junk(BaseHTTPRequestHandler):
    """A server that answers every request with 200 and `{}`: not Label Studio."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = do_PATCH = do_DELETE = _answer

    def log_message(self, *args) -> None:
        pass


def test_a_server_answering_empty_json_gets_one_line(offline_cli, monkeypatch, tmp_path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Junk)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{server.server_address[1]}")
        (tmp_path / "spec.yaml").write_text("title: Junk answer\nconfig: text_sentiment\n")
        code, _, err = offline_cli("project", "create", "spec.yaml")
        assert "without a project (no id and title)" in one_error_line(err, code)
        code, _, err = offline_cli("pull", "1", "--out", "pulled")
        assert "is not a Label Studio project" in one_error_line(err, code)
        assert not (tmp_path / "pulled").exists()
    finally:
        server.shutdown()


def _junk_server(body: bytes, content_type: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_DELETE = _answer

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize(("body", "content_type"), [(b"{}", "application/json"), (b"[]", "application/json"),
                                                    (b"<html><body>login</body></html>", "text/html")])
def test_a_server_that_is_not_label_studio_gets_one_line_from_every_command(offline_cli, monkeypatch, tmp_path,
                                                                           body, content_type) -> None:
    server = _junk_server(body, content_type)
    try:
        monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{server.server_address[1]}")
        (tmp_path / "tasks.jsonl").write_text('{"text": "a"}\n')
        for args in (("pull", "1", "--out", "pulled"), ("backend", "connect", "1", "http://127.0.0.1:9"),
                     ("preannotate", "1", "--backend", "http://127.0.0.1:9"), ("tasks", "import", "1", "tasks.jsonl"),
                     ("status", "1"), ("al", "status", "1", "--backend", "http://127.0.0.1:9")):
            code, _, err = offline_cli(*args)
            line = one_error_line(err, code)
            assert "labelops cannot read" in line or "is not a Label Studio project" in line or \
                "without a project" in line or "has no id or labeling config" in line, (args, line)
    finally:
        server.shutdown()


# -- damaged pull directories given to `agreement` -----------------------------------------------

def good_pull(root: Path) -> Path:
    root.mkdir()
    (root / "project.json").write_text(json.dumps({"format": 1, "project": {"id": 7, "title": "x"}}))
    (root / "label_config.xml").write_text(read_config("text_sentiment"))
    annotation = {"id": 1, "completed_by": 1, "result": [
        {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}]}
    (root / "tasks.jsonl").write_text(json.dumps({"id": 1, "data": {"text": "a"}, "annotations": [annotation]}) + "\n")
    return root


DAMAGE = [
    ("project.json", b"{not json", "project.json: invalid JSON"),
    ("project.json", b"[]", "no integer project.id"),
    ("project.json", b'{"format": 1, "project": {"id": "7"}}', "no integer project.id"),
    ("project.json", b'{"format": 2, "project": {"id": 7}}', "pull format 2"),
    ("project.json", b'{"format": 1, "project": {"id": NaN}}', "NaN is not a JSON number"),
    ("label_config.xml", b"\xff\xfe<View/>", "label_config.xml:1: not UTF-8 text"),
    ("tasks.jsonl", b"\xc3\x28", "tasks.jsonl:1: not UTF-8 text"),  # no line of tasks.jsonl can be read
    ("tasks.jsonl", b"[" * 5000, "tasks.jsonl:1: invalid JSON: nested"),
    ("tasks.jsonl", b'{"id": 2\n["a"]\n', "no task in"),
]


@pytest.mark.parametrize(("name", "content", "message"), DAMAGE)
def test_damaged_pull_is_one_line(offline_cli, tmp_path, name, content, message) -> None:
    pulled = good_pull(tmp_path / "pulled")
    (pulled / name).write_bytes(content)
    code, _, err = offline_cli("agreement", pulled)
    assert message in one_error_line(err, code)


DAMAGED_LINES = [
    (b'{"id": 2', "tasks.jsonl:2: invalid JSON: "),
    (b'["a"]', "tasks.jsonl:2: not a Label Studio task (an object with an integer 'id')"),
    (b'{"id": 1}', "tasks.jsonl:2: task 1 is also on line 1"),
    (b'{"id": 2, "annotations": [{"completed_by": 1, "completed_by": 2}]}',
     "tasks.jsonl:2: invalid JSON: key 'completed_by' appears twice in one object"),
    (b'{"id": 2, "x": NaN}', "tasks.jsonl:2: invalid JSON: NaN is not a JSON number"),
    (b'{"id": 2, "x": 1e400}', "tasks.jsonl:2: invalid JSON: number 1e400 is too large"),
    (b"\xc3\x28", "tasks.jsonl:2: not UTF-8 text"),
]


@pytest.mark.parametrize(("line", "message"), DAMAGED_LINES)
def test_a_damaged_line_is_a_problem_and_the_rest_is_scored(offline_cli, tmp_path, line, message) -> None:
    pulled = good_pull(tmp_path / "pulled")
    first = (pulled / "tasks.jsonl").read_bytes()
    (pulled / "tasks.jsonl").write_bytes(first + line + b"\n" + first.replace(b'"id": 1,', b'"id": 3,', 1))
    code, out, err = offline_cli("agreement", pulled, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert [t["task"] for t in report["tasks"]] == [1, 3]
    assert [p for p in report["problems"] if "tasks.jsonl" in p] == \
        [next(p for p in report["problems"] if message in p)], report["problems"]
    assert report["problems"][0].endswith("; line skipped")


def test_pull_with_malformed_annotations_reports_problems(offline_cli, tmp_path) -> None:
    pulled = good_pull(tmp_path / "pulled")
    tasks = [{"id": 1, "annotations": 5},
             {"id": 2, "annotations": [3, {"completed_by": [1], "result": 7},
                                       {"completed_by": 2, "result": [{"from_name": "sentiment",
                                                                       "value": {"choices": [["x"]]}}]}]}]
    (pulled / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tasks))
    (tmp_path / "gold.jsonl").write_text('{"task": 1, "result": []}\n{"task": 2, "result": [{"from_name": 5}]}\n')
    code, out, err = offline_cli("agreement", pulled, "--json", "--gold", tmp_path / "gold.jsonl")
    assert code == 0, err
    problems = json.loads(out)["problems"]
    assert "task 1: its annotations are not a list; ignored" in problems
    assert "task 2: an annotation that is not an object; ignored" in problems
    assert any("choices is not a list of label names" in p for p in problems)
    (tmp_path / "gold.jsonl").write_text('{"task": [1], "result": 5}\n')
    code, _, err = offline_cli("agreement", pulled, "--gold", tmp_path / "gold.jsonl")
    assert 'gold.jsonl:1: expected {"task": id, "result": [...]}' in one_error_line(err, code)


def test_damaged_snapshots_settings_and_models_are_one_line(offline_cli, monkeypatch, tmp_path) -> None:
    for name, manifest, message in (("a", b"{bad", "manifest.json: invalid JSON"),
                                    ("b", b"{}", "not a labelops snapshot manifest"),
                                    ("c", b'{"id": "c", "config_hash": "h", "files": {"data.jsonl": "x"}}',
                                     "snapshot file c/data.jsonl does not exist")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_bytes(manifest)
        code, _, err = offline_cli("diff", name, name)
        assert message in one_error_line(err, code), name
    (tmp_path / "bad.toml").write_bytes(b"\xff\xfe")
    code, _, err = offline_cli("--config", "bad.toml", "status", "1")
    assert "bad.toml: not UTF-8 text" in one_error_line(err, code)
    for url, message in (("http://[::1", "is not a valid URL"), ("http://host:99999", "is not a valid URL"),
                         ("http://", "names no host")):
        monkeypatch.setenv("LABEL_STUDIO_URL", url)
        code, _, err = offline_cli("status", "1")
        assert message in one_error_line(err, code), url
    (tmp_path / "t.jsonl").write_text('{"text": "Mail ada@example.org"}\n')
    code, _, err = offline_cli("pii", "scan", "t.jsonl", "--ner-model", "en_core_web_sm")
    assert "not a spaCy model directory" in one_error_line(err, code)  # a name, never a download
