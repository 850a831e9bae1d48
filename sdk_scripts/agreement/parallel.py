"""A large pull's ratings extracted in two processes: the second half of tasks.jsonl by a forked worker.

Reading (strict JSON) and extraction are most of the agreement command's time on a large pull and work
task by task, so the file is cut at the line start nearest its middle: this process reads and extracts
the first half while a worker forked from it does the second, and the two `Extraction`s are joined in
file order -- the same ratings, counts, problems and order as one pass (`extract_pull`). A task id found
in both halves, a worker that dies, or a machine with one core: one pass instead.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from sdk_scripts.agreement.controls import ControlSpec
from sdk_scripts.agreement.extract import Extraction, extract
from sdk_scripts.input_files import MIB, count_lines, line_start
from sdk_scripts.pull import nothing_read, stream_tasks

PARALLEL_BYTES = 64 * MIB  # below this a tasks.jsonl is read in one pass (a worker's start-up would not pay)


Prepare = Callable[[Iterator[dict]], Iterable[dict]]  # what is done to the tasks before extraction (picklable)


def _part(controls: list[ControlSpec], tasks_path: Path, start: int, end: int | None,
          prepare: Prepare | None) -> tuple[Extraction, list[str]]:
    """(extraction, damaged-line problems) of the tasks in bytes [start, end) of the file."""
    problems: list[str] = []
    first_line = count_lines(tasks_path, start) + 1 if start else 1
    tasks = stream_tasks(tasks_path, problems, start=start, end=end, first_line=first_line, whole_file=False)
    return extract(controls, prepare(tasks) if prepare else tasks), problems


def join(first: Extraction, second: Extraction) -> Extraction:
    """The extraction of two consecutive parts of a file, as one pass over both would give it (no task in both)."""
    for mine, theirs in zip(first.ratings, second.ratings, strict=True):
        mine.task += theirs.task
        mine.annotator += theirs.annotator
        mine.week += theirs.week
        mine.value += theirs.value
        mine.gold.update(theirs.gold)
    first.counts.update(second.counts)
    for user, name in second.names.items():
        first.names.setdefault(user, name)
    first.annotation_flags += second.annotation_flags
    first.problems += second.problems
    first.task_ids += second.task_ids
    return first


def _one_pass(controls: list[ControlSpec], tasks_path: Path, problems: list[str],
              prepare: Prepare | None) -> Extraction:
    tasks = stream_tasks(tasks_path, problems)
    return extract(controls, prepare(tasks) if prepare else tasks)


def extract_pull(controls: list[ControlSpec], tasks_path: Path, problems: list[str], prepare: Prepare | None = None,
                 min_bytes: int | None = None) -> Extraction:
    """`extract` of every task in a pull's tasks.jsonl (each passed through `prepare` first, if given), its damaged
    lines reported in `problems` as `stream_tasks` does; in two processes when the file has at least `min_bytes`
    (default PARALLEL_BYTES) and two cores are free to use."""
    size = tasks_path.stat().st_size
    if size < max(PARALLEL_BYTES if min_bytes is None else min_bytes, 1) or len(os.sched_getaffinity(0)) < 2 \
            or "fork" not in multiprocessing.get_all_start_methods():
        return _one_pass(controls, tasks_path, problems, prepare)
    middle = line_start(tasks_path, size // 2)
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
            second_half = pool.submit(_part, controls, tasks_path, middle, None, prepare)
            first, first_problems = _part(controls, tasks_path, 0, middle, prepare)
            second, second_problems = second_half.result()
    except BrokenProcessPool:  # the worker died (killed for memory, say): one pass here instead
        return _one_pass(controls, tasks_path, problems, prepare)
    if not set(first.task_ids).isdisjoint(second.task_ids):  # reported by the line seen second: one pass does it
        return _one_pass(controls, tasks_path, problems, prepare)
    read_problems = first_problems + second_problems
    if read_problems and not first.task_ids and not second.task_ids:
        raise nothing_read(tasks_path, read_problems[0])
    problems += read_problems
    return join(first, second)
