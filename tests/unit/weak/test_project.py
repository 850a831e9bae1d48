"""apply -> analyze -> predict against a recording stand-in for Label Studio: the matrix written and read back, a
stale matrix refused, predictions written once and replaced (not added) on a rerun, the project's model_version."""

from __future__ import annotations

import numpy as np
import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.weak.control import Target
from sdk_scripts.weak.label_model import LabelModelResult
from sdk_scripts.weak.predictions import plan_predictions, prediction_result
from sdk_scripts.weak.project import analyze_project, apply_to_project, predict_project
from tests.support.weak import FUNCTIONS_MODULE, LABELS, TASKS, write

CONFIG = render_config(read_config("text_sentiment"), {"sentiment": LABELS})
TARGET = Target("sentiment", "text", tuple(LABELS), "text")


def sentiment(label: str) -> list[dict]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


class FakeLabelStudio:
    """A project of TASKS (labels as ground truth or an annotation), predictions kept as Label Studio would."""

    url = "http://ls"

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.model_version = ""
        self.predictions: dict[int, list[dict]] = {}
        self.next_id = 1
        self.tasks = []
        for i, (text, source, label) in enumerate(TASKS):
            annotations = []
            if label:
                kind, value = label
                annotations = [{"id": 100 + i, "completed_by": 1, "result": sentiment(value),
                                "ground_truth": kind == "gt", "was_cancelled": False}]
            self.tasks.append({"id": 10 + i, "data": {"text": text, "source": source}, "annotations": annotations})

    def project(self, ref):
        return {"id": 5, "title": "p", "label_config": CONFIG, "task_number": len(self.tasks),
                "model_version": self.model_version}

    def iter_tasks(self, project_id, with_annotations=True):
        return iter([{**t, "predictions": list(self.predictions.get(t["id"], []))} for t in self.tasks])

    def import_predictions(self, project_id, predictions):
        self.calls.append(("import", len(predictions)))
        for p in predictions:
            self.predictions.setdefault(p["task"], []).append({**p, "id": self.next_id})
            self.next_id += 1
        return len(predictions)

    def delete_prediction(self, prediction_id):
        self.calls.append(("delete", prediction_id))
        for found in self.predictions.values():
            found[:] = [p for p in found if p["id"] != prediction_id]

    def delete_model_version(self, project_id, model_version):
        self.calls.append(("delete version", model_version))
        for found in self.predictions.values():
            found[:] = [p for p in found if p["model_version"] != model_version]

    def update_project(self, project_id, **fields):
        self.calls.append(("project", fields))
        self.model_version = fields.get("model_version", self.model_version)


def test_apply_analyze_predict_and_a_rerun_that_writes_nothing(tmp_path) -> None:
    client = FakeLabelStudio()
    lfs = write(tmp_path, "lfs.py", FUNCTIONS_MODULE)
    done = apply_to_project(client, 5, lfs, tmp_path / "m")
    assert done.matrix.project == 5 and done.matrix.errors == {"fragile": 1} and done.processes == 1
    loaded, analysis = analyze_project(client, 5, lfs, tmp_path / "m")
    assert (loaded.labels.ground_truth, loaded.labels.consensus) == (2, 4)
    assert analysis.labelled == 6 and [f.covered for f in analysis.functions] == [4, 2, 2, 1]
    predicted = predict_project(client, 5, lfs, tmp_path / "m")
    version = done.matrix.model_version
    assert predicted.model_version == version and predicted.model.method == "majority"  # 5 labelled: too few
    assert (len(predicted.plan.create), predicted.plan.uncovered, predicted.plan.unchanged) == (6, 2, 0)
    assert client.calls == [("import", 6), ("project", {"model_version": version})]
    stored = {t: ps for t, ps in client.predictions.items() if ps}
    assert sorted(stored) == [10, 11, 12, 13, 14, 17]
    assert all(len(ps) == 1 and ps[0]["model_version"] == version for ps in stored.values())
    # majority vote: a tie (tasks 11 and 14) goes to the class first in the config, at 0.5
    assert {t: (ps[0]["result"], ps[0]["score"]) for t, ps in stored.items()} == {
        10: (sentiment("positive"), 1.0), 11: (sentiment("positive"), 0.5), 12: (sentiment("negative"), 1.0),
        13: (sentiment("neutral"), 1.0), 14: (sentiment("positive"), 0.5), 17: (sentiment("positive"), 1.0)}
    client.calls.clear()
    again = predict_project(client, 5, lfs, tmp_path / "m")
    assert client.calls == [] and again.plan.unchanged == 6 and again.project_version_set


def test_a_matrix_of_other_functions_or_another_project_is_refused(tmp_path) -> None:
    client = FakeLabelStudio()
    lfs = write(tmp_path, "lfs.py", FUNCTIONS_MODULE)
    apply_to_project(client, 5, lfs, tmp_path / "m")
    write(tmp_path, "lfs.py", FUNCTIONS_MODULE + "\n# changed\n")
    with pytest.raises(LabelopsError, match=r"the label matrix in .*m was made by other labeling functions "
                                            r"\(lf-[0-9a-f]{12}; .*lfs.py is now lf-[0-9a-f]{12}\): run `labelops lf "
                                            r"apply 5 --lfs .*lfs.py --out .*m` again"):
        predict_project(client, 5, lfs, tmp_path / "m")
    client.project = lambda ref: {"id": 6, "label_config": CONFIG}
    apply_to_project(FakeLabelStudio(), 5, lfs, tmp_path / "m")
    with pytest.raises(LabelopsError, match="is project 5's, not project 6's"):
        analyze_project(client, 6, lfs, tmp_path / "m")


def model(rows: list[list[float]]) -> LabelModelResult:
    return LabelModelResult("majority", LABELS, np.array(rows, dtype=float), np.array([1, 2, 3, 4]))


def test_the_plan_keeps_what_is_the_same_and_replaces_the_rest() -> None:
    """Task 1: same label and score -> unchanged; task 2: another score -> its old one deleted, a new one; task 3: no
    vote any more -> its old one deleted; task 4: gone from the project."""
    nan = float("nan")
    found = model([[0.9, 0.1, 0], [0.2, 0.8, 0], [nan, nan, nan], [1, 0, 0]])
    existing = {1: [{"id": 7, "score": 0.9, "result": prediction_result(TARGET, "positive")}],
                2: [{"id": 8, "score": 0.7, "result": prediction_result(TARGET, "neutral")}],
                3: [{"id": 9, "score": 0.5, "result": prediction_result(TARGET, "neutral")}]}
    plan = plan_predictions(found, TARGET, "lf-x", existing)
    assert (plan.unchanged, plan.uncovered, plan.gone, plan.delete) == (1, 1, 1, [8, 9])
    assert plan.create == [{"task": 2, "result": prediction_result(TARGET, "neutral"), "score": 0.8,
                            "model_version": "lf-x"}]
