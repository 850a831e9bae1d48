"""The /predict request batcher with real threads: who shares a call, who waits, what each request gets back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from ml_backend import stats
from ml_backend.predict_batcher import RequestBatcher


class Recorder:
    """A `run` that records each call's items, answers item × 10 and fails for items named "bad"."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.calls: list[list[Any]] = []
        self.gate = gate
        self._lock = threading.Lock()

    def __call__(self, items: list[Any]) -> list[Any]:
        with self._lock:
            self.calls.append(list(items))
            first = len(self.calls) == 1
        if first and self.gate is not None:
            assert self.gate.wait(10)
        if "bad" in items:
            raise ValueError("bad item")
        return [item * 10 for item in items]


def _in_threads(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[threading.Thread]]:
    """Start one thread per job; (the answers list, filled as they finish, and the threads)."""
    answers: list[Any] = [None] * len(jobs)

    def wrap(i: int, job: Callable[[], Any]) -> None:
        try:
            answers[i] = job()
        except Exception as exc:
            answers[i] = exc

    threads = [threading.Thread(target=wrap, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    return answers, threads


def _wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def _joined(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.join(10)
        assert not t.is_alive()


def test_a_request_alone_does_not_wait_for_the_window() -> None:
    batcher, run = RequestBatcher(window_s=5.0, max_items=16), Recorder()
    t = time.monotonic()
    assert batcher.submit("cfg", [1], run) == [10]
    assert time.monotonic() - t < 2.5
    assert run.calls == [[1]]


def test_requests_arriving_while_the_model_is_busy_share_one_call_and_get_their_own_results() -> None:
    gate = threading.Event()
    batcher, run = RequestBatcher(window_s=0.01, max_items=16), Recorder(gate)
    first, t0 = _in_threads([lambda: batcher.submit("cfg", [0], run)])
    _wait_for(lambda: len(run.calls) == 1)  # the first request holds the model
    answers, threads = _in_threads([lambda i=i: batcher.submit("cfg", [i], run) for i in range(1, 8)])
    _wait_for(lambda: batcher.in_flight == 8)
    before = stats.snapshot()
    gate.set()
    _joined(t0 + threads)
    assert first == [[0]] and answers == [[i * 10] for i in range(1, 8)]
    assert len(run.calls) == 2 and sorted(run.calls[1]) == list(range(1, 8))
    after = stats.snapshot()
    assert after["predict_batched_requests"] - before.get("predict_batched_requests", 0) == 8


def test_multi_item_requests_get_exactly_their_slice() -> None:
    gate = threading.Event()
    batcher, run = RequestBatcher(window_s=0.01, max_items=16), Recorder(gate)
    _, t0 = _in_threads([lambda: batcher.submit("cfg", [0], run)])
    _wait_for(lambda: len(run.calls) == 1)
    requests = [[1, 2], [3], [4, 5, 6], [7]]
    answers, threads = _in_threads([lambda r=r: batcher.submit("cfg", r, run) for r in requests])
    _wait_for(lambda: batcher.in_flight == 5)
    gate.set()
    _joined(t0 + threads)
    assert answers == [[x * 10 for x in r] for r in requests]
    assert len(run.calls) == 2


def test_a_batch_never_exceeds_max_items_and_other_keys_never_share_a_call() -> None:
    gate = threading.Event()
    batcher, run = RequestBatcher(window_s=0.01, max_items=4), Recorder(gate)
    _, t0 = _in_threads([lambda: batcher.submit("a", [0], run)])
    _wait_for(lambda: len(run.calls) == 1)
    keys = ["a", "b"] * 6
    answers, threads = _in_threads([lambda i=i, k=k: batcher.submit(k, [f"{k}{i}"], run)
                                    for i, k in enumerate(keys)])
    _wait_for(lambda: batcher.in_flight == 13)
    gate.set()
    _joined(t0 + threads)
    assert answers == [[f"{k}{i}" * 10] for i, k in enumerate(keys)]
    assert all(len(call) <= 4 for call in run.calls)
    assert all(len({str(item)[0] for item in call}) == 1 for call in run.calls[1:])
    assert len(run.calls) < 13


def test_one_failing_request_never_fails_the_others() -> None:
    gate = threading.Event()
    batcher, run = RequestBatcher(window_s=0.01, max_items=16), Recorder(gate)
    _, t0 = _in_threads([lambda: batcher.submit("cfg", [0], run)])
    _wait_for(lambda: len(run.calls) == 1)
    requests = [[1], ["bad"], [2, 3]]
    answers, threads = _in_threads([lambda r=r: batcher.submit("cfg", r, run) for r in requests])
    _wait_for(lambda: batcher.in_flight == 4)
    before = stats.snapshot().get("predict_batch_fallbacks", 0)
    gate.set()
    _joined(t0 + threads)
    assert answers[0] == [10] and answers[2] == [20, 30]
    assert isinstance(answers[1], ValueError)
    assert stats.snapshot()["predict_batch_fallbacks"] == before + 1


def test_a_request_alone_gets_its_own_error() -> None:
    with pytest.raises(ValueError, match="bad item"):
        RequestBatcher(window_s=0.01, max_items=16).submit("cfg", ["bad"], Recorder())


@pytest.mark.parametrize(("window_s", "items"), [(0.0, [1]), (0.01, [1, 2, 3, 4]), (0.01, [])])
def test_requests_not_coalesced_run_as_they_are(window_s: float, items: list[int]) -> None:
    batcher, run = RequestBatcher(window_s=window_s, max_items=4), Recorder()
    assert not batcher.accepts(len(items))
    assert batcher.submit("cfg", items, run) == [i * 10 for i in items]
    assert run.calls == [items]


def test_a_leader_waits_for_a_request_still_being_parsed_and_no_longer() -> None:
    batcher, run = RequestBatcher(window_s=3.0, max_items=16), Recorder()
    parsed = threading.Event()

    def late_request() -> list[int]:
        with batcher.tracked():  # in flight (its body being read) before it reaches submit
            assert parsed.wait(10)
            return batcher.submit("cfg", [2], run)

    late, threads = _in_threads([late_request])
    _wait_for(lambda: batcher.in_flight == 1)
    leader, more = _in_threads([lambda: batcher.submit("cfg", [1], run)])
    _wait_for(lambda: batcher.in_flight == 2)
    time.sleep(0.2)
    assert run.calls == []  # the leader waits: a request in flight has not joined yet
    t = time.monotonic()
    parsed.set()
    _joined(threads + more)
    assert time.monotonic() - t < 2.0  # it ran once everyone in flight had joined, not at the window's end
    assert leader == [[10]] and late == [[20]] and run.calls == [[1, 2]]
    assert batcher.in_flight == 0
