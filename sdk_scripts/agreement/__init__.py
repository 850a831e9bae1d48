"""Inter-annotator agreement for Label Studio projects: pure, I/O-free, numpy-vectorised.

`engine.agreement_report(label_config, tasks)` scores every control tag of a config with the
measure that fits it; `engine.per_task_scores(label_config, tasks)` gives the per-task score the
review loop uses to pick disagreements.
"""
