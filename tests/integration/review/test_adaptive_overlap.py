"""Adaptive overlap against the real Label Studio: a disagreeing task is served to a 4th annotator and leaves review.

Three annotator users label four tasks (one agreed, three split). `review push --max-annotators 4` raises the
split tasks' overlap by one; Label Studio's own labeling stream (`/api/projects/ID/next`) then serves them to
a fourth user and never to the three who labelled them. Where the fourth agrees the task reaches the threshold
and no review is needed; the others go to review at the maximum.
"""

from __future__ import annotations

import json

import httpx

from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.review.overlap import META_FIELD
from sdk_scripts.review.push import LINK_FIELD
from tests.support.cli import one_error_line
from tests.support.labelstudio import annotator_sdk, auth_headers, unique_title
from tests.support.projects import EMOTIONS, emotion_result

# task index -> the three annotators' answers, and the fourth's once the task is served to them
PLAN = {0: (["joy", "joy", "joy"], None),
        1: (["joy", "joy", "anger"], "joy"),  # agreement 0.67 -> 0.75: agrees, leaves review
        2: (["anger", "anger", "joy"], "joy"),  # 0.67 -> 0.67: still below at the maximum
        3: (["joy", "anger", "sadness"], "joy")}  # 0.5 -> 0.58: still below
PUSH = ("--qa-sample", "0", "--threshold", "0.7")


def next_task(label_studio, annotator, pid: int) -> int | None:
    """The task Label Studio's labeling stream serves this user next, or None (404: nothing left for them)."""
    resp = httpx.get(f"{label_studio.url}/api/projects/{pid}/next",
                     headers=auth_headers(label_studio.url, annotator.token), timeout=60)
    assert resp.status_code in (200, 404), resp.text
    return resp.json()["id"] if resp.status_code == 200 else None


def review_sources(ls_client, title: str) -> set[int]:
    (project,) = ls_client.projects_titled(title)
    return {t["data"][LINK_FIELD]["source_task"] for t in ls_client.iter_tasks(project["id"])}


def test_a_disagreeing_task_gets_a_fourth_annotation_and_leaves_review_when_it_agrees(
        run_cli, ls_client, label_studio, annotators) -> None:
    (fourth,) = label_studio.create_annotators(["overlap4@labelops.test"])
    config = render_config(read_config("text_emotion"), {"emotion": EMOTIONS})
    project = ls_client.create_project(title=unique_title("Adaptive"), label_config=config, maximum_annotations=3,
                                       overlap_cohort_percentage=100)
    pid, review_title = project["id"], f"{project['title']} [review]"
    ids = ls_client.import_tasks(pid, [{"data": {"text": f"case {i}"}} for i in PLAN])
    clients = [annotator_sdk(label_studio, a) for a in annotators]
    for index, (answers, _) in PLAN.items():
        for who, emotion in enumerate(answers):
            clients[who].annotations.create(ids[index], result=emotion_result(emotion))
    split = set(ids[1:])

    # Without adaptive overlap (today's push) every split task goes to review.
    assert "3 tasks need review; 3 created" in run_cli("review", "push", pid, *PUSH).out
    assert review_sources(ls_client, review_title) == split

    # Bad input is one error and writes nothing.
    for args, expected in ((["--max-annotators", "2"], "--max-annotators 2 is below the current overlap: project"),
                           (["--threshold", "1.5"], "must be a finite number in [0, 1]")):
        failed = run_cli("review", "push", pid, "--qa-sample", "0", *args)
        assert expected in one_error_line(failed.err, failed.code, 2 if "--threshold" in args else 1)
    assert {t["id"]: t["overlap"] for t in ls_client.iter_tasks(pid)} == dict.fromkeys(ids, 3)
    assert review_sources(ls_client, review_title) == split

    raised = run_cli("review", "push", pid, *PUSH, "--max-annotators", "4")
    assert raised.code == 0, raised.err
    assert "adaptive overlap (up to 4 annotators): 3 extra annotation(s) requested now" in raised.out
    assert "withdrawn: review tasks" in raised.out and "0 tasks need review" in raised.out
    tasks = {t["id"]: t for t in ls_client.iter_tasks(pid)}
    assert {i: (tasks[i]["overlap"], tasks[i]["is_labeled"]) for i in ids} == {
        ids[0]: (3, True), **{i: (4, False) for i in split}}
    assert tasks[ids[1]]["meta"][META_FIELD] == {"base": 3, "raised_to": 4}
    assert review_sources(ls_client, review_title) == set()  # they wait for the fourth annotator, not a reviewer

    again = json.loads(run_cli("review", "push", pid, *PUSH, "--max-annotators", "4", "--json").out)
    assert again["overlap"]["raised_now"] == [] and again["overlap"]["waiting"] == sorted(split)
    assert {t["id"]: t["overlap"] for t in ls_client.iter_tasks(pid)} == {ids[0]: 3, **dict.fromkeys(split, 4)}
    failed = run_cli("review", "push", pid, *PUSH, "--max-annotators", "3")
    assert "below the current overlap of task(s)" in one_error_line(failed.err, failed.code)

    # Label Studio serves the raised tasks to the new annotator, never to one who already labelled them.
    assert [next_task(label_studio, a, pid) for a in annotators] == [None, None, None]
    fourth_client, served = annotator_sdk(label_studio, fourth), []
    while (task_id := next_task(label_studio, fourth, pid)) is not None:
        assert task_id in split and task_id not in served
        served.append(task_id)
        fourth_client.annotations.create(task_id, result=emotion_result(PLAN[ids.index(task_id)][1]))
    assert sorted(served) == sorted(split)
    assert all(t["is_labeled"] for t in ls_client.iter_tasks(pid))

    final = json.loads(run_cli("review", "push", pid, *PUSH, "--max-annotators", "4", "--json").out)
    overlap = final["overlap"]
    assert overlap["raised_now"] == [] and overlap["reviews_saved_tasks"] == [ids[1]]
    assert overlap["reviewed_after_extra_annotations"] == [ids[2], ids[3]]
    assert (overlap["extra_annotations_requested"], overlap["extra_annotations_received"]) == (3, 3)
    assert review_sources(ls_client, review_title) == {ids[2], ids[3]}  # task 1 left the review queue
    text = run_cli("review", "push", pid, *PUSH, "--max-annotators", "4").out
    assert "so far: 3 extra annotation(s) requested, 3 given; 1 review(s) saved" in text
    assert "0 created, 0 refreshed, 2 unchanged" in text
