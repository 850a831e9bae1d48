"""What `labelops ...` run in-process by a test answered (exit code, stdout, stderr), and its one error line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def one_error_line(err: str, code: int, expected_code: int = 1) -> str:
    """The command failed with exactly one `labelops: error:` line (argparse: its usage plus one error line)."""
    assert code == expected_code, err
    assert "Traceback" not in err, err
    if expected_code == 2:
        errors = [line for line in err.splitlines() if ": error: argument " in line]
    else:
        errors = [line for line in err.splitlines() if line.startswith("labelops: error: ")]
    assert len(errors) == 1, err
    return errors[0]
