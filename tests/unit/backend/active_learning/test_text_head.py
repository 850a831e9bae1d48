"""The annotation-trained text head and its versions on disk (no server needed)."""

from __future__ import annotations

import numpy as np
import pytest

from ml_backend.active_learning.text_head import fit, load_head, save_head, training_examples
from ml_backend.active_learning.versions import ProjectVersions, serving_run
from sdk_scripts.labelstudio.project_ids import project_uid, project_uid_parts


def annotation(choice: str, *, flag: str | None = None, cancelled: bool = False) -> dict:
    result = [{"from_name": "emotion", "to_name": "text", "type": "choices", "value": {"choices": [choice]}}]
    if flag:
        result.append({"from_name": "flag", "to_name": "text", "type": "choices", "value": {"choices": [flag]}})
    return {"result": result, "was_cancelled": cancelled}


def test_training_examples_take_the_majority_and_skip_ties_and_flagged() -> None:
    tasks = [
        {"data": {"text": "great"}, "annotations": [annotation("joy"), annotation("joy"), annotation("anger")]},
        {"data": {"text": "tie"}, "annotations": [annotation("joy"), annotation("anger")]},
        {"data": {"text": "odd"}, "annotations": [annotation("joy"), annotation("joy", flag="ambiguous")]},
        {"data": {"text": "skipped"}, "annotations": [annotation("joy", cancelled=True), annotation("anger")]},
        {"data": {"text": ""}, "annotations": [annotation("joy")]},
        {"data": {"text": "reviewed"}, "annotations": [annotation("joy"), annotation("anger"),
                                                       {**annotation("fear"), "ground_truth": True}]},
    ]
    assert training_examples(tasks, "emotion", "text") == [("great", "joy"), ("skipped", "anger"),
                                                           ("reviewed", "fear")]


def clusters(n: int, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    centres = {"joy": np.array([3.0, 0, 0]), "anger": np.array([0, 3.0, 0]), "fear": np.array([0, 0, 3.0])}
    labels = [list(centres)[i % 3] for i in range(n)]
    return np.array([centres[label] + rng.normal(0, 0.5, 3) for label in labels]), labels


def test_fit_learns_and_reports_held_out_accuracy() -> None:
    x, y = clusters(60)
    coef, intercept, classes, accuracy = fit(x, y)
    assert classes == ("anger", "fear", "joy") and accuracy == 1.0
    with pytest.raises(ValueError, match="same label"):
        fit(x[:5], ["joy"] * 5)


def test_binary_heads_give_proper_probabilities(tmp_path) -> None:
    x, y = clusters(40)
    keep = [i for i, label in enumerate(y) if label != "fear"]
    save_head(tmp_path / "head.npz", *fit(x[keep], [y[i] for i in keep])[:3], examples=len(keep),
              validation_accuracy=None)
    head = load_head(tmp_path / "head.npz")
    probs = head.probabilities(x[keep])
    assert probs.shape == (len(keep), 2) and np.allclose(probs.sum(axis=1), 1)
    predicted = [head.classes[i] for i in probs.argmax(axis=1)]
    assert predicted == [y[i] for i in keep] and head.validation_accuracy is None


def test_versions_are_kept_and_rolled_back(tmp_path) -> None:
    store = ProjectVersions(tmp_path, "42", keep=2)
    assert store.current() is None and store.versions() == []
    with pytest.raises(ValueError, match="no version older than the zero-shot start"):
        store.previous()
    for expected in (1, 2, 3):
        number, staging = store.reserve()
        (staging / "artifact").write_text(str(number))
        store.finish(number, staging, {"model_version": f"m{number}"})
        store.point(number)
        assert number == expected
    assert store.versions() == [2, 3] and store.current() == 3 and store.meta(3)["model_version"] == "m3"
    assert store.previous() == 2
    store.point(store.previous())
    assert store.current() == 2
    with pytest.raises(ValueError, match="no version older than v2"):
        store.previous()
    # a run that fails after reserving leaves no version behind, and its number is never reused
    number, staging = store.reserve()
    store.discard(staging)
    assert store.versions() == [2, 3] and store.current() == 2
    assert store.reserve()[0] == number + 1
    with pytest.raises(ValueError, match="digits"):
        ProjectVersions(tmp_path, "../etc")


def test_versions_belong_to_one_label_studio_project_not_just_an_id(tmp_path) -> None:
    """Project ids restart at 1 on a new Label Studio database: the uid's creation time tells them apart."""
    store = ProjectVersions(tmp_path, "1")
    store.claim(1_700_000_000)
    number, staging = store.reserve()
    store.finish(number, staging, {"model_version": "labelops-p1-v1"})
    store.point(number)
    assert serving_run(tmp_path, "1.1700000000").model_version == "labelops-p1-v1"
    assert serving_run(tmp_path, "1").version == 1  # no creation time given: trusted
    assert serving_run(tmp_path, "1.1800000000") is None  # another project with id 1
    assert project_uid_parts({"id": 1, "created_at": "2023-11-14T22:13:20.5Z"}) == ("1", 1_700_000_000)
    assert project_uid({"id": 7, "created_at": "2023-11-14T22:13:20Z"}) == "7.1700000000"
    assert store.claim(1_800_000_000) is True  # the new project takes the id: the old versions are retired
    assert store.versions() == [] and store.current() is None and store.identity() == 1_800_000_000
    assert (tmp_path / "1" / "retired" / "1700000000" / "v1" / "meta.json").is_file()
    assert store.claim(1_800_000_000) is False
    assert store.reserve()[0] == 2  # run numbers continue: model_version names are never reused
