"""Per-project overrides of the backend settings (today: the active-learning strategy).

`labelops backend connect PROJECT URL --strategy S` stores `{"strategy": S}` in the ML-backend row's
`extra_params`; Label Studio sends those with every /setup call, and the backend keeps them in
`MODEL_DIR/projects/<project>/settings.json`, so every later /predict and training run of that
project uses them. Projects without overrides use the backend's own settings (AL_STRATEGY).
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

from ml_backend.active_learning.strategies import ALL_STRATEGIES
from ml_backend.settings import BackendSettings


def _path(settings: BackendSettings, project: str) -> Any:
    return settings.versions_root() / str(project) / "settings.json"


def effective(settings: BackendSettings, project: str | None) -> BackendSettings:
    """The settings one project is served and trained with."""
    if not project:
        return settings
    try:
        overrides = json.loads(_path(settings, project).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return settings
    strategy = overrides.get("strategy")
    return replace(settings, al_strategy=strategy) if strategy in ALL_STRATEGIES else settings


def store(settings: BackendSettings, project: str, extra_params: dict[str, Any]) -> dict[str, Any]:
    """Keep the overrides found in /setup's `extra_params`; raises ValueError for an unknown strategy."""
    strategy = extra_params.get("strategy")
    if strategy is None:
        return {}
    if strategy not in ALL_STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}: use one of {', '.join(ALL_STRATEGIES)}")
    path = _path(settings, project)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".settings.json.tmp")
    tmp.write_text(json.dumps({"strategy": strategy}), encoding="utf-8")
    os.replace(tmp, path)
    return {"strategy": strategy}
