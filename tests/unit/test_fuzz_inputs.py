"""Property-based fuzzing (hypothesis) of the two readers of untrusted input.

- The task-file reader: random bytes, random JSON and random CSV (quotes, newlines, odd Unicode)
  either come back as exactly the records that were written, or as one LabelopsError; never as
  another exception, never changed.
- The agreement extractor: random, malformed annotation JSON yields problems or ratings, never an
  exception, and every rating it keeps is well-formed.

Deterministic (`derandomize=True`) and bounded (a few seconds each), so CI sees the same examples.
"""

from __future__ import annotations

import csv
import io
import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdk_scripts.agreement.controls import scorable_controls
from sdk_scripts.agreement.engine import agreement_report
from sdk_scripts.agreement.extract import extract
from sdk_scripts.agreement.report import Problem
from sdk_scripts.errors import LabelopsError
from sdk_scripts.input_files import decode_utf8
from sdk_scripts.label_config_library import read_config
from sdk_scripts.task_files import KEY_FIELD, parse_task_text

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# Text as people paste it: any Unicode scalar value except surrogates (not encodable) and NUL (refused).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
NAMES = st.text("abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=8)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**15, 10**15) | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def without_key(records) -> list[dict]:
    return [{k: v for k, v in r.payload["data"].items() if k != KEY_FIELD} for r in records]


def unique(rows: list[dict]) -> list[dict]:
    seen, out = set(), []
    for row in rows:
        canonical = json.dumps(row, sort_keys=True)
        if canonical not in seen:
            seen.add(canonical)
            out.append(row)
    return out


def parse_or_error(raw: bytes, kind: str):
    try:
        return parse_task_text(decode_utf8(raw, "fuzz"), kind, "fuzz")
    except LabelopsError as exc:
        assert str(exc).strip(), "an error must say something"
        return None


@FUZZ
@given(raw=st.binary(max_size=300), kind=st.sampled_from(["jsonl", "json", "csv", "tsv"]))
def test_random_bytes_are_records_or_one_clear_error(raw: bytes, kind: str) -> None:
    parse_or_error(raw, kind)


@FUZZ
@given(raw=st.lists(st.sampled_from(['{"text": ', '"', "\\", "\n", "\r", ",", "}", "[", "]", "NaN", "1e999",
                                     "\u2028", "\x85", "\t", '"x"', ":", "{", "\ud7ff", "\U0001f600"]),
                    max_size=40).map("".join),
       kind=st.sampled_from(["jsonl", "json", "csv", "tsv"]))
def test_json_and_csv_fragments_are_records_or_one_clear_error(raw: str, kind: str) -> None:
    parse_or_error(raw.encode("utf-8"), kind)


@FUZZ
@given(rows=st.lists(st.dictionaries(TEXT.filter(lambda k: k not in ("data", KEY_FIELD)), JSON_VALUES,
                                     min_size=1, max_size=4), max_size=6))
def test_jsonl_written_by_json_dumps_comes_back_identical(rows: list[dict]) -> None:
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    records = parse_task_text(text, "jsonl", "fuzz")
    assert without_key(records) == unique(rows)


@FUZZ
@given(rows=st.lists(JSON_VALUES, max_size=5))
def test_any_json_values_are_records_or_one_clear_error(rows: list) -> None:
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    try:
        records = parse_task_text(text, "jsonl", "fuzz")
    except LabelopsError:
        assert any(not isinstance(row, dict) for row in rows) or any(
            isinstance(row, dict) and ("data" in row or KEY_FIELD in row) for row in rows)
        return
    assert all(isinstance(r.payload["data"], dict) for r in records)


@FUZZ
@given(header=st.lists(NAMES, min_size=1, max_size=4, unique=True), data=st.data(),
       kind=st.sampled_from(["csv", "tsv"]))
def test_csv_written_by_the_csv_writer_comes_back_identical(header: list[str], data, kind: str) -> None:
    rows = data.draw(st.lists(st.fixed_dictionaries({name: TEXT for name in header}), max_size=6))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, header, delimiter="\t" if kind == "tsv" else ",")
    writer.writeheader()
    writer.writerows(rows)
    records = parse_task_text(buffer.getvalue(), kind, "fuzz")
    assert without_key(records) == unique(rows)


# -- the agreement extractor --------------------------------------------------------------------

CONFIGS = {name: scorable_controls(read_config(name))[0] for name in ("image_bbox", "text_ner", "text_emotion",
                                                                       "audio_transcription", "text_sentiment")}
CONTROL_NAMES = sorted({spec.name for specs in CONFIGS.values() for spec in specs} | {"flag", "confidence"})
ANYTHING = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.floats() | st.sampled_from(["joy", "PERSON", "x", ""]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["x", "y", "width", "height", "points", "start", "end", "labels", "choices", "text",
                         "rectanglelabels", "polygonlabels", "rating", "number"]), inner, max_size=5),
    max_leaves=10,
)
REGION = st.fixed_dictionaries({"from_name": st.sampled_from(CONTROL_NAMES), "value": ANYTHING}) | ANYTHING
ANNOTATION = st.fixed_dictionaries({}, optional={
    "id": st.integers(1, 50) | st.text(max_size=3), "completed_by": st.integers(1, 4) | ANYTHING,
    "result": st.lists(REGION, max_size=4) | ANYTHING, "was_cancelled": st.booleans(),
    "ground_truth": st.booleans(), "updated_at": st.text(max_size=25) | ANYTHING,
    "created_at": st.sampled_from(["2026-11-20T10:00:00Z", "not a date", ""]) | ANYTHING}) | ANYTHING
TASK = st.fixed_dictionaries({"id": st.integers(1, 6) | ANYTHING},
                             optional={"annotations": st.lists(ANNOTATION, max_size=4) | ANYTHING}) | ANYTHING


def _well_formed(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, tuple):  # boxes (label, x, y, w, h) or spans (label, start, end)
        return all((len(r) == 5 and r[3] > 0 and r[4] > 0 and all(map(math.isfinite, r[1:])))
                   or (len(r) == 3 and 0 <= r[1] < r[2]) for r in value)
    return isinstance(value, str | frozenset)


@FUZZ
@given(config=st.sampled_from(sorted(CONFIGS)), tasks=st.lists(TASK, max_size=5))
def test_extractor_turns_malformed_annotations_into_problems(config: str, tasks: list) -> None:
    extraction = extract(CONFIGS[config], tasks)
    assert all(isinstance(p, Problem) and p.text and isinstance(p.text, str) for p in extraction.problems)
    for table in extraction.ratings:
        assert all(_well_formed(v) for v in table.value), table.value


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(config=st.sampled_from(sorted(CONFIGS)), tasks=st.lists(TASK, max_size=4))
def test_full_report_never_raises_on_malformed_tasks(config: str, tasks: list) -> None:
    report = agreement_report(read_config(config), tasks)
    json.dumps(report, default=str)
