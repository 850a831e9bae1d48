"""`labelops lf analyze`, `lf apply` and `lf predict` as text (pure formatting)."""

from __future__ import annotations

from sdk_scripts.agreement.render import table
from sdk_scripts.weak.analysis import LFAnalysis
from sdk_scripts.weak.apply import Raised
from sdk_scripts.weak.label_model import LabelModelResult

SNORKEL_COLUMNS = ["function", "polarity", "coverage", "overlaps", "conflicts", "correct", "incorrect", "emp. acc.",
                   "raised"]


def render_analysis(analysis: LFAnalysis, source: str) -> str:
    """Snorkel's lf_summary table, the label coverage / overlap / conflict, then a confusion matrix per function."""
    lines = [f"{len(analysis.functions)} labeling functions of control {analysis.control!r} over {analysis.tasks} "
             f"tasks; {source}",
             f"label coverage {analysis.coverage:.3f}, overlap {analysis.overlap:.3f}, conflict "
             f"{analysis.conflict:.3f}", ""]
    lines += table(SNORKEL_COLUMNS, [[f.name, ", ".join(f.polarity) or "-", f.coverage, f.overlaps, f.conflicts,
                                      f.correct, f.incorrect, f.emp_accuracy, f.raised] for f in analysis.functions])
    if analysis.labelled:
        lines += ["", "confusion matrices on the labelled tasks (rows: the task's label; columns: the function's "
                  "answer):"]
        for function in analysis.functions:
            lines += ["", function.name,
                      *("  " + line for line in table(["label", *analysis.classes, "abstain"],
                                                      [[label, *row] for label, row in
                                                       zip(analysis.classes, function.confusion, strict=True)]))]
    lines += [f"note: {note}" for note in analysis.notes]
    return "\n".join(lines)


def raised_lines(raised: dict[str, Raised]) -> list[str]:
    """One line per function that raised: how often, and the first tasks with their error."""
    return [f"labeling function {name!r} raised on {r.count} task{'s' * (r.count != 1)} (counted as abstains): "
            + "; ".join(f"task {task}: {error}" for task, error in r.examples)
            + ("; ..." if r.count > len(r.examples) else "") for name, r in raised.items()]


def model_lines(model: LabelModelResult) -> list[str]:
    """The chosen label model, and each method's accuracy on the labelled tasks when there was a choice."""
    covered = int(model.covered.sum())
    lines = [f"label model: {model.method} over {covered} of {len(model.task_ids)} tasks covered by a function"]
    if model.accuracies:
        lines.append(f"accuracy on {model.labelled} labelled covered tasks: " + ", ".join(
            f"{method} {value:.3f}" for method, value in sorted(model.accuracies.items(), key=lambda kv: -kv[1])))
    return lines + [f"note: {note}" for note in model.notes]
