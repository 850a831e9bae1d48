"""Review tiers against the real Label Studio: a spec's routing rules send tasks to their own review projects.

A project made from a spec with two tiers (expert: agreement below 0.6; sensitive: any annotator said
sadness) is labelled by three annotator users. `review push --spec` routes each task to the first matching
tier, else to the default review project; an expert user reviews in the expert project, and `review pull`
brings that decision back as ground truth on the source task.
"""

from __future__ import annotations

import json

import yaml

from sdk_scripts.review.push import LINK_FIELD
from tests.support.cli import one_error_line
from tests.support.labelstudio import annotator_sdk, unique_title
from tests.support.projects import EMOTIONS, emotion_result, review_result

# task index -> the three annotators' answers, who flags it, and the tier the rules pick
PLAN = {0: (["joy", "joy", "joy"], None, None),  # agreed: not reviewed
        1: (["joy", "joy", "anger"], None, "default"),  # agreement 0.67: below 0.8, not below 0.6
        2: (["joy", "anger", "sadness"], None, "expert"),  # 0.5: the first rule wins over sadness
        3: (["sadness", "sadness", "anger"], None, "sensitive"),
        4: (["joy", "joy", "joy"], 1, "default")}  # flagged ambiguous
TIERS = [{"name": "expert", "when": {"agreement_below": 0.6}},
         {"name": "sensitive", "when": {"label_in": ["sadness"]}}]


def write_spec(path, title: str, tiers: list[dict]) -> str:
    path.write_text(yaml.safe_dump({"title": title, "config": "text_emotion", "labels": {"emotion": EMOTIONS},
                                    "annotators_per_task": 3, "tiers": tiers}))
    return str(path)


def sources(ls_client, title: str) -> dict[int, int]:
    """source task -> review task in the review project titled so."""
    (project,) = ls_client.projects_titled(title)
    return {t["data"][LINK_FIELD]["source_task"]: t["id"] for t in ls_client.iter_tasks(project["id"])}


def test_a_routing_rule_sends_a_low_agreement_task_to_the_expert_tier_and_its_decision_comes_back(
        run_cli, ls_client, label_studio, annotators, tmp_path) -> None:
    title = unique_title("Tiers")
    titles = {"default": f"{title} [review]", "expert": f"{title} [expert]", "sensitive": f"{title} [sensitive]"}
    bad = write_spec(tmp_path / "bad.yaml", title, [{"name": "expert", "when": {"label_in": ["angr"]}}])
    failed = run_cli("project", "create", bad)
    assert "field 'tiers': tier 1 ('expert'): label_in names 'angr'" in one_error_line(failed.err, failed.code)
    assert ls_client.projects_titled(title) == []  # nothing half-made

    spec = write_spec(tmp_path / "spec.yaml", title, TIERS)
    created = run_cli("project", "create", spec)
    assert created.code == 0, created.err
    assert f"review tier 1: expert -> {titles['expert']!r} when agreement below 0.6" in created.out
    (project,) = ls_client.projects_titled(title)
    pid = project["id"]
    ids = ls_client.import_tasks(pid, [{"data": {"text": f"case {i}"}} for i in PLAN])
    clients = [annotator_sdk(label_studio, a) for a in annotators]
    annotation_ids = {}
    for index, (answers, flagger, _) in PLAN.items():
        for who, emotion in enumerate(answers):
            made = clients[who].annotations.create(ids[index], result=emotion_result(emotion, flagger == who))
            annotation_ids[index, who] = made.id

    failed = run_cli("review", "push", pid, "--spec", bad)
    assert "label_in names 'angr'" in one_error_line(failed.err, failed.code)
    assert all(ls_client.projects_titled(t) == [] for t in titles.values())  # nothing half-written

    pushed = run_cli("review", "push", pid, "--qa-sample", "0", "--spec", spec)
    assert pushed.code == 0, pushed.err
    assert f"{titles['expert']!r} (tier expert: agreement below 0.6): 1 tasks need review; 1 created" in pushed.out
    assert f"{titles['default']!r}: 2 tasks need review; 2 created" in pushed.out
    expected = {tier: {ids[i] for i, (*_, t) in PLAN.items() if t == tier} for tier in titles}
    assert {tier: set(sources(ls_client, t)) for tier, t in titles.items()} == expected
    (expert_project,) = ls_client.projects_titled(titles["expert"])
    assert "agreement below 0.6" in ls_client.project(expert_project["id"])["expert_instruction"]
    again = json.loads(run_cli("review", "push", pid, "--qa-sample", "0", "--spec", spec, "--json").out)
    assert [(p["tier"], len(p["created"]), len(p["unchanged"])) for p in again["review_projects"]] == [
        ("default", 0, 2), ("expert", 0, 1), ("sensitive", 0, 1)]

    # An expert (in open source every member sees every project) reviews the expert tier's task.
    (expert,) = label_studio.create_annotators(["tier-expert@labelops.test"])
    review_task = sources(ls_client, titles["expert"])[ids[2]]
    annotator_sdk(label_studio, expert).annotations.create(
        review_task, result=review_result("anger", "corrected", "The writer is angry.", edge_case=True))

    pulled = run_cli("review", "pull", pid, "--out", tmp_path / "pulled")
    assert pulled.code == 0, pulled.err
    assert "ground truth written to 1 tasks" in pulled.out
    truth = [a for a in ls_client.task(ids[2])["annotations"] if a["ground_truth"]]
    assert len(truth) == 1 and truth[0]["result"][0]["value"]["choices"] == ["anger"]
    states = {json.loads(line)["task"]: json.loads(line)["state"]
              for line in (tmp_path / "pulled" / "states.jsonl").read_text().splitlines()}
    assert states[ids[2]] == "adjudicated"
    summary = json.loads((tmp_path / "pulled" / "summary.json").read_text())
    assert len(summary["review_projects"]) == 3 and expert_project["id"] in summary["review_projects"]
    status = run_cli("status", pid)
    assert "reviews      3 projects (" in status.out and "4 review tasks, 1 decided, 3 open" in status.out
    assert run_cli("edge-cases", pid, "--out", tmp_path / "edge").code == 0
    page = (tmp_path / "edge" / "index.html").read_text()
    assert f'/projects/{expert_project["id"]}/data?task={review_task}"' in page  # the tier's own project

    # An annotator changes their mind: task 1 now has sadness, so its unreviewed review task moves to the
    # sensitive tier; the reviewed task stays where it was reviewed.
    clients[2].annotations.update(annotation_ids[1, 2], result=emotion_result("sadness"))
    moved = run_cli("review", "push", pid, "--qa-sample", "0", "--spec", spec)
    assert moved.code == 0, moved.err
    assert "moved: review tasks" in moved.out
    assert set(sources(ls_client, titles["default"])) == {ids[4]}
    assert set(sources(ls_client, titles["sensitive"])) == {ids[1], ids[3]}
    assert set(sources(ls_client, titles["expert"])) == {ids[2]}
