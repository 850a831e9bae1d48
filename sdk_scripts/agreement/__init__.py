"""Inter-annotator agreement for Label Studio projects: pure, I/O-free, numpy-vectorised.

`agreement_report(label_config, tasks)` (`engine`) scores every control tag of a config with the measure
that fits it; `build_report` gives the same as a typed `AgreementReport` (`report`: its `Summary`,
`ControlReport`s, `TaskScore`s, `AnnotatorScore`s, `WeekScore`s and `Problem`s), `render_report` (`render`)
its tables and `json_schema()` (`schema`) the JSON Schema of its `--json`; `per_task_scores(label_config,
tasks)` gives the per-task score the review loop uses to pick disagreements, `pairwise_matrix` the
annotator-pair figures. Names load on first use, so importing the package does not import numpy.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "agreement_report": "engine",
    "build_report": "engine",
    "per_task_scores": "engine",
    "pairwise_matrix": "engine",
    "render_report": "render",
    "AgreementReport": "report",
    "Summary": "report",
    "ControlReport": "report",
    "TaskScore": "report",
    "AnnotatorScore": "report",
    "WeekScore": "report",
    "Problem": "report",
    "json_schema": "schema",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
