"""`labelops agreement --by model-version` as text: a row per model version, then its controls and labels (pure)."""

from __future__ import annotations

from sdk_scripts.agreement.render import table
from sdk_scripts.quality.lead_time import Interval, LeadTime
from sdk_scripts.quality.model_versions import ModelVersionReport


def _with_interval(value: float | None, interval: Interval | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    text = f"{value:.{digits}f}"
    return f"{text} [{interval.low:.{digits}f}, {interval.high:.{digits}f}]" if interval else text


def _lead(found: LeadTime) -> str:
    return f"{_with_interval(found.mean, found.interval)} (n={found.annotations})"


def render_model_versions(report: ModelVersionReport) -> str:
    """The versions table, the engine's measures per version and control, the per-label table."""
    if not report.versions:
        return "no predictions in the project: nothing to compare"
    level = f"{report.level:.0%}"
    lines = ["prediction vs final label (ground truth, else the consensus) per model version; acceptance: annotations "
             "made from a prediction that kept its labels; lead time in seconds, mean with its "
             f"{level} bootstrap interval", ""]
    lines += table(["version", "predictions", "compared", "agreement", "accepted", "acceptance",
                    "lead time from a prediction", f"speed-up [{level}]"],
                   [[v.model_version or "(none)", v.predictions, v.compared, v.agreement,
                     f"{v.acceptance.accepted}/{v.acceptance.made_from}", v.acceptance.rate, _lead(v.lead_time),
                     _with_interval(v.against_no_prediction.speedup, v.against_no_prediction.speedup_interval, 2)]
                    for v in report.versions])
    lines.append(f"without a prediction: lead time {_lead(report.without_prediction)}")
    measures = [[v.model_version, c.name, c.kind, c.tasks_scored,
                 ", ".join(f"{k} {'-' if m is None else f'{m:.3f}'}" for k, m in c.measures.items())]
                for v in report.versions for c in v.controls]
    if measures:
        lines += ["", *table(["version", "control", "kind", "tasks", "measures (prediction vs final)"], measures)]
    labels = [[v.model_version, c.name, label, figure.count, figure.value]
              for v in report.versions for c in v.controls for label, figure in c.labels.items()]
    if labels:
        lines += ["", *table(["version", "control", "label", "count", "alpha/F1"], labels)]
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)
