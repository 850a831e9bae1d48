"""Gold tasks against the real Label Studio: served first to a new annotator, a wrong annotator flagged and left
out of the finals, and a gold file naming tasks outside the project refused before any write.

A sentiment project of eight tasks, two annotations each; tasks 0-2 are gold. The annotators of the session answer
the gold correctly; a newcomer, invited after the import, is served the three gold tasks first through Label
Studio's own queue (`/api/projects/ID/next`) and answers two of them wrongly.
"""

from __future__ import annotations

import json

import httpx
import pytest

from sdk_scripts.label_config_library import read_config, render_config
from tests.support.cli import one_error_line
from tests.support.labelstudio import annotator_sdk, auth_headers, unique_title

LABELS = ["positive", "neutral", "negative"]
GOLD = {0: "positive", 1: "negative", 2: "neutral"}


def sentiment(label: str) -> list[dict]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


@pytest.fixture
def project(ls_client):
    config = render_config(read_config("text_sentiment"), {"sentiment": LABELS})
    made = ls_client.create_project(title=unique_title("Gold"), label_config=config, maximum_annotations=2)
    ids = ls_client.import_tasks(made["id"], [{"data": {"text": f"item {i}"}} for i in range(8)])
    return made, ids


def write_gold(path, rows: list[dict]):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def next_task(url: str, token: str, project_id: int) -> dict:
    response = httpx.get(f"{url}/api/projects/{project_id}/next", headers=auth_headers(url, token), timeout=30)
    response.raise_for_status()
    return response.json()


def test_a_gold_file_naming_tasks_outside_the_project_writes_nothing(run_cli, ls_client, project, tmp_path) -> None:
    made, ids = project
    path = write_gold(tmp_path / "gold.jsonl", [
        {"task": ids[0], "result": sentiment("positive")},
        {"task": ids[-1] + 10_000, "result": sentiment("negative")},
        {"data": {"text": "not an item"}, "result": sentiment("neutral")},
    ])
    failed = run_cli("gold", "import", made["id"], path)
    line = one_error_line(failed.err, failed.code)
    assert "2 problems in the gold file; nothing was written" in line
    assert f"task {ids[-1] + 10_000} is not in the project" in failed.err
    assert "gold.jsonl:3: the task with this data is not in the project" in failed.err
    tasks = list(ls_client.iter_tasks(made["id"]))
    assert [a for t in tasks for a in t["annotations"]] == []
    assert all(not (t.get("meta") or {}) and t["overlap"] == 2 for t in tasks)
    assert not ls_client.project(made["id"])["annotator_evaluation_enabled"]


def test_gold_first_then_a_wrong_annotator_is_flagged_and_left_out_of_the_finals(
        run_cli, ls_client, label_studio, annotators, project, tmp_path) -> None:
    made, ids = project
    pid = made["id"]
    path = write_gold(tmp_path / "gold.jsonl", [{"task": ids[i], "result": sentiment(label)}
                                                 for i, label in GOLD.items()])
    done = run_cli("gold", "import", pid, path, "--min-score", "0.8")
    assert done.code == 0, done.err
    assert "3 gold tasks served first (3 ground truths created, 0 replaced, 0 already there" in done.out
    assert "annotator evaluation turned on" in done.out
    again = run_cli("gold", "import", pid, path)
    assert "(0 ground truths created, 0 replaced, 3 already there; 0 tasks updated" in again.out, again.out
    assert ls_client.project(pid)["annotator_evaluation_enabled"]
    tasks = {t["id"]: t for t in ls_client.iter_tasks(pid)}
    users = len(ls_client.user_emails())
    for i in GOLD:
        assert tasks[ids[i]]["overlap"] == users + 1
        assert tasks[ids[i]]["meta"]["labelops_gold"]["min_score"] == 0.8
        assert [a["ground_truth"] for a in tasks[ids[i]]["annotations"]] == [True]

    good = [annotator_sdk(label_studio, a) for a in annotators[:2]]
    for client in good:
        for i, label in GOLD.items():
            client.annotations.create(ids[i], result=sentiment(label))
    (newcomer,) = label_studio.create_annotators([f"gold-newcomer-{pid}@labelops.test"])
    served = []
    for answer in ("negative", "negative", "positive"):  # wrong, right, wrong
        task = next_task(label_studio.url, newcomer.token, pid)
        served.append(task["id"])
        assert "Onboarding ground truth queue" in task["queue"]
        annotator_sdk(label_studio, newcomer).annotations.create(task["id"], result=sentiment(answer))
    assert served == [ids[i] for i in GOLD]
    after = next_task(label_studio.url, newcomer.token, pid)
    assert after["id"] not in served and "Onboarding" not in after["queue"]

    newcomer_sdk = annotator_sdk(label_studio, newcomer)
    newcomer_sdk.annotations.create(ids[3], result=sentiment("negative"))
    good[0].annotations.create(ids[3], result=sentiment("positive"))
    newcomer_sdk.annotations.create(ids[4], result=sentiment("negative"))

    report = run_cli("gold", "report", pid, "--json")
    assert report.code == 0, report.err
    rows = {r["name"]: r for r in json.loads(report.out)["annotators"]}
    bad = rows[newcomer.email]
    assert bad["gold_tasks"] == 3 and bad["accuracy"] == pytest.approx(1 / 3) and bad["flagged"]
    assert bad["reason"] == "gold accuracy 0.33 < 0.80 on 3 gold tasks"
    assert bad["labels"] == {"sentiment: positive": {"answers": 1, "accuracy": 0.0},
                             "sentiment: negative": {"answers": 1, "accuracy": 1.0},
                             "sentiment: neutral": {"answers": 1, "accuracy": 0.0}}
    assert all(rows[a.email]["accuracy"] == 1.0 and not rows[a.email]["flagged"] for a in annotators[:2])

    status = run_cli("status", pid)
    assert f"flagged    {newcomer.email}: gold accuracy 0.33 < 0.80 on 3 gold tasks" in status.out, status.out

    exported = run_cli("export", pid, "--out", tmp_path / "final.jsonl")
    assert exported.code == 0, exported.err
    records = {r["task"]: r for r in map(json.loads, (tmp_path / "final.jsonl").read_text().splitlines())}
    assert [r["value"]["choices"] for r in records[ids[3]]["final"]] == [["positive"]]
    excluded = {i["annotator"]: i["excluded"] for i in records[ids[3]]["interpretations"]}
    assert excluded == {newcomer.email: "gold accuracy 0.33 < 0.80 on 3 gold tasks", annotators[0].email: None}
    assert records[ids[4]]["final"] is None and records[ids[4]]["weight"] == 0.0

    page = run_cli("report", pid, "--out", tmp_path / "report.html")
    assert page.code == 0, page.err
    html = (tmp_path / "report.html").read_text()
    assert "Gold tasks" in html and newcomer.email in html and "gold accuracy 0.33 &lt; 0.80 on 3 gold tasks" in html
