"""`labelops agreement` on a real Label Studio project annotated through the API by three users."""

from __future__ import annotations

import json

import numpy as np
import pytest
from jsonschema import Draft202012Validator

from sdk_scripts.agreement.chance_corrected import fleiss_kappa_generalised
from sdk_scripts.agreement.schema import json_schema
from sdk_scripts.label_config_library import read_config
from tests.support.labelstudio import annotator_sdk, unique_title

# agreement maths on what Label Studio's API answers: nothing database-specific; the PostgreSQL run leaves it out
pytestmark = pytest.mark.api_feature


def sentiment(value: str, confidence: str | None = None) -> list[dict]:
    result = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]
    if confidence:
        result.append({"from_name": "confidence", "to_name": "text", "type": "choices",
                       "value": {"choices": [confidence]}})
    return result


def test_agreement_of_three_real_annotators(run_cli, ls_client, label_studio, annotators, tmp_path) -> None:
    project = ls_client.create_project(title=unique_title("Agreement"), label_config=read_config("text_sentiment"),
                                       maximum_annotations=3, overlap_cohort_percentage=100)
    ids = ls_client.import_tasks(project["id"], [{"data": {"text": f"review {i}"}} for i in range(5)])
    answers = [  # per task: what annotators 1, 2, 3 say
        ("positive", "positive", "positive"),
        ("negative", "negative", "negative"),
        ("positive", "negative", "neutral"),
        ("neutral", "neutral", "negative"),
        ("positive", "positive", None),  # the third annotator skips this task
    ]
    clients = [annotator_sdk(label_studio, a) for a in annotators]
    for task_id, row in zip(ids, answers, strict=True):
        for client, answer in zip(clients, row, strict=True):
            if answer is None:
                client.annotations.create(task_id, result=[], was_cancelled=True)
            else:
                client.annotations.create(task_id, result=sentiment(answer, "might be" if task_id == ids[3] else None))
    ls_client.create_annotation(ids[2], sentiment("neutral"), ground_truth=True)

    live = run_cli("agreement", project["id"], "--json")
    assert live.code == 0, live.err
    report = json.loads(live.out)
    Draft202012Validator(json_schema()).validate(report)
    scores = {t["task"]: t["score"] for t in report["tasks"]}
    assert scores == {ids[0]: 1.0, ids[1]: 1.0, ids[2]: 0.0, ids[3]: pytest.approx(1 / 3), ids[4]: 1.0}
    summary = report["summary"]
    assert (summary["cancelled"], summary["ground_truth"], summary["annotators"]) == (1, 1, 3)
    assert summary["low_confidence"] == 3
    (control,) = report["controls"]
    assert control["name"] == "sentiment" and control["kind"] == "single"
    # task 5 has two raters, the others three: Fleiss' kappa in Gwet's form for unequal rater counts
    labels = sorted({a for row in answers for a in row if a})
    counts = np.array([[row.count(label) for label in labels] for row in answers])
    assert control["measures"]["fleiss_kappa"] == pytest.approx(fleiss_kappa_generalised(counts))
    assert {"gwet_ac1", "brennan_prediger"} <= set(control["measures"])
    assert -1 <= control["measures"]["alpha_nominal"] <= 1
    by_annotator = {a["name"]: a for a in report["annotators"]}
    assert set(by_annotator) == {a.email for a in annotators}
    assert by_annotator[annotators[2].email]["gold_accuracy"] == 1.0  # said neutral on the gold task
    assert by_annotator[annotators[0].email]["gold_accuracy"] == 0.0
    consensus = {t["task"]: t["consensus"].get("sentiment", {}) for t in report["tasks"]}
    assert consensus[ids[3]]["majority"] == "neutral"
    assert consensus[ids[3]]["majority_confidence"] == pytest.approx(2 / 3)
    assert "dawid_skene" in consensus[ids[0]]

    # The same figures from a pull directory, and readable tables for every --by.
    assert run_cli("pull", project["id"], "--out", tmp_path / "pulled").code == 0
    offline = json.loads(run_cli("agreement", tmp_path / "pulled", "--json").out)
    assert offline["controls"] == report["controls"]
    for by, expected in (("label", "alpha/F1"), ("task", "consensus (majority)"), ("annotator", "gold accuracy"),
                         ("week", "week")):
        table = run_cli("agreement", tmp_path / "pulled", "--by", by)
        assert table.code == 0 and expected in table.out


def test_agreement_on_an_empty_or_single_annotator_project(run_cli, ls_client, tmp_path) -> None:
    project = ls_client.create_project(title=unique_title("Empty"), label_config=read_config("text_ner"))
    empty = run_cli("agreement", project["id"])
    assert empty.code == 0, empty.err
    assert "0 tasks, 0 annotations" in empty.out
    ids = ls_client.import_tasks(project["id"], [{"data": {"text": "Ada Lovelace"}}])
    ls_client.create_annotation(ids[0], [{"from_name": "label", "to_name": "text", "type": "labels",
                                          "value": {"start": 0, "end": 12, "labels": ["PERSON"]}}])
    single = run_cli("agreement", project["id"], "--by", "task")
    assert single.code == 0 and "0 tasks scored" in single.out
    not_a_pull = run_cli("agreement", tmp_path)
    assert not_a_pull.code == 1 and "is not a `labelops pull` directory" in not_a_pull.err
