"""Debounced, never-stacked training runs per project (the embedded, in-process worker).

`TrainingScheduler.notify(project, new_annotations)` is what the webhook handler calls for every
annotation event. Per project:
- nothing runs until at least `min_new_annotations` new annotations have arrived (START_TRAINING
  passes `force=True` to skip that);
- at most one run at a time; events that arrive while a run is going mark the project dirty, and
  exactly one follow-up run starts when the current one ends, however many events came in;
- a run that raises is logged and counted; the previous model stays in place (the train function
  only swaps models in when it succeeds).
Runs happen on one background thread per project, started on demand.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class ProjectTraining:
    pending: int = 0  # annotations seen since the last run started
    running: bool = False
    dirty: bool = False  # events arrived during the current run
    forced: bool = False
    runs: int = 0
    failures: int = 0
    last_error: str | None = None
    thread: threading.Thread | None = field(default=None, repr=False)


TRAINING_NICENESS = 10


def _lower_this_threads_priority() -> None:
    """Run training at a lower CPU priority than the threads answering requests (Linux: nice is per thread).

    Label Studio gives /health one second (ML_TIMEOUT_HEALTH) and /setup three: a backend busy training
    must still answer them, or Label Studio marks it not ready and silently skips predictions.
    """
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: normal priority
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + TRAINING_NICENESS))


class TrainingScheduler:
    def __init__(self, train: Callable[[str], None], min_new_annotations: int = 1) -> None:
        self.train = train
        self.min_new_annotations = max(1, min_new_annotations)
        self._projects: dict[str, ProjectTraining] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def state(self, project: str) -> ProjectTraining:
        with self._lock:
            return self._projects.setdefault(project, ProjectTraining())

    def notify(self, project: str, new_annotations: int = 1, force: bool = False, count_only: bool = False) -> str:
        """Record an event; returns what happened: "started", "queued", "waiting" or "counted".

        `count_only`: note the annotations but start nothing (Label Studio itself decides when to train).
        """
        with self._lock:
            state = self._projects.setdefault(project, ProjectTraining())
            state.pending += max(0, new_annotations)
            if count_only and not force:
                return "counted"
            state.forced = state.forced or force
            if state.running:
                state.dirty = True
                return "queued"
            if not state.forced and state.pending < self.min_new_annotations:
                return "waiting"
            self._start(project, state)
            return "started"

    def _start(self, project: str, state: ProjectTraining) -> None:
        state.running, state.dirty, state.forced, state.pending = True, False, False, 0
        state.thread = threading.Thread(target=self._run, args=(project,), name=f"train-{project}", daemon=True)
        state.thread.start()

    def _run(self, project: str) -> None:
        _lower_this_threads_priority()
        while True:
            try:
                self.train(project)
                error = None
            except Exception as exc:  # a failed run leaves the previous model serving
                log.exception("training for project %s failed; the previous model keeps serving", project)
                error = f"{type(exc).__name__}: {exc}"
            with self._lock:
                state = self._projects[project]
                state.runs += 1
                if error:
                    state.failures += 1
                    state.last_error = error
                if state.dirty:
                    state.dirty, state.pending = False, 0
                    continue  # exactly one follow-up for everything that came in meanwhile
                state.running = False
                self._idle.notify_all()
                return

    def wait_idle(self, project: str, timeout: float = 60.0) -> bool:
        """Block until the project has no run going (for tests and shutdown)."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._projects.get(project, ProjectTraining()).running, timeout)
