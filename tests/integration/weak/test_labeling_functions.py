"""Labeling functions against the real Label Studio: applied over a project (in two worker processes), analysed to
the hand counts below (printed, JSON, the HTML report), combined into predictions with scores and model_version
lf-<hash> that a rerun replaces instead of adding; YAML rules over the same project (a data field, PII, the stored
model's prediction); a label the control does not have and a single-class matrix each one error line.

The project (tests/support/weak.py TASKS), functions great / awful / meh / fragile (P positive, U neutral, N negative,
- abstain, ! raised), labels from ground truth (gt) or an annotation (ann):

    task  text                               great awful meh fragile  label
    t0    great movie                        P     -     -   -        gt positive
    t1    great but awful ending             P     N     -   -        gt negative
    t2    awful, just awful                  -     N     -   -        ann negative
    t3    meh                                -     -     U   -        ann neutral
    t4    great, meh                         P     -     U   -        ann positive
    t5    nothing to say; mail me at ...     -     -     -   -        ann neutral
    t6    I love it until the crash          -     -     -   !        -
    t7    love it, great                     P     -     -   P        -

Label coverage 6/8, overlap (t1 t4 t7) 3/8, conflict (t1 t4) 2/8. great: coverage 4/8, overlaps 3/8, conflicts 2/8,
on the six labelled tasks right on t0 t4, wrong on t1 -> 2, 1, 2/3; awful: 2/8, 1/8, 1/8, right on t1 t2 -> 2, 0,
1.0; meh: 2/8, 1/8, 1/8, right on t3, wrong on t4 -> 1, 1, 0.5; fragile: 1/8, 1/8, 0, no labelled vote, raised
once. With 5 labelled covered tasks (fewer than 10) the label model is majority vote: t0 t7 positive 1.0, t1 t4
ties -> positive (first in the config) 0.5, t2 negative 1.0, t3 neutral 1.0; t5 t6 get no prediction.
"""

from __future__ import annotations

import json

import pytest

from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.weak.matrix import load_matrix
from tests.support.cli import one_error_line
from tests.support.labelstudio import unique_title
from tests.support.weak import FUNCTIONS_MODULE, LABELS, RULES_YAML, TASKS, write

# a feature driven through the API like the tests the PostgreSQL run keeps: nothing database-specific here
pytestmark = pytest.mark.api_feature

ONLY_GREAT = """from sdk_scripts.weak import labeling_function


@labeling_function(control="sentiment")
def great(task_data):
    return "positive" if "great" in task_data["text"] else None
"""


def sentiment(label: str) -> list[dict]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


@pytest.fixture
def project(ls_client):
    config = render_config(read_config("text_sentiment"), {"sentiment": LABELS})
    made = ls_client.create_project(title=unique_title("Labeling functions"), label_config=config,
                                    sampling="Uncertainty sampling")
    ids = ls_client.import_tasks(made["id"], [{"data": {"text": text, "source": source}}
                                              for text, source, _ in TASKS])
    for task_id, (_, _, label) in zip(ids, TASKS, strict=True):
        if label:
            ls_client.create_annotation(task_id, sentiment(label[1]), ground_truth=label[0] == "gt")
    # a served model's predictions: sure of t3 (neutral), unsure of t2
    ls_client.create_prediction(ids[3], sentiment("neutral"), 0.9, "sentiment-model")
    ls_client.create_prediction(ids[2], sentiment("negative"), 0.5, "sentiment-model")
    return made["id"], ids


def test_apply_analyze_predict_then_rules(run_cli, ls_client, project, tmp_path, monkeypatch) -> None:
    pid, ids = project
    monkeypatch.chdir(tmp_path)  # the matrix goes to labelops-lf/project-<id> here
    lfs = write(tmp_path, "lfs.py", FUNCTIONS_MODULE)
    applied = run_cli("lf", "apply", pid, "--lfs", lfs, "--processes", "2")
    assert applied.code == 0, applied.err
    assert (f"labelops: labeling function 'fragile' raised on 1 task (counted as abstains): task {ids[6]}: "
            "RuntimeError: cannot read this one") in applied.err
    assert "4 labeling functions (lf-" in applied.out and "over 8 tasks, 6 covered by at least one; 1 error " \
        in applied.out and f"labelops-lf/project-{pid}" in applied.out
    matrix = load_matrix(tmp_path / "labelops-lf" / f"project-{pid}")
    assert matrix.task_ids.tolist() == ids and matrix.errors == {"fragile": 1}

    analyzed = run_cli("lf", "analyze", pid, "--lfs", lfs, "--json")
    assert analyzed.code == 0, analyzed.err
    found = json.loads(analyzed.out)
    assert (found["tasks"], found["labelled"], found["ground_truth"], found["consensus"]) == (8, 6, 2, 4)
    assert (found["label_coverage"], found["label_overlap"], found["label_conflict"]) == (6 / 8, 3 / 8, 2 / 8)
    rows = {f["name"]: f for f in found["functions"]}
    figures = {name: (f["coverage"], f["overlaps"], f["conflicts"], f["correct"], f["incorrect"], f["emp_accuracy"],
                      f["raised"]) for name, f in rows.items()}
    assert figures == {"great": (4 / 8, 3 / 8, 2 / 8, 2, 1, pytest.approx(2 / 3), 0),
                       "awful": (2 / 8, 1 / 8, 1 / 8, 2, 0, 1.0, 0),
                       "meh": (2 / 8, 1 / 8, 1 / 8, 1, 1, 0.5, 0),
                       "fragile": (1 / 8, 1 / 8, 0.0, 0, 0, None, 1)}
    # rows: positive (t0 t4), neutral (t3 t5), negative (t1 t2); columns: positive, neutral, negative, abstain
    assert rows["great"]["confusion"] == [[2, 0, 0, 0], [0, 0, 0, 2], [1, 0, 0, 1]]
    assert rows["meh"]["confusion"] == [[0, 1, 0, 1], [0, 1, 0, 1], [0, 0, 0, 2]]
    text = run_cli("lf", "analyze", pid, "--lfs", lfs)
    assert "6 labelled tasks (2 ground truth, 4 annotators' consensus)" in text.out
    assert "label coverage 0.750, overlap 0.375, conflict 0.250" in text.out
    reported = run_cli("dataset", "report", pid, "--out", tmp_path / "report.html", "--lf-matrix",
                       tmp_path / "labelops-lf" / f"project-{pid}")
    assert reported.code == 0, reported.err
    html = (tmp_path / "report.html").read_text()
    assert f"4 labeling functions ({matrix.model_version}) of control sentiment over 8 tasks" in html
    assert ("<td>great</td><td>positive</td><td>0.500</td><td>0.375</td><td>0.250</td><td>2</td><td>1</td>"
            "<td>0.667</td><td>0</td>") in html

    predicted = run_cli("lf", "predict", pid, "--lfs", lfs)
    assert predicted.code == 0, predicted.err
    version = matrix.model_version
    assert "label model: majority over 6 of 8 tasks" in predicted.out
    assert f"predictions of {version}: 6 written, 0 unchanged" in predicted.out
    assert ls_client.project(pid)["model_version"] == version
    stored = {t["id"]: [(p["result"][0]["value"]["choices"], p["score"]) for p in t["predictions"]
                        if p["model_version"] == version] for t in ls_client.iter_tasks(pid)}
    assert stored == {ids[0]: [(["positive"], 1.0)], ids[1]: [(["positive"], 0.5)], ids[2]: [(["negative"], 1.0)],
                      ids[3]: [(["neutral"], 1.0)], ids[4]: [(["positive"], 0.5)], ids[5]: [], ids[6]: [],
                      ids[7]: [(["positive"], 1.0)]}
    again = run_cli("lf", "predict", pid, "--lfs", lfs)
    assert f"predictions of {version}: 0 written, 6 unchanged, 0 replaced or removed" in again.out, again.out
    assert ls_client.model_versions(pid)[version] == 6

    # YAML rules over the same project; the model rule reads sentiment-model, never the lf-... predictions above
    rules = write(tmp_path, "rules.yaml", RULES_YAML)
    ruled = run_cli("lf", "apply", pid, "--lfs", rules, "--out", tmp_path / "rules")
    assert ruled.code == 0, ruled.err
    P, U, N, X = 0, 1, 2, -1
    assert load_matrix(tmp_path / "rules").codes.tolist() == [
        [P, X, X, X, X], [P, N, N, X, X], [X, N, X, X, X], [X, X, X, X, U], [P, X, X, X, X], [X, X, X, U, X],
        [X, X, X, X, X], [P, X, X, X, X]]


def test_a_label_outside_the_control_and_a_single_class_are_one_error_each(run_cli, ls_client, project,
                                                                           tmp_path) -> None:
    pid, ids = project
    typo = write(tmp_path, "typo.py", FUNCTIONS_MODULE.replace('"neutral" if "meh"', '"neutarl" if "meh"'))
    failed = run_cli("lf", "apply", pid, "--lfs", typo, "--out", tmp_path / "typo")
    assert one_error_line(failed.err, failed.code) == (
        f"labelops: error: labeling function 'meh' returned 'neutarl' on task {ids[3]}, which control 'sentiment' "
        "does not have (its labels: positive, neutral, negative)")
    assert not (tmp_path / "typo").exists()
    only_great = write(tmp_path, "great.py", ONLY_GREAT)
    assert run_cli("lf", "apply", pid, "--lfs", only_great, "--out", tmp_path / "great").code == 0
    failed = run_cli("lf", "predict", pid, "--lfs", only_great, "--matrix", tmp_path / "great")
    assert "every vote in the label matrix is 'positive': a label model needs votes of at least two classes" in \
        one_error_line(failed.err, failed.code)
    assert not any(v.startswith("lf-") for v in ls_client.model_versions(pid))
