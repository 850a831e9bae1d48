"""Quality control on stock Label Studio: gold tasks (import, evaluation, exclusion) and model-vs-human figures.

`import_gold` (`gold_import`) writes a gold set as ground-truth annotations and turns on Label Studio's
onboarding; `evaluate_gold` (`gold_eval`) scores annotators on it and `excluded_annotators` says whose labels
the finals leave out; `model_version_report` (`model_versions`) compares each model version's predictions with
the final labels, how often annotators accepted them and how long they took. Names load on first use.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "GoldRow": "gold_file",
    "read_gold_file": "gold_file",
    "GoldPolicy": "gold_tasks",
    "policy_of": "gold_tasks",
    "is_gold_task": "gold_tasks",
    "GoldPlan": "gold_plan",
    "plan_gold": "gold_plan",
    "import_gold": "gold_import",
    "GoldReport": "gold_eval",
    "evaluate_gold": "gold_eval",
    "excluded_annotators": "gold_eval",
    "ModelVersionReport": "model_versions",
    "model_version_report": "model_versions",
    "LeadTime": "lead_time",
    "lead_time_figures": "lead_time",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
