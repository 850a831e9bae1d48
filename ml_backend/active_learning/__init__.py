"""Active learning: task scores by strategy, training runs per project (scheduled or queued), model versions on disk.

`strategies` (pure scores), `text_head` (the light text classifier), `trainer` (one run end to end),
`scheduler` / `queue` (where runs execute), `versions` (trained versions and the one served), `pruning`
(which old predictions leave Label Studio), `project_settings` (per-project overrides).
"""
