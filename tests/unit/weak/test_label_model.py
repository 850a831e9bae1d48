"""The label model: majority vote by hand, the crowd-kit models on functions of known quality, the "auto" choice by
accuracy on labelled tasks, and the matrices no model can be fitted to (one error line each)."""

from __future__ import annotations

import numpy as np
import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.weak import label_model
from sdk_scripts.weak.label_model import DAWID_SKENE, MAJORITY, MIN_LABELLED, fit_label_model
from sdk_scripts.weak.matrix import LabelMatrix

CLASSES = ["pos", "neg"]


def matrix(codes, classes=CLASSES, task_ids=None) -> LabelMatrix:
    codes = np.asarray(codes)
    ids = np.arange(100, 100 + len(codes)) if task_ids is None else task_ids
    return LabelMatrix(ids, [f"f{j}" for j in range(codes.shape[1])], codes, classes, "sentiment", "abc123")


def test_majority_vote_is_the_share_of_votes_and_uncovered_rows_are_nan() -> None:
    """Rows: (pos, pos, -) -> pos 1.0; (pos, neg, -) -> a tie, pos (first class) at 0.5; (-, -, -) -> not covered;
    (neg, neg, pos) -> neg 2/3."""
    found = fit_label_model(matrix([[0, 0, -1], [0, 1, -1], [-1, -1, -1], [1, 1, 0]]), MAJORITY)
    assert found.method == MAJORITY and found.classes == CLASSES
    np.testing.assert_allclose(found.probabilities[[0, 1, 3]], [[1, 0], [0.5, 0.5], [1 / 3, 2 / 3]])
    assert np.isnan(found.probabilities[2]).all()
    assert found.covered.tolist() == [True, True, False, True]
    assert found.predicted(0) == ("pos", 1.0)
    assert found.predicted(1) == ("pos", 0.5)
    label, probability = found.predicted(2)
    assert label is None and np.isnan(probability)
    assert found.predicted(3) == ("neg", pytest.approx(2 / 3))
    assert found.task_ids.tolist() == [100, 101, 102, 103]


def spammed(n: int = 400, seed: int = 0) -> tuple[LabelMatrix, np.ndarray]:
    """Three functions right 85% of the time on 70% of the tasks, four that vote at random on every task: majority
    vote listens to the four, a model of each function's errors learns they carry nothing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, n)
    good = [np.where(rng.random(n) < 0.7, np.where(rng.random(n) < 0.85, truth, 1 - truth), -1) for _ in range(3)]
    spam = [rng.integers(0, 2, n) for _ in range(4)]
    return matrix(np.stack(good + spam, axis=1)), truth


def test_auto_chooses_by_accuracy_on_the_labelled_tasks_and_beats_majority_vote() -> None:
    found_matrix, truth = spammed()
    gold = {int(t): CLASSES[y] for t, y in zip(found_matrix.task_ids[::4], truth[::4], strict=True)}
    found = fit_label_model(found_matrix, gold=gold)
    assert set(found.accuracies) == {"majority", "dawid-skene", "mace", "glad"}
    assert found.accuracies[found.method] == max(found.accuracies.values())
    assert found.accuracies[found.method] > found.accuracies[MAJORITY] + 0.1
    assert found.labelled == sum(1 for t in gold if found.covered[t - 100])
    covered = found.covered
    predicted = np.argmax(np.nan_to_num(found.probabilities), axis=1)
    assert (predicted[covered] == truth[covered]).mean() > 0.8


def test_auto_takes_the_most_accurate_method_ties_to_the_preferred_one(monkeypatch) -> None:
    """Fake fits with known accuracies on 10 labelled tasks: the best wins; on a tie, majority vote before
    Dawid-Skene, MACE and GLAD."""
    truth = np.array([0, 1] * 5)
    right = np.eye(2)[truth]
    wrong = np.eye(2)[1 - truth]

    def fake(correct: int):
        return lambda m: np.vstack([right[:correct], wrong[correct:]])

    gold = {100 + i: CLASSES[y] for i, y in enumerate(truth)}
    some = matrix(np.stack([truth, 1 - truth], axis=1))
    monkeypatch.setattr(label_model, "FITS", {"majority": fake(7), "dawid-skene": fake(8), "mace": fake(9),
                                              "glad": fake(6)})
    assert fit_label_model(some, gold=gold).method == "mace"
    monkeypatch.setattr(label_model, "FITS", {"majority": fake(8), "dawid-skene": fake(9), "mace": fake(9),
                                              "glad": fake(9)})
    chosen = fit_label_model(some, gold=gold)
    assert chosen.method == DAWID_SKENE and chosen.accuracies == {"majority": 0.8, "dawid-skene": 0.9, "mace": 0.9,
                                                                   "glad": 0.9}
    monkeypatch.setattr(label_model, "FITS", {m: fake(9) for m in label_model.METHODS})
    assert fit_label_model(some, gold=gold).method == MAJORITY


def test_auto_is_majority_vote_below_the_minimum_of_labelled_tasks() -> None:
    found_matrix, truth = spammed(60)
    gold = {int(t): CLASSES[y] for t, y in list(zip(found_matrix.task_ids, truth, strict=True))[:MIN_LABELLED - 1]}
    found = fit_label_model(found_matrix, gold=gold)
    assert found.method == MAJORITY and list(found.accuracies) == [MAJORITY]
    assert f"{MIN_LABELLED - 1} labelled tasks covered by the functions (fewer than {MIN_LABELLED}" in found.notes[0]
    assert fit_label_model(found_matrix).method == MAJORITY  # no labels at all


@pytest.mark.parametrize(("codes", "message"), [
    (np.zeros((0, 2)), "the label matrix has no tasks: there is nothing to fit a label model to"),
    ([[-1, -1], [-1, -1]], "no labeling function voted on any of the 2 tasks"),
    ([[0, -1], [0, 0], [-1, 0]], "every vote in the label matrix is 'pos': a label model needs votes of at least two "
                                 "classes"),
])
@pytest.mark.parametrize("method", ["auto", "majority", "dawid-skene", "mace", "glad"])
def test_a_matrix_no_model_can_fit_says_why_in_one_line(codes, message, method) -> None:
    with pytest.raises(LabelopsError) as raised:
        fit_label_model(matrix(codes), method)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_a_control_with_a_single_class_cannot_be_fitted() -> None:
    with pytest.raises(LabelopsError, match="control 'sentiment' has 1: only"):
        fit_label_model(matrix([[0, 0], [0, -1]], classes=["only"]))


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(LabelopsError, match="unknown label model 'snorkel': one of auto, majority"):
        fit_label_model(matrix([[0, 1]]), "snorkel")


def test_dawid_skene_without_abstains_is_crowd_kits() -> None:
    """Five functions that always vote (right 90% ... 50% of the time): no abstain, so the abstain-aware EM is the
    plain Dawid-Skene model, and its posteriors are crowd-kit's `DawidSkene`'s (both start from majority vote)."""
    import pandas as pd
    from crowdkit.aggregation import DawidSkene

    rng = np.random.default_rng(0)
    n, q = 500, 3
    truth = rng.integers(0, q, n)
    codes = np.stack([np.where(rng.random(n) < a, truth, (truth + rng.integers(1, q, n)) % q)
                      for a in (0.9, 0.8, 0.7, 0.6, 0.5)], axis=1)
    ours = label_model.dawid_skene(codes, q, smoothing=1e-9, agree=0, class_prior=0)
    rows, columns = np.nonzero(codes >= 0)
    frame = pd.DataFrame({"task": rows, "worker": columns, "label": codes[rows, columns]})
    theirs = DawidSkene(n_iter=100).fit_predict_proba(frame).sort_index()[list(range(q))].to_numpy()
    np.testing.assert_allclose(ours, theirs, atol=0.01)


def unipolar(n: int = 1500, seed: int = 1) -> tuple[LabelMatrix, np.ndarray]:
    """Keyword-like functions: four per class, each votes only its class, on 15-40% of that class's tasks and on 1-6%
    of the others'."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    columns = []
    for label in range(3):
        for _ in range(4):
            fires = rng.random(n) < np.where(truth == label, rng.uniform(0.15, 0.4), rng.uniform(0.01, 0.06))
            columns.append(np.where(fires, label, -1))
    return matrix(np.stack(columns, axis=1), classes=["joy", "anger", "sadness"]), truth


def test_dawid_skene_learns_from_single_class_functions_through_their_abstains() -> None:
    """With abstains as missing answers (crowd-kit's model) a function that only ever says "joy" looks the same
    whatever the truth; with abstain as an answer, how rarely it fires on the other classes is what tells."""
    from crowdkit.aggregation import DawidSkene

    found_matrix, truth = unipolar()
    covered = (found_matrix.codes >= 0).any(axis=1)
    ours = fit_label_model(found_matrix, DAWID_SKENE).probabilities
    majority = fit_label_model(found_matrix, MAJORITY).probabilities
    missing = label_model._crowdkit(DawidSkene)(found_matrix)

    def correct(probabilities):
        return (np.argmax(probabilities[covered], axis=1) == truth[covered]).mean()

    assert correct(ours) > 0.8 and correct(ours) >= correct(majority) - 0.01
    assert correct(missing) < 0.5
