"""Coalesce concurrent small /predict requests of one worker process into one model call.

Label Studio sends one task per request when an annotator opens a task, so a busy backend sees many
small concurrent requests; gunicorn's gthread workers run them on threads of one process, where one
batched model call answers them all for less CPU per image than one call each.

`RequestBatcher.submit(key, tasks, run)`: requests with the same `key` (label config, project, model
version) that arrive within `window_s` of the first — or while the model is busy with an earlier batch —
are answered by one `run(all their tasks)`; each request gets exactly its own slice of the results. A
request alone in the process (no other one in flight) is run at once, without waiting for the window. A
batch never holds more than `max_items` tasks. When the combined call raises, each request is run again
on its own, so one request's failure is never another's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ml_backend import stats

Run = Callable[[list[Any]], list[Any]]


@dataclass
class _Group:
    """Requests waiting to be answered by one call: their items in arrival order and each request's slice."""

    key: Hashable
    run: Run
    items: list[Any] = field(default_factory=list)
    slices: list[tuple[int, int]] = field(default_factory=list)
    closed: bool = False
    results: list[Any] | None = None
    errors: dict[int, BaseException] = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)

    def add(self, items: list[Any]) -> int:
        """Append one request's items; its index in `slices`."""
        self.slices.append((len(self.items), len(self.items) + len(items)))
        self.items.extend(items)
        return len(self.slices) - 1


class RequestBatcher:
    """Thread-safe coalescing of `submit` calls by key; `window_s` = 0 runs every request on its own."""

    def __init__(self, window_s: float, max_items: int, runners: int = 1) -> None:
        self.window_s = max(0.0, window_s)
        self.max_items = max(1, max_items)
        self._cond = threading.Condition()
        self._open: dict[Hashable, _Group] = {}
        self._active = 0  # requests in flight: from `tracked()` or `submit` until `submit` returns
        self._grouped = 0  # of those, the ones in a group (open, waiting for the runner or running)
        self._local = threading.local()
        self._runners = threading.BoundedSemaphore(max(1, runners))

    @property
    def in_flight(self) -> int:
        """Requests in flight in this process: from `tracked()` or `submit` until their `submit` returns."""
        with self._cond:
            return self._active

    @contextmanager
    def tracked(self) -> Iterator[None]:
        """Count this thread's request as in flight from here (before its body is parsed) until its `submit` is
        answered, not only during `submit`: a leader then waits for it to join instead of running alone."""
        with self._cond:
            self._active += 1
        self._local.tracked = True
        try:
            yield
        finally:
            self._done_with_this_request()

    def _done_with_this_request(self) -> None:
        if getattr(self._local, "tracked", False):
            self._local.tracked = False
            with self._cond:
                self._active -= 1

    def accepts(self, n: int) -> bool:
        """Whether a request of `n` items is coalesced (smaller than a batch, batching on) or run as it is."""
        return self.window_s > 0 and 0 < n < self.max_items

    def submit(self, key: Hashable, items: list[Any], run: Run) -> list[Any]:
        """`run(items)`'s answer for these items, possibly computed in one call with other requests' items.

        `run` must return one result per item, in order; requests sharing a key must be answerable by
        any one of their `run`s. Raises what `run` raised for this request's items alone.
        """
        if not self.accepts(len(items)):
            self._done_with_this_request()  # nobody waits for it to join
            return run(items)
        with self._cond:
            if not getattr(self._local, "tracked", False):
                self._active += 1
                self._local.tracked = True
            group, leader = self._join(key, items, run)
            self._grouped += 1
            self._cond.notify_all()
            index = len(group.slices) - 1
        try:
            if leader:
                self._lead(group)
            else:
                group.done.wait()
        finally:
            self._done_with_this_request()
        if index in group.errors:
            raise group.errors[index]
        start, end = group.slices[index]
        assert group.results is not None
        return group.results[start:end]

    def _join(self, key: Hashable, items: list[Any], run: Run) -> tuple[_Group, bool]:
        """(the group these items joined, whether this caller leads it); called holding the lock."""
        group = self._open.get(key)
        if group is not None and len(group.items) + len(items) <= self.max_items:
            group.add(items)
            if len(group.items) >= self.max_items:
                self._close(group)
            return group, False
        if group is not None:  # full for these items: it runs as it is, these start the next group
            self._close(group)
        group = _Group(key, run)
        group.add(items)
        self._open[key] = group
        if len(group.items) >= self.max_items:
            self._close(group)
        return group, True

    def _close(self, group: _Group) -> None:
        group.closed = True
        if self._open.get(group.key) is group:
            del self._open[group.key]
        self._cond.notify_all()

    def _lead(self, group: _Group) -> None:
        """Wait for companions (up to the window, while some request in flight has not reached a group yet), then
        for the runner (later requests still join meanwhile), then run the group."""
        deadline = time.monotonic() + self.window_s
        with self._cond:
            while not group.closed and self._active > self._grouped:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
        with self._runners:  # while an earlier batch holds the runner, later requests still join this group
            with self._cond:
                self._close(group)
            try:
                self._answer(group)
            finally:
                with self._cond:
                    self._grouped -= len(group.slices)
                group.done.set()

    def _answer(self, group: _Group) -> None:
        """Fill `group.results` (or `group.errors` per request) from one call, or one call per request."""
        try:
            group.results = _checked(group.run(group.items), len(group.items))
        except Exception as exc:
            if len(group.slices) == 1:
                group.errors[0] = exc
                return
            stats.bump("predict_batch_fallbacks")
            group.results = [None] * len(group.items)
            for i, (start, end) in enumerate(group.slices):
                try:
                    group.results[start:end] = _checked(group.run(group.items[start:end]), end - start)
                except Exception as one:
                    group.errors[i] = one
        stats.bump("predict_batches")
        stats.bump("predict_batched_requests", len(group.slices))
        stats.bump("predict_batched_tasks", len(group.items))


def _checked(results: list[Any], n: int) -> list[Any]:
    if len(results) != n:
        raise RuntimeError(f"{len(results)} results for {n} items")
    return list(results)
