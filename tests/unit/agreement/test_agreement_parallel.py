"""A large pull read in two processes gives exactly what one pass gives: ratings, counts, names, flags, problems,
order (pure: a forked worker, no server)."""

from __future__ import annotations

import json
import random

import pytest

from sdk_scripts.agreement.controls import read_controls
from sdk_scripts.agreement.engine import agreement_report
from sdk_scripts.agreement.extract import extract
from sdk_scripts.agreement.parallel import extract_pull
from sdk_scripts.errors import LabelopsError
from sdk_scripts.label_config_library import read_config
from sdk_scripts.pull import stream_tasks

CONFIG = read_config("text_ner")


def span(start: int, label: str) -> dict:
    return {"from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": start + 4, "labels": [label]}}


def varied_lines(n_tasks: int, seed: int) -> list[bytes]:
    """Tasks with duplicates, cancelled and ground-truth annotations, flags, names, unknown labels, broken
    spans, and damaged lines here and there."""
    rnd = random.Random(seed)
    lines = []
    for t in range(1, n_tasks + 1):
        annotations = []
        for user in range(1, rnd.randint(1, 4)):
            result = [span(rnd.choice([0, 10, 20]), rnd.choice(["PERSON", "ORG", "ZEBRA"]))
                      for _ in range(rnd.randint(0, 3))]
            if rnd.random() < 0.1:
                result.append({"from_name": "label", "value": {"start": 9, "end": 2, "labels": ["ORG"]}})
            if rnd.random() < 0.1:
                result.append({"from_name": "flag", "value": {"choices": ["ambiguous"]}})
            annotations.append({"id": t * 10 + user, "completed_by": user, "result": result,
                                "created_username": f"user{user}@x, {user}", "was_cancelled": rnd.random() < 0.05,
                                "ground_truth": rnd.random() < 0.05,
                                "updated_at": f"2026-11-{rnd.randint(10, 28)}T09:00:00Z"})
        lines.append(json.dumps({"id": t, "data": {"text": "x" * 30}, "annotations": annotations}).encode())
        if rnd.random() < 0.02:
            lines.append(rnd.choice([b'{"id": ', b'["not a task"]', b"\xff\xfe", json.dumps({"id": t}).encode()]))
    return [line + b"\n" for line in lines]


def one_pass(tmp_path, lines: list[bytes]):
    path = tmp_path / "tasks.jsonl"
    path.write_bytes(b"".join(lines))
    specs = read_controls(CONFIG).specs
    problems: list[str] = []
    return path, specs, extract(specs, stream_tasks(path, problems)), problems


@pytest.mark.parametrize("seed", [1, 2])
def test_two_processes_give_what_one_pass_gives(tmp_path, seed) -> None:
    path, specs, expected, expected_problems = one_pass(tmp_path, varied_lines(600, seed))
    problems: list[str] = []
    found = extract_pull(specs, path, problems, min_bytes=1)
    assert expected_problems and problems == expected_problems
    assert found == expected and found.problems


def test_a_task_in_both_halves_is_read_as_one_pass_reads_it(tmp_path) -> None:
    lines = varied_lines(300, 3)
    lines.append(lines[0])  # task 1 again, at the end: "task 1 is also on line 1; line skipped"
    path, specs, expected, expected_problems = one_pass(tmp_path, lines)
    problems: list[str] = []
    assert extract_pull(specs, path, problems, min_bytes=1) == expected and problems == expected_problems
    assert problems[-1].endswith(f"tasks.jsonl:{len(lines)}: task 1 is also on line 1; line skipped")


def test_nothing_readable_in_either_half_is_the_error(tmp_path) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_bytes(b'{"id": 1\n' * 50 + b"[]\n" * 50)
    specs = read_controls(CONFIG).specs
    with pytest.raises(LabelopsError, match=r"no task in .*tasks.jsonl could be read \(.*tasks.jsonl:1: invalid JSON"):
        extract_pull(specs, path, [], min_bytes=1)


def test_the_report_through_the_worker(tmp_path) -> None:
    path, specs, _, _ = one_pass(tmp_path, varied_lines(400, 4))
    problems: list[str] = []
    report = agreement_report(CONFIG, [], read_problems=problems,
                              extractor=lambda s: extract_pull(s, path, problems, min_bytes=1))
    in_order: list[str] = []
    assert report == agreement_report(CONFIG, stream_tasks(path, in_order), read_problems=in_order)
    assert problems == in_order and report["problems"][:len(problems)] == problems
