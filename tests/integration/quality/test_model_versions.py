"""Model vs human against the real Label Studio: `agreement --by model-version` matches a hand count.

Six sentiment tasks; model version v1 predicts tasks 0-3, v2 tasks 2-5. Two annotator users annotate through the
API as Label Studio's editor does: `parent_prediction` when they start from a pre-label, `lead_time` in seconds.
Task 3's final is a ground truth the admin wrote; the others' are the annotators' consensus.

| task | v1 | v2 | annotator 1 | annotator 2 | final |
|---|---|---|---|---|---|
| 0 | positive | | positive from v1, 10 s | positive, 30 s | positive |
| 1 | negative | | neutral from v1, 20 s | neutral, 40 s | neutral |
| 2 | neutral | negative | negative from v2, 6 s | negative from v2, 8 s | negative |
| 3 | positive | negative | positive from v1, 12 s | | negative (ground truth) |
| 4 | | positive | positive, 50 s | positive, 50 s | positive |
| 5 | | neutral | | | none |

v1: 4 predictions, 4 compared, 1 agrees (0.25); made from it 3, kept 2; lead time 10, 20, 12 (mean 14).
v2: 4 predictions, 3 compared, 3 agree (1.0); made from it 2, kept 2; lead time 6, 8 (mean 7).
Without a prediction: 30, 40, 50, 50 (mean 42.5): speed-up 42.5 / 14 and 42.5 / 7.
"""

from __future__ import annotations

import json

import pytest

from sdk_scripts.label_config_library import read_config, render_config
from tests.support.labelstudio import annotator_sdk, unique_title

V1 = {0: "positive", 1: "negative", 2: "neutral", 3: "positive"}
V2 = {2: "negative", 3: "negative", 4: "positive", 5: "neutral"}
# task -> per annotator: (label, version started from or None, lead time)
PLAN = {0: [("positive", "v1", 10), ("positive", None, 30)],
        1: [("neutral", "v1", 20), ("neutral", None, 40)],
        2: [("negative", "v2", 6), ("negative", "v2", 8)],
        3: [("positive", "v1", 12)],
        4: [("positive", None, 50), ("positive", None, 50)]}


def sentiment(label: str) -> list[dict]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


def test_the_model_version_table_matches_a_hand_count(run_cli, ls_client, label_studio, annotators, tmp_path) -> None:
    config = render_config(read_config("text_sentiment"), {"sentiment": ["positive", "neutral", "negative"]})
    project = ls_client.create_project(title=unique_title("Model vs human"), label_config=config,
                                       maximum_annotations=2)
    pid = project["id"]
    ids = ls_client.import_tasks(pid, [{"data": {"text": f"review {i}"}} for i in range(6)])
    ls_client.import_predictions(pid, [{"task": ids[i], "result": sentiment(label), "score": 0.5,
                                        "model_version": version}
                                       for version, plan in (("v1", V1), ("v2", V2)) for i, label in plan.items()])
    predictions = {(t["id"], p["model_version"]): p["id"] for t in ls_client.iter_tasks(pid) for p in t["predictions"]}
    assert len(predictions) == 8
    clients = [annotator_sdk(label_studio, a) for a in annotators[:2]]
    for i, answers in PLAN.items():
        for who, (label, version, seconds) in enumerate(answers):
            parent = {"parent_prediction": predictions[ids[i], version]} if version else {}
            clients[who].annotations.create(ids[i], result=sentiment(label), lead_time=seconds, **parent)
    ls_client.create_annotation(ids[3], sentiment("negative"), ground_truth=True)

    found = run_cli("agreement", pid, "--by", "model-version", "--json")
    assert found.code == 0, found.err
    report = json.loads(found.out)
    versions = {v["model_version"]: v for v in report["versions"]}
    assert sorted(versions) == ["v1", "v2"]
    v1, v2 = versions["v1"], versions["v2"]
    assert (v1["predictions"], v1["compared"], v1["agreement"]) == (4, 4, 0.25)
    assert (v2["predictions"], v2["compared"], v2["agreement"]) == (4, 3, 1.0)
    assert v1["acceptance"] == {"made_from_prediction": 3, "accepted": 2, "rate": pytest.approx(2 / 3)}
    assert v2["acceptance"] == {"made_from_prediction": 2, "accepted": 2, "rate": 1.0}
    assert (v1["lead_time"]["annotations"], v1["lead_time"]["mean"]) == (3, pytest.approx(14.0))
    assert (v2["lead_time"]["annotations"], v2["lead_time"]["mean"]) == (2, pytest.approx(7.0))
    without = report["without_prediction"]
    assert (without["annotations"], without["mean"]) == (4, pytest.approx(42.5))
    assert v1["against_no_prediction"]["speedup"] == pytest.approx(42.5 / 14)
    assert v2["against_no_prediction"]["speedup"] == pytest.approx(42.5 / 7)
    low, high = v1["lead_time"]["interval"]["low"], v1["lead_time"]["interval"]["high"]
    assert 10 <= low <= 14 <= high <= 20
    (control,) = v1["controls"]
    assert control["name"] == "sentiment" and control["measures"]["percent_agreement"] == 0.25
    assert v2["controls"][0]["measures"]["percent_agreement"] == 1.0

    text = run_cli("agreement", pid, "--by", "model-version")
    assert text.code == 0, text.err
    rows: dict[str, list[str]] = {}
    for line in text.out.splitlines():  # the versions table comes first, then per control and per label
        if line.startswith(("v1 ", "v2 ")):
            rows.setdefault(line.split()[0], line.split())
    assert rows["v1"][:6] == ["v1", "4", "4", "0.250", "2/3", "0.667"]
    assert rows["v2"][:6] == ["v2", "4", "3", "1.000", "2/2", "1.000"]
    assert "without a prediction: lead time 42.5" in text.out

    page = run_cli("report", pid, "--out", tmp_path / "report.html")
    assert page.code == 0, page.err
    html = (tmp_path / "report.html").read_text()
    assert "Model vs human" in html and "<td>v1</td><td>4</td><td>4</td><td>0.250</td><td>2/3</td>" in html
    assert "Lead time per annotation" in html
