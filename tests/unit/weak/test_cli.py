"""`labelops lf ...` refuses bad input in one line before any request (the Label Studio URL here answers nothing)."""

from __future__ import annotations

import pytest

from tests.support.cli import one_error_line
from tests.support.weak import write


@pytest.mark.parametrize("command", ["apply", "analyze", "predict"])
def test_a_functions_file_that_does_not_load_is_one_line_before_any_request(offline_cli, tmp_path, command) -> None:
    path = write(tmp_path, "rules.yaml", "control: sentiment\nrules:\n  - {name: a, label: x, regex: '('}\n")
    code, _, err = offline_cli("lf", command, "1", "--lfs", path)
    line = one_error_line(err, code)
    assert "rules.yaml: 1 problem in the rules: rule 1 (a): regex '(' does not compile" in line
    assert "127.0.0.1:9" not in err


@pytest.mark.parametrize(("args", "message"), [
    (["lf", "apply", "1", "--lfs", "f.py", "--processes", "0"], "--processes: must be at least 1"),
    (["lf", "predict", "1", "--lfs", "f.py", "--method", "snorkel"], "--method: invalid choice: 'snorkel'"),
    (["lf", "analyze", "1"], "the following arguments are required: --lfs"),
])
def test_bad_arguments_are_refused_by_argparse(offline_cli, args, message) -> None:
    code, _, err = offline_cli(*args)
    assert code == 2 and message in err
