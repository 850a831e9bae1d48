"""`labelops autolabel` and `review pull` of its audit against an in-memory Label Studio: what is written, in order,
and what a rerun, a stop and a reset do."""

from __future__ import annotations

import pytest

from sdk_scripts.autolabel.marks import mark_of
from sdk_scripts.autolabel.run import AutolabelOptions, autolabel
from sdk_scripts.errors import LabelopsError
from sdk_scripts.review.collect import collect_reviews
from sdk_scripts.review.export import export_records
from sdk_scripts.review.project_state import load_project_state
from sdk_scripts.review.push import LINK_FIELD
from tests.support.autolabel import VERSION, FakeLabelStudio, sentiment, task

OPTIONS = AutolabelOptions(VERSION, min_confidence=0.9, audit=0.25, seed=3)


def no_scores(config, tasks):
    return {}


def decide(client: FakeLabelStudio, review_task: dict, label: str | None, decision: str) -> None:
    result = ([] if label is None else sentiment(label)) + [
        {"from_name": "review_decision", "to_name": "review_info", "type": "choices", "value": {"choices": [decision]}}]
    client.tasks[review_task["id"]]["annotations"].append(
        {"id": 90_000 + review_task["id"], "completed_by": 1, "result": result, "was_cancelled": False,
         "ground_truth": False, "updated_at": "2026-12-04T00:00:00Z"})


def project() -> FakeLabelStudio:
    tasks = [task(i, predicted=("positive" if i % 2 else "negative", 0.9 + i / 1000)) for i in range(1, 9)]
    tasks += [task(9, predicted=("positive", 0.5)), task(10, predicted=("positive", 0.99), labels=("negative",))]
    return FakeLabelStudio(tasks)


def test_marks_send_the_audit_to_review_and_a_rerun_writes_nothing() -> None:
    client = project()
    report = autolabel(client, 1, OPTIONS, lock=False)
    assert sorted(report.plan.marks) == list(range(1, 9)) and len(report.plan.audited) == 2
    source = client.source_tasks()
    for task_id in range(1, 9):
        assert mark_of(source[task_id]).score == pytest.approx(0.9 + task_id / 1000)
        assert source[task_id]["is_labeled"] is True
    assert mark_of(source[9]) is None and mark_of(source[10]) is None
    (review_project,) = client.projects_titled("Sentiment [review]")
    reviews = client.review_tasks()
    assert sorted(t[LINK_FIELD]["source_task"] for t in (r["data"] for r in reviews)) == report.plan.audited
    audit_task = reviews[0]
    source_id = audit_task["data"][LINK_FIELD]["source_task"]
    assert audit_task["predictions"][0]["model_version"] == "consensus"
    assert audit_task["predictions"][0]["result"] == mark_of(source[source_id]).result
    assert audit_task["data"]["review_picked_for"] == "auto-label audit"
    assert f"model version {VERSION}" in audit_task["data"]["review_info"]
    assert source[source_id]["meta"]["labelops_review_tasks"] == {
        "Sentiment [review]": {"project": review_project["id"], "task": audit_task["id"]}}
    # marks first (one PATCH each), then the review tasks in one import, then the links
    kinds = [w[0] for w in client.writes]
    assert kinds[:8] == ["update_task"] * 8 and kinds[8:10] == ["create_project", "import_tasks"]
    assert client.writes[0] == ("update_task", 1, ["is_labeled", "meta"])

    client.writes.clear()
    again = autolabel(client, 1, OPTIONS, lock=False)
    assert again.plan.marks == {} and again.audit_tasks_created == [] and client.writes == []


def test_the_export_carries_auto_labels_with_their_score_as_weight() -> None:
    client = project()
    autolabel(client, 1, OPTIONS, lock=False)
    records = {r["task"]: r for r in export_records(load_project_state(client, 1, no_scores))}
    auto = records[3]
    assert auto["final"] == sentiment("positive") and auto["final_source"] == "auto"
    assert auto["weight"] == auto["confidence"] == 0.903
    assert auto["auto"] == {"model_version": VERSION, "score": 0.903, "threshold": 0.9,
                            "audit": auto["auto"]["audit"], "round": 1}
    assert records[10]["final_source"] == "majority" and records[10]["auto"] is None  # people labelled it
    assert records[9]["final"] is None and records[9]["weight"] == 0.0


def test_a_pull_measures_the_audit_a_low_precision_stops_the_next_run_and_a_reset_resumes(tmp_path) -> None:
    client = project()
    first = autolabel(client, 1, OPTIONS, lock=False)
    right, wrong = sorted(client.review_tasks(), key=lambda t: t["id"])
    right_source = right["data"][LINK_FIELD]["source_task"]
    decide(client, right, "positive" if right_source % 2 else "negative", "accept one version")
    decide(client, wrong, "neutral", "corrected")

    pulled = collect_reviews(client, 1, no_scores, lock=False)
    # the audited tasks wait for no annotator: their ground truth is written at once
    assert sorted(pulled.written) == first.plan.audited and pulled.waiting == []
    assert (pulled.audit.precision.successes, pulled.audit.precision.total) == (1, 2) and pulled.audit.stopped
    records = {r["task"]: r for r in export_records(load_project_state(client, 1, no_scores))}
    wrong_source = wrong["data"][LINK_FIELD]["source_task"]
    assert records[wrong_source]["final_source"] == "adjudicated"
    assert records[wrong_source]["final"] == sentiment("neutral")

    client.tasks[11] = {**task(11, predicted=("positive", 0.99)), "project": 1}
    client.writes.clear()
    with pytest.raises(LabelopsError, match=r"auto-labeling is stopped: the audit of round 1 measured precision "
                                            r"0\.50 \(95% CI 0\.09-0\.91, Wilson; 1 of 2\), below the target 0\.95"):
        autolabel(client, 1, OPTIONS, lock=False)
    assert client.writes == [] and mark_of(client.tasks[11]) is None

    resumed = autolabel(client, 1, AutolabelOptions(VERSION, min_confidence=0.905, audit=0.25, seed=3, reset=True),
                        lock=False)
    assert resumed.plan.round == 2 and sorted(resumed.reset.close) == first.plan.audited
    # 0.905 and up; the audited ones stay out
    assert sorted(resumed.plan.marks) == sorted({5, 6, 7, 8, 11} - set(first.plan.audited))
    source = client.source_tasks()
    assert all(mark_of(source[i]).closed for i in first.plan.audited)
    withdrawn = min(set(first.plan.marks) - set(first.plan.audited))  # below 0.905: withdrawn, back to annotators
    assert mark_of(source[withdrawn]) is None and source[withdrawn]["is_labeled"] is False
    assert resumed.status.round == 2 and not resumed.status.stopped
    assert resumed.status.labelled == len(resumed.plan.marks)


def test_calibration_dry_run_and_bad_input_write_nothing() -> None:
    labelled = [task(100 + i, predicted=("positive", 0.6 + i / 100), labels=("positive" if i >= 5 else "negative",))
                for i in range(25)]
    client = FakeLabelStudio(labelled + [task(1, predicted=("positive", 0.7)), task(2, predicted=("positive", 0.6))])
    dry = autolabel(client, 1, AutolabelOptions(VERSION, dry_run=True), lock=False)
    # right from 0.65 up: at 0.64 (one wrong) 20 of 21 is still >= 0.95, at 0.63 19 of 22 is not
    assert dry.threshold == pytest.approx(0.64) and dry.calibration.precision.total == 21
    assert list(dry.plan.marks) == [1] and client.writes == []
    with pytest.raises(LabelopsError, match="needs at least 30 labelled tasks"):
        autolabel(client, 1, AutolabelOptions(VERSION, min_labelled=30), lock=False)
    with pytest.raises(LabelopsError, match=r"no predictions of model version 'lf-other' \(stored: lf-0123abcd\)"):
        autolabel(client, 1, AutolabelOptions("lf-other", min_confidence=0.5), lock=False)
    with pytest.raises(LabelopsError, match="has no model version set; name the predictions"):
        autolabel(client, 1, AutolabelOptions(None, min_confidence=0.5), lock=False)
    assert client.writes == []


def test_the_report_in_words() -> None:
    from sdk_scripts.autolabel.render import report_lines

    client = project()
    lines = report_lines(autolabel(client, 1, OPTIONS, lock=False), client.url)
    assert lines[0] == f"project 1 'Sentiment': predictions of '{VERSION}' accepted at or above 0.9 (--min-confidence)"
    assert lines[1] == ("auto-labelled 8 task(s) in audit round 1, 2 of them in the audit sample; passed over: "
                        "1 below the threshold, 1 labelled by people")
    assert lines[2].startswith("audit: 2 review task(s) created in review project 10000 'Sentiment [review]'")
    assert lines[3] == ("auto-label audit, round 1: 2 of 8 auto-labels sampled, 0 decided; precision not measured yet "
                        "(target 0.95)")
    again = report_lines(autolabel(client, 1, OPTIONS, lock=False), client.url)
    assert again[1].startswith("auto-labelled 0 task(s)") and again[2].startswith("audit: no new review task")
    dry = report_lines(autolabel(client, 1, AutolabelOptions(VERSION, min_confidence=0.9, dry_run=True), lock=False),
                       client.url)
    assert dry[-1] == "dry run: nothing was written" and dry[1].startswith("would auto-label 0 task(s)")


def test_status_says_how_many_auto_labels_are_in_force_and_where_the_audit_stands() -> None:
    from sdk_scripts.autolabel.render import auto_status_lines

    client = project()
    assert auto_status_lines(client.source_tasks().values(), {}) == []
    autolabel(client, 1, OPTIONS, lock=False)
    state = load_project_state(client, 1, no_scores)
    assert auto_status_lines(state.tasks, state.reviews) == [
        f"auto-labels  8 in force (8 of {VERSION})",
        "  auto-label audit, round 1: 2 of 8 auto-labels sampled, 0 decided; precision not measured yet (target 0.95)"]
