"""The gold report and the gold lines of `labelops status` as text (pure formatting)."""

from __future__ import annotations

from sdk_scripts.agreement.render import table
from sdk_scripts.quality.gold_eval import GoldReport


def _name(row) -> str:
    return str(row.name or row.annotator)


def policy_line(report: GoldReport) -> str:
    policy = report.policy
    if policy.min_score is None:
        return "no minimum score: nobody is flagged (gold import --min-score sets one)"
    return (f"minimum score {policy.min_score:.2f} once an annotator has {policy.min_tasks} gold "
            f"task{'s' * (policy.min_tasks != 1)}; below it their labels are left out of the finals")


def render_gold(report: GoldReport) -> str:
    """A table per annotator, then accuracy by week and by gold label."""
    lines = [f"{report.gold_tasks} gold tasks; {policy_line(report)}", ""]
    if not report.annotators:
        lines.append("nobody has answered a gold task yet")
        return "\n".join(lines)
    lines += table(["annotator", "gold tasks", "answers", "accuracy", "flagged"],
                   [[_name(a), a.gold_tasks, a.overall.answers, a.accuracy, a.flagged or ""]
                    for a in report.annotators])
    lines += ["", *table(["annotator", "week", "answers", "accuracy"],
                         [[_name(a), week, found.answers, found.accuracy]
                          for a in report.annotators for week, found in sorted(a.weeks.items())])]
    labels = [[_name(a), label, found.answers, found.accuracy]
              for a in report.annotators for label, found in sorted(a.labels.items())]
    if labels:
        lines += ["", *table(["annotator", "gold label", "answers", "accuracy"], labels)]
    return "\n".join(lines)


def gold_status_lines(report: GoldReport, evaluation_enabled: bool) -> list[str]:
    """`labelops status`'s lines on the gold set: its size, the policy, who is flagged and why."""
    if not report.gold_tasks:
        return ["gold         no gold tasks (labelops gold import)"]
    served = "served first (annotator evaluation on)" if evaluation_enabled else \
        "not served first (annotator evaluation off in the project's settings)"
    lines = [f"gold         {report.gold_tasks} gold tasks, {served}; {policy_line(report)}"]
    flagged = [a for a in report.annotators if a.flagged]
    for row in flagged:
        lines.append(f"  flagged    {_name(row)}: {row.flagged}")
    if report.policy.min_score is not None and not flagged:
        lines.append("  flagged    nobody")
    return lines
