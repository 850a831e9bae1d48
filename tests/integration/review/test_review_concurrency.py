"""`review push` runs that overlap never leave duplicate review tasks, against the real Label Studio.

Same machine: the per-project lock makes concurrent runs take turns (threads here, processes in the
CLI case). Runs the lock cannot see (other machines: separate lock dirs here) are forced to import
at the same moment; the check after creating removes the duplicates. Duplicates an earlier version
left behind are removed by the next push, except a duplicate someone already reviewed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from sdk_scripts.agreement.engine import per_task_scores
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.connection import Connection
from sdk_scripts.review.push import LINK_FIELD, SOURCE_META_FIELD, push_reviews
from sdk_scripts.task_files import KEY_FIELD
from tests.support.paths import ROOT
from tests.support.projects import disputed_project, review_result


@pytest.fixture(autouse=True)
def own_lock_dir(monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("LABELOPS_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def review_keys(client: LabelStudioClient, review_project_id: int) -> Counter:
    return Counter(t["data"][KEY_FIELD] for t in client.iter_tasks(review_project_id))


def run_together(n: int, push) -> list:
    """Run `push(i)` in n threads at once; their results (re-raising the first failure)."""
    results: list = [None] * n
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results[i] = push(i)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    if errors:
        raise errors[0]
    return results


class MeetingClient(LabelStudioClient):
    """The real client, except that every run waits for the others before it imports review tasks."""

    def __init__(self, connection, barrier: threading.Barrier) -> None:
        super().__init__(connection)
        self._barrier = barrier

    def import_tasks(self, project_id, payloads):
        self._barrier.wait(timeout=120)
        return super().import_tasks(project_id, payloads)


def test_concurrent_pushes_on_one_machine_take_turns(ls_client, label_studio, annotators) -> None:
    project, ids = disputed_project(ls_client, label_studio, annotators, 21)
    reports = run_together(3, lambda i: push_reviews(ls_client, project["id"], per_task_scores, qa_fraction=0.0))
    assert sorted(len(r.created) for r in reports) == [0, 0, 21]
    assert all(len(r.created) + len(r.unchanged) == 21 for r in reports)
    (review_id,) = {r.review_project["id"] for r in reports}
    assert review_keys(ls_client, review_id) == Counter({f"review:{project['id']}:{i}": 1 for i in ids})


def test_overlapping_pushes_the_lock_cannot_see_remove_their_duplicates(ls_client, label_studio,
                                                                         annotators, tmp_path) -> None:
    project, ids = disputed_project(ls_client, label_studio, annotators, 21)
    # Both runs find no review project and create one (folded into the lowest id), both list no review
    # tasks, and both import all 21 at the same moment.
    barrier = threading.Barrier(2)
    connection = Connection(label_studio.url, label_studio.admin_token)
    clients = [MeetingClient(connection, barrier) for _ in range(2)]
    reports = run_together(2, lambda i: push_reviews(clients[i], project["id"], per_task_scores, qa_fraction=0.0,
                                                     batch_size=50, lock=False))
    (review_id,) = {r.review_project["id"] for r in reports}
    assert [p["id"] for p in ls_client.projects_titled(f"{project['title']} [review]")] == [review_id]
    assert review_keys(ls_client, review_id) == Counter({f"review:{project['id']}:{i}": 1 for i in ids})
    assert sum(len(r.duplicates_removed) for r in reports) >= 21  # each duplicate removed once (maybe by both)
    kept = {t["id"] for t in ls_client.iter_tasks(review_id)}
    for report in reports:
        assert set(report.created) | set(report.unchanged) <= kept
        assert len(set(report.created) | set(report.unchanged)) == 21
    for task_id in ids:  # every source task points at the review task that was kept
        link = ls_client.task(task_id)["meta"][SOURCE_META_FIELD][f"{project['title']} [review]"]
        assert link["task"] in kept and link["project"] == review_id


def test_duplicates_left_by_earlier_runs_are_removed_unless_reviewed(ls_client, label_studio, annotators) -> None:
    project, ids = disputed_project(ls_client, label_studio, annotators, 3)
    first = push_reviews(ls_client, project["id"], per_task_scores, qa_fraction=0.0)
    review_id = first.review_project["id"]
    originals = {t["data"][LINK_FIELD]["source_task"]: t["id"] for t in ls_client.iter_tasks(review_id)}
    tasks = {t["id"]: t for t in ls_client.iter_tasks(review_id)}

    def copy(source_task: int) -> dict:  # a duplicate as an overlapping run of an older version made it
        task = tasks[originals[source_task]]
        return {"data": task["data"], "predictions": [{k: p[k] for k in ("result", "score", "model_version")}
                                                      for p in task["predictions"]]}

    copies = ls_client.import_tasks(review_id, [copy(i) for i in ids])
    decision = review_result("joy", "corrected", "looked twice", False)
    ls_client.create_annotation(copies[1], decision)  # task 1: only the copy was reviewed
    ls_client.create_annotation(copies[2], decision)  # task 2: both were reviewed
    ls_client.create_annotation(originals[ids[2]], decision)

    again = push_reviews(ls_client, project["id"], per_task_scores, qa_fraction=0.0)
    # the unreviewed copy goes, the unreviewed original of a reviewed copy goes, two reviewed ones both stay
    assert sorted(again.duplicates_removed) == sorted([copies[0], originals[ids[1]]])
    assert again.messages == [f"review tasks {originals[ids[2]]} and {copies[2]} both hold a review of source "
                              f"task {ids[2]}; the first is used, delete the other by hand"]
    assert {t["id"] for t in ls_client.iter_tasks(review_id)} == {originals[ids[0]], copies[1], originals[ids[2]],
                                                                   copies[2]}
    assert (len(again.created), len(again.unchanged)) == (0, 3)
    assert push_reviews(ls_client, project["id"], per_task_scores, qa_fraction=0.0).duplicates_removed == []


def test_a_second_review_project_is_not_a_deletion(run_cli, ls_client, label_studio, annotators) -> None:
    project, ids = disputed_project(ls_client, label_studio, annotators, 3)
    assert "3 created" in run_cli("review", "push", project["id"], "--qa-sample", "0").out
    second_title = f"Second look {project['id']}"
    result = run_cli("review", "push", project["id"], "--qa-sample", "0", "--review-project", second_title)
    assert result.code == 0, result.err
    assert "note:" not in result.out and "3 created" in result.out
    (default,) = ls_client.projects_titled(f"{project['title']} [review]")
    (second,) = ls_client.projects_titled(second_title)
    for task_id in ids:
        links = ls_client.task(task_id)["meta"][SOURCE_META_FIELD]
        assert {title: link["project"] for title, link in links.items()} == {
            default["title"]: default["id"], second_title: second["id"]}
    again = run_cli("review", "push", project["id"], "--qa-sample", "0")
    assert "note:" not in again.out and "0 created, 0 refreshed, 3 unchanged" in again.out


def test_two_cli_pushes_at_once(ls_client, label_studio, annotators, own_lock_dir) -> None:
    project, ids = disputed_project(ls_client, label_studio, annotators, 8)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABELOPS_")}
    env.update({"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.admin_token,
                "LABELOPS_STATE_DIR": str(own_lock_dir)})
    procs = [subprocess.Popen([sys.executable, "-m", "sdk_scripts.cli", "review", "push", str(project["id"]),
                               "--qa-sample", "0"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert sorted("8 created" in out for out, _ in outputs) == [False, True], outputs
    (review,) = ls_client.projects_titled(f"{project['title']} [review]")
    assert review_keys(ls_client, review["id"]) == Counter({f"review:{project['id']}:{i}": 1 for i in ids})
