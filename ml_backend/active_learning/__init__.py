"""Active learning: task scores by strategy, training runs per project (scheduled or queued), model versions on disk.

`strategies` (pure scores), `text_head` (the light text classifier), `trainer` (one run end to end),
`scheduler` / `queue` (where runs execute), `versions` (trained versions and the one served), `pruning`
(which old predictions leave Label Studio), `project_settings` (per-project overrides).

Public names, loaded on first use: `pointwise`, `batch_scores`, `detection_score`, `class_balance_boost`
(`strategies`), `TextHead` / `load_head` (`text_head`), `ProjectVersions` / `ServingRun` / `serving_run`
(`versions`), `make_queue` (`queue`), `TrainingFailed` / `rollback_project` (`trainer`).
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "pointwise": "strategies",
    "batch_scores": "strategies",
    "detection_score": "strategies",
    "class_balance_boost": "strategies",
    "TextHead": "text_head",
    "load_head": "text_head",
    "ProjectVersions": "versions",
    "ServingRun": "versions",
    "serving_run": "versions",
    "make_queue": "queue",
    "TrainingFailed": "trainer",
    "rollback_project": "trainer",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
