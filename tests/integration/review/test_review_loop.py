"""The multi-pass review loop against the real Label Studio: push, refresh, adjudicate, export, edge cases.

Three annotator users (own tokens) label six tasks: three agree, two disagree, one is flagged
ambiguous. A reviewer (the admin) submits decisions through the API, as they would in the UI.
"""

from __future__ import annotations

import json

from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.review.push import LINK_FIELD
from tests.support.chromium import render_in_chromium
from tests.support.labelstudio import annotator_sdk, unique_title
from tests.support.projects import EMOTIONS, emotion_result, review_result


def review_tasks_by_source(ls_client, review_project_id: int) -> dict[int, dict]:
    return {t["data"][LINK_FIELD]["source_task"]: t for t in ls_client.iter_tasks(review_project_id)}


def test_review_loop_end_to_end(run_cli, ls_client, annotated_project, annotators, tmp_path) -> None:
    project, ids, clients, annotation_ids = annotated_project
    pid = project["id"]

    pushed = run_cli("review", "push", pid, "--qa-sample", "0")
    assert pushed.code == 0, pushed.err
    assert "3 tasks need review; 3 created, 0 refreshed, 0 unchanged" in pushed.out
    (review_project,) = ls_client.projects_titled(f"{project['title']} [review]")
    review_project = ls_client.project(review_project["id"])
    reviews = review_tasks_by_source(ls_client, review_project["id"])
    assert set(reviews) == {ids[3], ids[4], ids[5]}
    disputed = reviews[ids[3]]
    # one prediction per annotator, named after them (their email's local part: these users have no names),
    # and the consensus one the stream pre-fills: empty on a disagreement, the shared answer when all agree
    named = {p["model_version"]: p for p in disputed["predictions"]}
    assert sorted(named) == sorted([a.email.split("@")[0] for a in annotators] + ["consensus"])
    assert {p["result"][0]["value"]["choices"][0] for v, p in named.items() if v != "consensus"} == set(EMOTIONS)
    assert named["consensus"]["result"] == [] and review_project["model_version"] == "consensus"
    agreed = {p["model_version"]: p for p in reviews[ids[5]]["predictions"]}["consensus"]
    assert [r["value"]["choices"] for r in agreed["result"]] == [["joy"]]
    rows = disputed["data"]["review_versions"]
    assert [r["annotator"] for r in rows] == [a.email for a in annotators]
    assert [r["answer"] for r in rows] == ["emotion: joy", "emotion: anger", "emotion: sadness"]
    assert {r["self-rated confidence"] for r in rows} == {"probably"}
    assert reviews[ids[5]]["data"]["review_versions"][1]["flags"] == "ambiguous"
    assert disputed["data"]["review_agreement"] < 0.8 and "low agreement" in disputed["data"]["review_picked_for"]
    assert review_project["show_instruction"] and "What each annotator answered" in review_project[
        "expert_instruction"]
    link = disputed["data"][LINK_FIELD]
    assert link["source_project"] == pid and link["source_task"] == ids[3]
    assert sorted(link["annotation_ids"]) == sorted(annotation_ids[(3, w)] for w in range(3))
    assert "low agreement" in link["reasons"][0] and link["agreement"] < 0.8
    assert reviews[ids[5]]["data"][LINK_FIELD]["reasons"] == ["flagged ambiguous"]
    assert disputed["data"]["text"] == "item 3" and "task " + str(ids[3]) in disputed["data"]["review_info"]
    assert "word-by-word vote" not in disputed["data"]["review_info"]  # said only where a config has transcripts

    again = run_cli("review", "push", pid, "--qa-sample", "0")
    assert "0 created, 0 refreshed, 3 unchanged" in again.out
    assert len(list(ls_client.iter_tasks(review_project["id"]))) == 3

    # An annotator changes their mind on a disputed task: its review task is refreshed, not duplicated.
    clients[0].annotations.update(annotation_ids[(3, 0)], result=emotion_result("anger"))
    refreshed = run_cli("review", "push", pid, "--qa-sample", "0")
    assert "0 created, 1 refreshed, 2 unchanged" in refreshed.out, refreshed.out
    reviews = review_tasks_by_source(ls_client, review_project["id"])
    assert len(reviews) == 3
    assert sorted(p["result"][0]["value"]["choices"][0] for p in reviews[ids[3]]["predictions"]
                  if p["model_version"] != "consensus") == ["anger", "anger", "sadness"]
    assert [r["answer"] for r in reviews[ids[3]]["data"]["review_versions"]] == [
        "emotion: anger", "emotion: anger", "emotion: sadness"]

    # The reviewer decides: task 3 corrected to anger (edge case), task 5 has no clear label.
    ls_client.create_annotation(reviews[ids[3]]["id"], review_result(
        "anger", "corrected", "Sarcastic praise; the writer is angry.", edge_case=True))
    ls_client.create_annotation(reviews[ids[5]]["id"], review_result(
        None, "no clear label", "Could be joy or irony; unresolvable.", edge_case=False))

    pulled = run_cli("review", "pull", pid, "--out", tmp_path / "reviews")
    assert pulled.code == 0, pulled.err
    assert "ground truth written to 1 tasks" in pulled.out
    truth = [a for a in ls_client.task(ids[3])["annotations"] if a["ground_truth"]]
    assert len(truth) == 1 and truth[0]["result"][0]["value"]["choices"] == ["anger"]
    states = {json.loads(line)["task"]: json.loads(line)["state"]
              for line in (tmp_path / "reviews" / "states.jsonl").read_text().splitlines()}
    assert states == {ids[0]: "agreed", ids[1]: "agreed", ids[2]: "agreed", ids[3]: "adjudicated",
                      ids[4]: "pending", ids[5]: "quarantined"}
    second = run_cli("review", "pull", pid, "--out", tmp_path / "reviews")
    assert "ground truth written to 0 tasks, updated on 0" in second.out
    assert len([a for a in ls_client.task(ids[3])["annotations"] if a["ground_truth"]]) == 1

    exported = run_cli("export", pid, "--out", tmp_path / "final.jsonl")
    assert exported.code == 0, exported.err
    records = {r["task"]: r for r in map(json.loads, (tmp_path / "final.jsonl").read_text().splitlines())}
    held = [json.loads(line) for line in (tmp_path / "final.quarantine.jsonl").read_text().splitlines()]
    assert set(records) == set(ids) - {ids[5]} and [r["task"] for r in held] == [ids[5]]
    assert records[ids[3]]["final"][0]["value"]["choices"] == ["anger"]
    assert records[ids[3]]["final_source"] == "adjudicated" and records[ids[3]]["confidence"] == 1.0
    assert records[ids[0]]["final"][0]["value"]["choices"] == ["joy"] and records[ids[0]]["state"] == "agreed"
    assert len(records[ids[4]]["interpretations"]) == 3
    assert {i["annotator"] for i in records[ids[4]]["interpretations"]} == {a.email for a in annotators}
    assert held[0]["review"]["reason"] == "Could be joy or irony; unresolvable."

    status = run_cli("status", pid)
    assert status.code == 0, status.err
    assert "3 agreed, 1 adjudicated, 1 quarantined, 1 pending" in status.out
    assert "3 review tasks, 2 decided, 1 open" in status.out

    edge = run_cli("edge-cases", pid, "--out", tmp_path / "edge")
    assert edge.code == 0, edge.err
    entries = json.loads((tmp_path / "edge" / "edge_cases.json").read_text())
    assert [e["task"] for e in entries] == [ids[3]]
    assert entries[0]["decision"] == "corrected" and len(entries[0]["competing"]) == 3
    dom = render_in_chromium(tmp_path / "edge" / "index.html")
    assert "Sarcastic praise; the writer is angry." in dom
    assert "Decision:</b> corrected" in dom and "item 3" in dom
    # each entry links to its source task and its review task in Label Studio
    url = ls_client.url
    assert f'href="{url}/projects/{pid}/data?task={ids[3]}"' in dom
    assert f'href="{url}/projects/{review_project["id"]}/data?task={reviews[ids[3]]["id"]}"' in dom
    assert f"from the submitted reviews of project {pid} and review project {review_project['id']}" in dom


def test_ground_truth_waits_until_every_annotator_answered(run_cli, ls_client, label_studio, annotators,
                                                          tmp_path) -> None:
    """Label Studio counts the ground truth's author as one more distinct annotator (`is_labeled`): written on a
    task two of three annotators answered, it would close the task to the third. `review pull` waits."""
    config = render_config(read_config("text_emotion"), {"emotion": EMOTIONS})
    project = ls_client.create_project(title=unique_title("GT waits"), label_config=config, maximum_annotations=3,
                                       overlap_cohort_percentage=100)
    [task_id] = ls_client.import_tasks(project["id"], [{"data": {"text": "a split decision"}}])
    clients = [annotator_sdk(label_studio, a) for a in annotators]
    clients[0].annotations.create(task_id, result=emotion_result("joy"))
    clients[1].annotations.create(task_id, result=emotion_result("anger"))
    assert run_cli("review", "push", project["id"], "--qa-sample", "0").code == 0
    (review_project,) = ls_client.projects_titled(f"{project['title']} [review]")
    [review_task] = ls_client.iter_tasks(review_project["id"])
    ls_client.create_annotation(review_task["id"], review_result("anger", "corrected", "angry", edge_case=False))

    pulled = run_cli("review", "pull", project["id"], "--out", tmp_path / "first")
    assert pulled.code == 0, pulled.err
    assert f"waiting: tasks {task_id} still wait for annotators" in pulled.out
    task = ls_client.task(task_id)
    assert not [a for a in task["annotations"] if a["ground_truth"]] and task["is_labeled"] is False
    summary = json.loads((tmp_path / "first" / "summary.json").read_text())
    assert summary["ground_truth_waiting_for_annotators"] == [task_id]

    clients[2].annotations.create(task_id, result=emotion_result("anger"))
    assert "1 refreshed" in run_cli("review", "push", project["id"], "--qa-sample", "0").out
    pulled = run_cli("review", "pull", project["id"], "--out", tmp_path / "second")
    assert "ground truth written to 1 tasks" in pulled.out and "waiting" not in pulled.out
    task = ls_client.task(task_id)
    assert [a["result"][0]["value"]["choices"] for a in task["annotations"] if a["ground_truth"]] == [["anger"]]
    assert task["is_labeled"] is True


def test_a_transcript_review_starts_from_the_annotators_vote(run_cli, ls_client, label_studio, annotators) -> None:
    """Three transcripts, each one word off: the review task's consensus prediction (what the stream pre-fills)
    holds ROVER's vote, a text none of them typed, and Label Studio stores it in the review project."""
    project = ls_client.create_project(title=unique_title("transcripts"), label_config=read_config(
        "audio_transcription"), maximum_annotations=3, overlap_cohort_percentage=100)
    [task_id] = ls_client.import_tasks(project["id"], [{"data": {"audio": "/data/upload/clip.wav"}}])
    heard = ["the cat sat on a mat", "a cat sat on the mat", "the dog sat on the mat"]
    for annotator, text in zip(annotators, heard, strict=True):
        annotator_sdk(label_studio, annotator).annotations.create(id=task_id, result=[
            {"from_name": "transcription", "to_name": "audio", "type": "textarea", "value": {"text": [text]}},
            {"from_name": "quality", "to_name": "audio", "type": "rating", "value": {"rating": 4}}])
    pushed = run_cli("review", "push", project["id"], "--qa-sample", "1")
    assert pushed.code == 0, pushed.err
    (review_project,) = ls_client.projects_titled(f"{project['title']} [review]")
    (review_task,) = review_tasks_by_source(ls_client, review_project["id"]).values()
    consensus = {p["model_version"]: p for p in review_task["predictions"]}["consensus"]
    assert [(r["from_name"], r["value"]) for r in consensus["result"]] == [
        ("transcription", {"text": ["the cat sat on the mat"]}), ("quality", {"rating": 4})]
    assert ls_client.project(review_project["id"])["model_version"] == "consensus"
