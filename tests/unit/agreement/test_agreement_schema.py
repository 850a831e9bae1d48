"""`labelops agreement --json` against its JSON Schema (generated from the report's dataclasses).

The reports are real: the command, run on generated pulls that use every control kind the engine scores,
with ground truth, cancelled and duplicate annotations, quality flags, a damaged line, --gold and --ci.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from sdk_scripts.agreement.schema import json_schema

ROOT = Path(__file__).resolve().parents[3]


def _generator():
    spec = importlib.util.spec_from_file_location("agreement_differential", ROOT / "tools/agreement_differential.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _agreement_json(*args: str | Path) -> dict:
    env = {**os.environ, "LABEL_STUDIO_URL": "http://127.0.0.1:9", "LABEL_STUDIO_API_KEY": "unused"}
    done = subprocess.run([sys.executable, "-m", "sdk_scripts.cli", "agreement", *map(str, args), "--json"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(json_schema())


@pytest.fixture(scope="module")
def pull(tmp_path_factory) -> Path:
    root = _generator().write_pull(tmp_path_factory.mktemp("schema") / "pull", seed=7, n_tasks=40)
    with (root / "tasks.jsonl").open("a") as fh:  # a damaged line: it shows under problems
        fh.write('{"id": "not a task"\n')
    return root


@pytest.mark.parametrize("options", [[], ["--min-annotators", "1", "--iou", "0.3"], ["--ci", "0.9", "--seed", "3"],
                                     ["--gold", "{gold}"]], ids=["default", "options", "ci", "gold"])
def test_every_report_of_the_command_matches_the_schema(pull: Path, options: list[str]) -> None:
    options = [o.replace("{gold}", str(pull / "gold.jsonl")) for o in options]
    report = _agreement_json(pull, "--no-semantic", *options)
    errors = sorted(Draft202012Validator(json_schema()).iter_errors(report), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    kinds = {control["kind"] for control in report["controls"]}
    assert kinds == {"single", "multi", "rating", "number", "text", "spans", "boxes"}
    assert report["problems"], "the damaged line is reported"
    if "--ci" in options:
        assert any(control.get("intervals") for control in report["controls"])


def test_the_schema_rejects_what_the_report_never_holds(pull: Path) -> None:
    """The schema is strict: a renamed field, a missing one, a wrong type each fail validation."""
    report = _agreement_json(pull, "--no-semantic")
    validator = Draft202012Validator(json_schema())
    renamed = {**report, "summary": {**{k: v for k, v in report["summary"].items() if k != "tasks"}, "task": 1}}
    wrong_type = {**report, "tasks": [{**report["tasks"][0], "score": "high"}, *report["tasks"][1:]]}
    unknown_measure = {**report, "controls": [{**report["controls"][0], "measures": {"alpha_made_up": 0.5}},
                                              *report["controls"][1:]]}
    for bad in (renamed, wrong_type, unknown_measure):
        assert not validator.is_valid(bad)
