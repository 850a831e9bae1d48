"""The embedded training scheduler: debounced, one run at a time, exactly one follow-up."""

from __future__ import annotations

import threading

from ml_backend.active_learning.scheduler import TrainingScheduler


def test_ten_events_during_a_run_cause_exactly_one_follow_up() -> None:
    started = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    def train(project: str) -> None:
        calls.append(project)
        if len(calls) == 1:
            started.set()
            assert release.wait(10)

    scheduler = TrainingScheduler(train, min_new_annotations=1)
    assert scheduler.notify("p1") == "started"
    assert started.wait(10)
    assert [scheduler.notify("p1") for _ in range(10)] == ["queued"] * 10
    release.set()
    assert scheduler.wait_idle("p1", 10)
    assert calls == ["p1", "p1"]
    state = scheduler.state("p1")
    assert (state.runs, state.running, state.dirty) == (2, False, False)


def test_minimum_new_annotations_and_forced_runs() -> None:
    calls: list[str] = []
    scheduler = TrainingScheduler(calls.append, min_new_annotations=3)
    assert scheduler.notify("p", 1) == "waiting"
    assert scheduler.notify("p", 1) == "waiting"
    assert scheduler.notify("p", 1) == "started"
    assert scheduler.wait_idle("p", 10)
    assert scheduler.notify("q", 0, force=True) == "started"  # START_TRAINING
    assert scheduler.wait_idle("q", 10)
    assert calls == ["p", "q"]


def test_a_failed_run_is_counted_and_does_not_block_the_next() -> None:
    attempts: list[int] = []

    def train(project: str) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise ValueError("all annotations have one class")

    scheduler = TrainingScheduler(train)
    scheduler.notify("p")
    assert scheduler.wait_idle("p", 10)
    state = scheduler.state("p")
    assert state.failures == 1 and "one class" in state.last_error
    assert scheduler.notify("p") == "started"
    assert scheduler.wait_idle("p", 10)
    assert scheduler.state("p").runs == 2 and scheduler.state("p").failures == 1


def test_projects_train_independently() -> None:
    gate = threading.Event()
    seen: list[str] = []

    def train(project: str) -> None:
        seen.append(project)
        if project == "slow":
            assert gate.wait(10)

    scheduler = TrainingScheduler(train)
    assert scheduler.notify("slow") == "started"
    assert scheduler.notify("fast") == "started"
    assert scheduler.wait_idle("fast", 10)
    gate.set()
    assert scheduler.wait_idle("slow", 10)
    assert sorted(seen) == ["fast", "slow"]


def test_when_label_studio_starts_training_annotations_are_only_counted() -> None:
    calls: list[str] = []
    scheduler = TrainingScheduler(calls.append, min_new_annotations=2)
    assert [scheduler.notify("p", 1, count_only=True) for _ in range(5)] == ["counted"] * 5
    assert calls == [] and scheduler.state("p").pending == 5
    assert scheduler.notify("p", 0, force=True, count_only=True) == "started"  # Label Studio's START_TRAINING
    assert scheduler.wait_idle("p", 10)
    assert calls == ["p"] and scheduler.state("p").pending == 0


def test_training_runs_at_a_lower_priority_than_the_threads_answering_requests() -> None:
    import os

    seen: list[int] = []
    scheduler = TrainingScheduler(lambda p: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
    assert scheduler.notify("p", 0, force=True) == "started"
    assert scheduler.wait_idle("p", 10)
    assert seen == [min(19, os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) + 10)]
