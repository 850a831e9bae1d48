"""Where gold and model-vs-human figures surface: the export's finals, the HTML report, and the commands offline."""

from __future__ import annotations

import json

from sdk_scripts.governance.report import render_report
from sdk_scripts.quality.gold_eval import evaluate_gold
from sdk_scripts.quality.gold_tasks import GoldPolicy, with_marker
from sdk_scripts.quality.model_versions import model_version_report
from sdk_scripts.review.export import export_records
from sdk_scripts.review.project_state import ProjectState
from tests.support.quality import CONFIG, annotation, gold_task, model_project


def tasks() -> list[dict]:
    """Two gold tasks annotator 2 gets wrong (policy: 0.5 on 2 gold tasks), and two ordinary tasks."""
    policy = GoldPolicy(0.5, 2)
    return [gold_task(1, "positive", {1: "positive", 2: "negative"}, policy),
            gold_task(2, "neutral", {1: "neutral", 2: "negative"}, policy),
            {"id": 3, "data": {"text": "3"}, "annotations": [annotation(31, 1, "positive"),
                                                             annotation(32, 2, "negative")]},
            {"id": 4, "data": {"text": "4"}, "annotations": [annotation(41, 2, "negative")]}]


def state_of(found: list[dict]) -> ProjectState:
    return ProjectState({"id": 1, "title": "p", "label_config": CONFIG}, found, {}, None, [], {},
                        dict.fromkeys((t["id"] for t in found), "agreed"), {1: "a@x", 2: "b@x"})


def test_a_flagged_annotators_labels_drop_out_of_the_finals_and_say_why() -> None:
    records = {r["task"]: r for r in export_records(state_of(tasks()))}
    why = "gold accuracy 0.00 < 0.50 on 2 gold tasks"
    assert [r["value"]["choices"] for r in records[3]["final"]] == [["positive"]]
    assert records[3]["final_source"] == "majority"
    assert {i["annotator"]: i["excluded"] for i in records[3]["interpretations"]} == {"a@x": None, "b@x": why}
    assert records[4]["final"] is None and records[4]["weight"] == 0.0
    # without a minimum score the same annotations all count
    unmarked = tasks()
    for task in unmarked[:2]:
        task["meta"] = with_marker({}, GoldPolicy(None, 2), "2026-03-01T00:00:00+00:00")
    records = {r["task"]: r for r in export_records(state_of(unmarked))}
    assert [r["value"]["choices"] for r in records[4]["final"]] == [["negative"]]
    assert {i["excluded"] for i in records[3]["interpretations"]} == {None}


def test_the_html_report_has_the_gold_and_model_sections() -> None:
    from sdk_scripts.agreement.engine import build_report

    found = tasks()
    gold = evaluate_gold(CONFIG, found, {1: "a@x", 2: "b@x"})
    page = render_report("p", {"agreed": 4}, build_report(CONFIG, found), {"annotators": [], "names": {}}, {}, [],
                         None, 0, gold=gold, models=model_version_report(CONFIG, model_project()))
    assert "<h2>Gold tasks</h2>" in page and '<p id="gold">2 gold tasks; minimum score 0.50' in page
    assert "Flagged: b@x: gold accuracy 0.00 &lt; 0.50 on 2 gold tasks (left out of the finals)." in page
    assert "Accuracy of each annotator on the gold tasks (flagged in red)" in page
    assert "<h2>Model vs human</h2>" in page and "<td>v1</td><td>3</td><td>3</td><td>0.333</td><td>1/2</td>" in page
    assert "Lead time per annotation" in page and "<td>no prediction</td>" in page
    empty = render_report("p", {}, build_report(CONFIG, []), {"annotators": [], "names": {}}, {}, [], None, 0)
    assert "No gold tasks" in empty and "No predictions in the project." in empty


def test_agreement_by_model_version_reads_a_pull_directory(offline_cli, tmp_path) -> None:
    pulled = tmp_path / "pull"
    pulled.mkdir()
    (pulled / "project.json").write_text(json.dumps({"format": 1, "project": {"id": 7, "title": "p"}}))
    (pulled / "label_config.xml").write_text(CONFIG)
    (pulled / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in model_project()))
    code, out, err = offline_cli("agreement", pulled, "--by", "model-version", "--json")
    assert code == 0, err
    assert [(v["model_version"], v["compared"]) for v in json.loads(out)["versions"]] == [("v1", 3), ("v2", 2)]
    code, out, err = offline_cli("agreement", pulled, "--by", "model-version")
    assert code == 0 and out.startswith(f"model versions of pull of project 7 in {pulled}\n")


def test_gold_options_are_checked_before_anything_connects(offline_cli, tmp_path) -> None:
    code, _, err = offline_cli("gold", "import", "1", tmp_path / "g.jsonl", "--rate", "1")
    assert code == 2 and "--rate" in err
    code, _, err = offline_cli("gold", "report", "1", "--min-score", "1.5")
    assert code == 2 and "--min-score" in err
    code, _, err = offline_cli("gold", "import", "1", tmp_path / "missing.jsonl")
    assert code == 1 and err.startswith("labelops: error: gold file") and "Traceback" not in err
