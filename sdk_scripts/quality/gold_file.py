"""A gold file read and checked (pure but for reading the file): JSON Lines of {"task": id | "data": {...}, "result"}.

Each line names a task of the project by its id (`task`) or by its data (`data`, equal to the task's data) and
gives the right answer as a Label Studio result (`result`: a list of regions, at least one a label). Every
problem in the file is collected and reported at once (`TaskFileProblems`), before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdk_scripts.input_files import jsonl_records
from sdk_scripts.quality.results import label_key
from sdk_scripts.task_files import LIMIT_ENV, task_file_limit

SHAPE = 'expected {"task": id, "result": [...]} or {"data": {...}, "result": [...]}'


@dataclass(frozen=True)
class GoldRow:
    """One line of a gold file: the task it names (by id or by data) and its answer."""

    line: int
    task: int | None
    data: dict | None
    result: list[dict]

    @property
    def names(self) -> str:
        return f"task {self.task}" if self.task is not None else "the task with this data"


def _row_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return SHAPE
    task, data, result = value.get("task"), value.get("data"), value.get("result")
    if ("task" in value) == ("data" in value):
        return f"{SHAPE} (one of task or data)"
    if "task" in value and (isinstance(task, bool) or not isinstance(task, int)):
        return f'"task" must be a task id, not {task!r}'
    if "data" in value and (not isinstance(data, dict) or not data):
        return '"data" must be an object with the task\'s data'
    if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
        return '"result" must be a list of result regions (objects)'
    if label_key(result) == "[]":
        return '"result" has no label region (only quality fields or nothing)'
    unknown = set(value) - {"task", "data", "result"}
    return f"unknown keys {sorted(unknown)}" if unknown else None


def read_gold_file(path: Path) -> tuple[list[GoldRow], list[str]]:
    """(the rows, the problems as "FILE:LINE: what"); a file that cannot be read at all is one LabelopsError."""
    rows, problems = [], []
    for number, value, error in jsonl_records(path, "gold file", task_file_limit(),
                                              f"; set {LIMIT_ENV} to raise it"):
        problem = error or _row_problem(value)
        if problem:
            problems.append(f"{path}:{number}: {problem}")
            continue
        rows.append(GoldRow(number, value.get("task"), value.get("data"), value["result"]))
    if not rows and not problems:
        problems.append(f"{path}: no gold rows in the file")
    return rows, problems
