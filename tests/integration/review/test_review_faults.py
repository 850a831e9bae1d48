"""Review loop under faults: review project deleted by hand, source task deleted, Label Studio killed mid-push."""

from __future__ import annotations

import pytest

from sdk_scripts.agreement.engine import per_task_scores
from sdk_scripts.devserver.label_studio import LocalLabelStudio
from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.connection import Connection
from sdk_scripts.review.push import LINK_FIELD, push_reviews
from tests.support.labelstudio import TEST_ADMIN
from tests.support.projects import disputed_project


def test_deleted_review_project_is_recreated_and_orphans_are_reported(run_cli, ls_client, label_studio,
                                                                      annotators, tmp_path) -> None:
    project, ids = disputed_project(ls_client, label_studio, annotators, 3)
    assert "3 created" in run_cli("review", "push", project["id"], "--qa-sample", "0").out
    (review_project,) = ls_client.projects_titled(f"{project['title']} [review]")
    ls_client.delete_project(review_project["id"])

    result = run_cli("review", "push", project["id"], "--qa-sample", "0")
    assert result.code == 0, result.err
    assert f"(id {review_project['id']}) no longer exists - it was deleted by hand" in result.out
    assert "3 created" in result.out
    (recreated,) = ls_client.projects_titled(f"{project['title']} [review]")
    assert recreated["id"] != review_project["id"]

    # A source task deleted meanwhile: its review task is reported orphaned, nothing crashes.
    orphan_review = next(t for t in ls_client.iter_tasks(recreated["id"])
                         if t["data"][LINK_FIELD]["source_task"] == ids[0])
    ls_client.delete_task(ids[0])
    pushed = run_cli("review", "push", project["id"], "--qa-sample", "0")
    assert pushed.code == 0, pushed.err
    assert f"orphaned: review tasks {orphan_review['id']} point at deleted source tasks" in pushed.out
    pulled = run_cli("review", "pull", project["id"], "--out", tmp_path / "pulled")
    assert pulled.code == 0 and f"orphaned: review tasks {orphan_review['id']}" in pulled.out


def test_push_cut_off_by_a_label_studio_crash_finishes_on_rerun(tmp_path, postgres) -> None:
    # its own server (it gets killed), on the session's database server when that is PostgreSQL
    server = LocalLabelStudio(tmp_path / "crashing-ls", TEST_ADMIN, database=postgres).start()
    try:
        # short retries: this test wants the push cut off, not carried through the restart
        client = LabelStudioClient(Connection(server.url, server.admin_token), retries=1, retry_max_wait=0.2)
        annotators = server.create_annotators(["crash1@labelops.test", "crash2@labelops.test"])
        project, ids = disputed_project(client, server, annotators, 6)
        pushed_batches = []

        def crash_after_two_batches(count: int) -> None:
            pushed_batches.append(count)
            if len(pushed_batches) == 2:
                server.kill()

        with pytest.raises(LabelopsError, match="cannot reach Label Studio"):
            push_reviews(client, project["id"], per_task_scores, qa_fraction=0.0, batch_size=2,
                         on_batch=crash_after_two_batches)
        server.start()
        report = push_reviews(client, project["id"], per_task_scores, qa_fraction=0.0, batch_size=2)
        assert len(report.created) == 2 and len(report.unchanged) == 4
        review_tasks = list(client.iter_tasks(report.review_project["id"]))
        assert sorted(t["data"][LINK_FIELD]["source_task"] for t in review_tasks) == sorted(ids)
        # both annotators' answers and the (empty: they disagree) consensus prediction, none twice
        assert all(sorted(p["model_version"] for p in t["predictions"]) == ["consensus", "crash1", "crash2"]
                   for t in review_tasks)
    finally:
        server.stop()
