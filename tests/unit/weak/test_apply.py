"""Applying functions: the same rows in this process and in spawned workers (which load the module file themselves),
a function that raises counted with its task ids, a label outside the control one error naming function and label."""

from __future__ import annotations

import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.weak import apply as applying
from sdk_scripts.weak.apply import apply_functions
from sdk_scripts.weak.loading import load_functions
from tests.support.weak import FUNCTIONS_MODULE, LABELS, RULES_YAML, TASKS, write


def tasks(repeat: int = 1) -> list[dict]:
    rows = [{"id": 10 + i, "data": {"text": text, "source": source}, "predictions": [], "annotations": ["dropped"]}
            for i, (text, source, _) in enumerate(TASKS * repeat)]
    return rows


def test_rows_are_the_functions_votes_and_raises_are_counted_with_task_ids(tmp_path) -> None:
    """great / awful / meh / fragile on the eight texts: fragile raises on task 16 ("crash")."""
    functions = load_functions(write(tmp_path, "lfs.py", FUNCTIONS_MODULE))
    seen = []
    found = apply_functions(functions, LABELS, tasks(), progress=seen.append)
    P, U, N, X = 0, 1, 2, -1
    assert found.task_ids.tolist() == list(range(10, 18)) and seen == [8]
    assert found.codes.tolist() == [[P, X, X, X], [P, N, X, X], [X, N, X, X], [X, X, U, X], [P, X, U, X],
                                    [X, X, X, X], [X, X, X, X], [P, X, X, P]]
    assert list(found.raised) == ["fragile"]
    assert (found.raised["fragile"].count, found.raised["fragile"].examples) == (
        1, [(16, "RuntimeError: cannot read this one")])


def test_workers_give_the_same_rows_in_the_same_order(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(applying, "BATCH", 7)  # 64 tasks: ten batches over two workers
    functions = load_functions(write(tmp_path, "lfs.py", FUNCTIONS_MODULE))
    here = apply_functions(functions, LABELS, tasks(8))
    there = apply_functions(functions, LABELS, tasks(8), processes=2)
    assert there.task_ids.tolist() == here.task_ids.tolist() and there.codes.tolist() == here.codes.tolist()
    assert there.raised["fragile"].count == 8 and len(there.raised["fragile"].examples) == applying.EXAMPLES


def test_a_label_the_control_does_not_have_is_one_error_naming_function_and_label(tmp_path) -> None:
    module = FUNCTIONS_MODULE.replace('"neutral" if "meh"', '"neutarl" if "meh"')
    functions = load_functions(write(tmp_path, "lfs.py", module))
    with pytest.raises(LabelopsError) as raised:
        apply_functions(functions, LABELS, tasks())
    assert str(raised.value) == ("labeling function 'meh' returned 'neutarl' on task 13, which control 'sentiment' "
                                 "does not have (its labels: positive, neutral, negative)")
    numbers = load_functions(write(tmp_path, "n.py", "from sdk_scripts.weak import labeling_function\n"
                                   "@labeling_function(control='sentiment')\ndef one(d):\n    return 1\n"))
    with pytest.raises(LabelopsError, match="labeling function 'one' returned 1 on task 10, which control"):
        apply_functions(numbers, LABELS, tasks())


def test_a_rule_voting_a_label_outside_the_control_fails_before_any_task(tmp_path) -> None:
    functions = load_functions(write(tmp_path, "r.yaml", RULES_YAML.replace("label: negative, regex",
                                                                            "label: bad, regex")))

    def never():
        raise AssertionError("read a task")
        yield

    with pytest.raises(LabelopsError, match="labeling function 'awful_regex' votes 'bad', which control 'sentiment' "
                                            "does not have"):
        apply_functions(functions, LABELS, never())


def test_a_project_without_tasks_gives_an_empty_matrix(tmp_path) -> None:
    found = apply_functions(load_functions(write(tmp_path, "lfs.py", FUNCTIONS_MODULE)), LABELS, [])
    assert found.codes.shape == (0, 4) and found.task_ids.tolist() == []
