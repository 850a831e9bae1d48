"""Running labeling functions over tasks into label-matrix rows: one batch (pure), many in a process pool.

A function that raises on a task is counted (with the task id) and read as an abstain; a function that returns
something the control does not have (a label outside it, a number) stops the run with one LabelopsError naming the
function, the value and the task. Workers load the functions from the file themselves (`load_functions`), so
functions from a module file never need to be pickled, under any start method.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sdk_scripts.errors import LabelopsError
from sdk_scripts.weak.functions import LabelingFunction
from sdk_scripts.weak.loading import FunctionSet, load_functions
from sdk_scripts.weak.matrix import ABSTAIN_CODE

BATCH = 200  # tasks per unit of work sent to a worker
EXAMPLES = 3  # task ids (with the error) kept per function that raised
TASK_KEYS = ("id", "data", "meta", "predictions")


@dataclass
class Batch:
    """Rows of the matrix for some tasks: their ids, codes (-1 = abstain), (function index, task id, error) for
    every function that raised, and the first value outside the control (function, value, task id) if any."""

    task_ids: list[int]
    codes: np.ndarray
    raised: list[tuple[int, int, str]] = field(default_factory=list)
    bad_value: tuple[str, str, int] | None = None


@dataclass
class Raised:
    """A function that raised: on how many tasks, and the first EXAMPLES (task id, error)."""

    count: int = 0
    examples: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Applied:
    """Every task's row: task ids, codes (n_tasks x n_functions) and, per function that raised, `Raised`."""

    task_ids: np.ndarray
    codes: np.ndarray
    raised: dict[str, Raised] = field(default_factory=dict)


def _error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def vote_batch(functions: Sequence[LabelingFunction], classes: Sequence[str], tasks: Sequence[dict]) -> Batch:
    """The functions' codes on `tasks` (rows in task order; see the module docstring for errors)."""
    index = {label: k for k, label in enumerate(classes)}
    codes = np.full((len(tasks), len(functions)), ABSTAIN_CODE, dtype=np.int16)
    out = Batch([int(t["id"]) for t in tasks], codes)
    for row, task in enumerate(tasks):
        for column, function in enumerate(functions):
            try:
                value = function.vote(task)
            except Exception as exc:  # noqa: BLE001 -- a user function's failure is counted, not fatal
                out.raised.append((column, int(task["id"]), _error(exc)))
                continue
            if value is None:
                continue
            code = index.get(value) if isinstance(value, str) else None
            if code is None:
                out.bad_value = (function.name, repr(value), int(task["id"]))
                return out
            codes[row, column] = code
    return out


def check_declared(functions: Iterable[LabelingFunction], control: str, classes: Sequence[str]) -> None:
    """Labels a function declares ahead (YAML rules) that the control does not have: one LabelopsError."""
    for function in functions:
        for label in function.labels or ():
            if label not in classes:
                raise LabelopsError(f"labeling function {function.name!r} votes {label!r}, which control {control!r} "
                                    f"does not have (its labels: {', '.join(classes)})")


# -- the process pool ---------------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init(path: str, classes: list[str]) -> None:
    try:
        _WORKER["functions"] = load_functions(Path(path)).functions
    except Exception as exc:  # noqa: BLE001 -- reported by the first batch, not by a pool that restarts workers
        _WORKER["error"] = LabelopsError(f"a worker could not load the labeling functions: {_error(exc)}")
    _WORKER["classes"] = classes


def _work(tasks: list[dict]) -> Batch:
    if "error" in _WORKER:
        raise _WORKER["error"]
    return vote_batch(_WORKER["functions"], _WORKER["classes"], tasks)


def _chunks(tasks: Iterable[dict], keys: tuple[str, ...]) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for task in tasks:
        chunk.append({k: task[k] for k in keys if k in task})
        if len(chunk) >= BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _batches(functions: FunctionSet, classes: list[str], tasks: Iterable[dict], processes: int) -> Iterator[Batch]:
    """The batches in task order; with processes > 1 from spawned workers, at most 2 x processes batches in flight
    (the tasks are read as the workers need them). A worker that dies is one LabelopsError, never a hang."""
    keys = TASK_KEYS if functions.whole_task else ("id", "data")
    if processes <= 1:
        for chunk in _chunks(tasks, keys):
            yield vote_batch(functions.functions, classes, chunk)
        return
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(processes, mp_context=context, initializer=_init,
                                 initargs=(str(functions.path), classes)) as pool:
            pending: deque = deque()
            for chunk in _chunks(tasks, keys):
                pending.append(pool.submit(_work, chunk))
                if len(pending) >= 2 * processes:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    except BrokenProcessPool as exc:
        raise LabelopsError(f"a worker process running the labeling functions died ({exc}); rerun with "
                            "--processes 1 to run them in this process") from exc


def apply_functions(functions: FunctionSet, classes: Sequence[str], tasks: Iterable[dict], *, processes: int = 1,
                    progress: Callable[[int], None] | None = None) -> Applied:
    """Every task's row of the label matrix (`processes` workers; `progress(n)` after each batch of n tasks)."""
    classes = list(classes)
    check_declared(functions.functions, functions.control, classes)
    ids: list[int] = []
    rows: list[np.ndarray] = []
    raised: dict[str, Raised] = {}
    for batch in _batches(functions, classes, tasks, processes):
        if batch.bad_value is not None:
            name, value, task_id = batch.bad_value
            raise LabelopsError(f"labeling function {name!r} returned {value} on task {task_id}, which control "
                                f"{functions.control!r} does not have (its labels: {', '.join(classes)})")
        for column, task_id, error in batch.raised:
            found = raised.setdefault(functions.functions[column].name, Raised())
            found.count += 1
            if len(found.examples) < EXAMPLES:
                found.examples.append((task_id, error))
        ids += batch.task_ids
        rows.append(batch.codes)
        if progress is not None:
            progress(len(batch.task_ids))
    codes = np.concatenate(rows) if rows else np.zeros((0, len(functions.functions)), dtype=np.int16)
    return Applied(np.array(ids, dtype=np.int64), codes, raised)
