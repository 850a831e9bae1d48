"""What `labelops ...` run in-process by a test answered: exit code, stdout, stderr."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CliResult:
    code: int
    out: str
    err: str
