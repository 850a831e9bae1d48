"""`labelops autolabel` against the real Label Studio: stored predictions accepted at a calibrated threshold, marked
in the export, an audit sample in the review project, its pull measuring precision, and a low one stopping the
next run until --reset-audit; Label Studio putting auto-labelled tasks back in the stream, and a rerun taking them
out again.

20 tasks labelled by a person carry predictions of one model version (right from score 0.8 up, wrong below), 8
unlabelled ones carry predictions at 0.97 ... 0.62; the reviewer (the admin) decides through the API as in the UI.
"""

from __future__ import annotations

import json

import pytest

from sdk_scripts.label_config_library import read_config
from sdk_scripts.review.push import LINK_FIELD
from tests.support.labelstudio import unique_title

# a feature driven through the API like the tests the PostgreSQL run keeps: nothing database-specific here
pytestmark = pytest.mark.api_feature

VERSION = "lf-5e1f2a9b"
LABELS = ("positive", "neutral", "negative")


def sentiment(label: str) -> list[dict]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


def decision(label: str, decided: str) -> list[dict]:
    """A reviewer's submitted review: the label and the decision."""
    return sentiment(label) + [{"from_name": "review_decision", "to_name": "review_info", "type": "choices",
                                "value": {"choices": [decided]}}]


def other(label: str) -> str:
    return LABELS[(LABELS.index(label) + 1) % 3]


def predicted_project(ls_client):
    """The project: 20 labelled tasks (scores 0.99 down to 0.61: the prediction right at 0.8 and up, wrong below)
    and 8 unlabelled ones (0.97 down to 0.62), every prediction stored under VERSION."""
    project = ls_client.create_project(title=unique_title("Autolabel"), label_config=read_config("text_sentiment"),
                                       maximum_annotations=1)
    pid = project["id"]
    labelled = ls_client.import_tasks(pid, [{"text": f"labelled {i}"} for i in range(20)])
    unlabelled = ls_client.import_tasks(pid, [{"text": f"open {i}"} for i in range(8)])
    predictions = []
    for i, task_id in enumerate(labelled):
        truth, score = LABELS[i % 3], round(0.99 - i * 0.02, 2)
        ls_client.create_annotation(task_id, sentiment(truth))
        predictions.append({"task": task_id, "result": sentiment(truth if score >= 0.8 else other(truth)),
                            "score": score, "model_version": VERSION})
    scores = {}
    for i, task_id in enumerate(unlabelled):
        scores[task_id] = round(0.97 - i * 0.05, 2)
        predictions.append({"task": task_id, "result": sentiment(LABELS[i % 3]), "score": scores[task_id],
                            "model_version": VERSION})
    ls_client.import_predictions(pid, predictions)
    return project, unlabelled, scores


def test_autolabel_audit_pull_and_stop(run_cli, ls_client, tmp_path) -> None:
    project, unlabelled, scores = predicted_project(ls_client)
    pid = project["id"]

    ran = run_cli("autolabel", pid, "--model-version", VERSION, "--target-precision", "0.95", "--audit", "0.5",
                  "--seed", "1")
    assert ran.code == 0, ran.err
    # the labelled tasks are right at 0.81 and up (10 of 10), wrong at 0.79: the threshold is 0.81
    assert (f"predictions of '{VERSION}' accepted at or above 0.81, calibrated to precision >= 0.95: 1.00 (95% CI "
            "0.72-1.00, Wilson; 10 of 10) labelled tasks at or above it (of 20 labelled)") in ran.out
    above = sorted(t for t, s in scores.items() if s >= 0.81)  # 0.97, 0.92, 0.87, 0.82
    assert f"auto-labelled {len(above)} task(s) in audit round 1, 2 of them in the audit sample" in ran.out
    tasks = {t["id"]: t for t in ls_client.iter_tasks(pid)}
    marked = {i for i, t in tasks.items() if "labelops_auto" in (t.get("meta") or {})}
    assert sorted(marked) == above
    for task_id in above:
        mark = tasks[task_id]["meta"]["labelops_auto"]
        assert (mark["model_version"], mark["score"], mark["threshold"], mark["round"]) == (
            VERSION, scores[task_id], 0.81, 1)
        assert tasks[task_id]["is_labeled"] is True  # out of the annotators' stream
    audited = sorted(i for i in above if tasks[i]["meta"]["labelops_auto"]["audit"])
    assert len(audited) == 2

    # the audit sample is in the review project, the auto-label pre-filled as the consensus prediction
    (review_project,) = ls_client.projects_titled(f"{project['title']} [review]")
    review_tasks = {t["data"][LINK_FIELD]["source_task"]: t for t in ls_client.iter_tasks(review_project["id"])}
    assert sorted(review_tasks) == audited
    for source_task, review_task in review_tasks.items():
        (prediction,) = review_task["predictions"]
        assert prediction["model_version"] == "consensus" and prediction["score"] == scores[source_task]
        assert prediction["result"][0]["value"] == tasks[source_task]["meta"]["labelops_auto"]["result"][0]["value"]
        assert review_task["data"]["review_picked_for"] == "auto-label audit"
    assert ls_client.project(review_project["id"])["model_version"] == "consensus"

    again = run_cli("autolabel", pid, "--model-version", VERSION, "--target-precision", "0.95", "--audit", "0.5",
                    "--seed", "1")
    assert again.code == 0, again.err
    assert "auto-labelled 0 task(s)" in again.out and "review task(s) created" not in again.out
    assert len(list(ls_client.iter_tasks(review_project["id"]))) == 2
    assert "put back" not in again.out

    # Label Studio recomputes is_labeled for every task when the overlap setting changes: the auto-labelled tasks
    # go back to the annotators' stream until the next run takes them out again
    ls_client.update_project(pid, maximum_annotations=2)
    ls_client.update_project(pid, maximum_annotations=1)
    assert not any(ls_client.task(t)["is_labeled"] for t in above)
    restored = run_cli("autolabel", pid, "--model-version", VERSION, "--min-confidence", "0.81")
    assert restored.code == 0, restored.err
    assert f"{len(above)} auto-labelled task(s) Label Studio had put back in the annotators' stream" in restored.out
    assert all(ls_client.task(t)["is_labeled"] for t in above)
    status = run_cli("status", pid)
    assert f"auto-labels  {len(above)} in force ({len(above)} of {VERSION})" in status.out

    exported = run_cli("export", pid, "--out", tmp_path / "final.jsonl")
    assert exported.code == 0, exported.err
    records = {r["task"]: r for r in map(json.loads, (tmp_path / "final.jsonl").read_text().splitlines())}
    for task_id in above:
        assert records[task_id]["final_source"] == "auto" and records[task_id]["weight"] == scores[task_id]
        assert records[task_id]["auto"]["model_version"] == VERSION
    assert {records[t]["final_source"] for t in set(unlabelled) - set(above)} == {None}

    # the reviewer keeps one auto-label and corrects the other: precision 1 of 2, below 0.95
    kept, corrected = audited
    kept_label = tasks[kept]["meta"]["labelops_auto"]["result"][0]["value"]["choices"][0]
    wrong_label = tasks[corrected]["meta"]["labelops_auto"]["result"][0]["value"]["choices"][0]
    ls_client.create_annotation(review_tasks[kept]["id"], decision(kept_label, "accept one version"))
    ls_client.create_annotation(review_tasks[corrected]["id"], decision(other(wrong_label), "corrected"))
    pulled = run_cli("review", "pull", pid, "--out", tmp_path / "reviews")
    assert pulled.code == 0, pulled.err
    assert "ground truth written to 2 tasks" in pulled.out and "waiting" not in pulled.out
    assert ("auto-label audit, round 1: 2 of 4 auto-labels sampled, 2 decided; measured precision 0.50 (95% CI "
            "0.09-0.91, Wilson; 1 of 2), target 0.95: below the target: auto-labeling stopped") in pulled.out
    summary = json.loads((tmp_path / "reviews" / "summary.json").read_text())["auto_label_audit"]
    assert (summary["accepted"], summary["decided"], summary["stopped"]) == (1, 2, True)

    # a new unlabelled task with a confident prediction: the next run refuses and writes nothing
    [late] = ls_client.import_tasks(pid, [{"text": "late"}])
    ls_client.import_predictions(pid, [{"task": late, "result": sentiment("positive"), "score": 0.99,
                                        "model_version": VERSION}])
    stopped = run_cli("autolabel", pid, "--model-version", VERSION, "--min-confidence", "0.9")
    assert stopped.code == 1
    assert "auto-labeling is stopped: the audit of round 1 measured precision 0.50" in stopped.err
    assert "--reset-audit" in stopped.err
    assert "labelops_auto" not in (ls_client.task(late).get("meta") or {})

    exported = run_cli("export", pid, "--out", tmp_path / "after.jsonl")
    records = {r["task"]: r for r in map(json.loads, (tmp_path / "after.jsonl").read_text().splitlines())}
    assert records[corrected]["final_source"] == "adjudicated"
    assert records[corrected]["final"][0]["value"]["choices"] == [other(wrong_label)]

    resumed = run_cli("autolabel", pid, "--model-version", VERSION, "--min-confidence", "0.9", "--reset-audit")
    assert resumed.code == 0, resumed.err
    assert "reset: round 1 closed; 2 audited label(s) kept, 2 withdrawn" in resumed.out
    tasks = {t["id"]: t for t in ls_client.iter_tasks(pid)}
    assert tasks[late]["meta"]["labelops_auto"]["round"] == 2
    withdrawn = [t for t in above if t not in audited]
    for task_id in withdrawn:  # back to annotators unless 0.9 still takes them (round 2)
        mark = tasks[task_id]["meta"].get("labelops_auto")
        assert (mark is not None and mark["round"] == 2) == (scores[task_id] >= 0.9)
        assert tasks[task_id]["is_labeled"] is (scores[task_id] >= 0.9)
