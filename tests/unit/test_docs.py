"""The docs site: every backend setting is documented, and the generated reference pages say what the code does."""

from __future__ import annotations

import importlib.util
from dataclasses import fields

from ml_backend.settings import BackendSettings
from ml_backend.settings_doc import GROUPS, SETTING_DOCS, settings_table
from tests.support.paths import ROOT


def test_every_backend_setting_has_one_line_of_docs_and_nothing_else_does() -> None:
    names = {f.name for f in fields(BackendSettings)}
    assert names == set(SETTING_DOCS), (sorted(names - set(SETTING_DOCS)), sorted(set(SETTING_DOCS) - names))
    assert {group for group, _ in SETTING_DOCS.values()} <= set(GROUPS)
    table = settings_table()
    for name in names:
        assert f"| `{name.upper()}` |" in table
    assert "| `BATCH_SIZE` | `16` |" in table  # defaults come from the dataclass


def _docs_hooks():  # docs/hooks.py is loaded by mkdocs from its path, not installed as a module
    spec = importlib.util.spec_from_file_location("labelops_docs_hooks", ROOT / "docs" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_reference_is_the_parser_itself() -> None:
    reference = _docs_hooks().cli_reference()
    for command in ("labelops backend connect", "labelops agreement", "labelops review push", "labelops al status"):
        assert f"### `{command}`" in reference
    assert "--train-every N" in reference


def test_the_task_score_table_is_the_control_classes_own_words() -> None:
    from ml_backend.controls.registry import REGISTRY

    table = _docs_hooks().task_scores()
    for cls in REGISTRY:
        assert cls.served_as in table
    assert "mean \\|2c − 1\\|" in table  # pipes escaped: the table keeps two columns
