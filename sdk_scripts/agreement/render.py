"""Terminal tables for the agreement report (pure formatting)."""

from __future__ import annotations

from typing import Any

from sdk_scripts.agreement.report import AgreementReport, ControlReport, PairAgreement


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list | tuple | frozenset | set):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


def _interval(row: PairAgreement | ControlReport, name: str) -> str:
    found = (row.intervals or {}).get(name)
    return f"[{_fmt(found.low)}, {_fmt(found.high)}]" if found else ""


def table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return out


def _head(report: AgreementReport) -> list[str]:
    s = report.summary
    lines = [
        f"{s.tasks} tasks, {s.annotations} annotations by {s.annotators} annotators; "
        f"{s.tasks_scored} tasks scored (>= {s.min_annotators} annotators), mean task agreement "
        f"{_fmt(s.mean_task_score)}",
        f"excluded: {s.cancelled} cancelled/skipped, {s.ground_truth} ground truth (used as gold), "
        f"{s.duplicates} older duplicates; flagged: "
        + (", ".join(f"{n} {f}" for f, n in s.flagged.items()) or "none")
        + f"; {s.low_confidence} marked 'might be'",
        "",
    ]
    for control in report.controls:
        measures = ", ".join(f"{k} {_fmt(v)}" + (f" {_interval(control, k)}" if _interval(control, k) else "")
                             for k, v in control.measures.items())
        lines.append(f"{control.name} ({control.tag}, {control.kind}): {control.tasks_scored} tasks; {measures}")
    lines.append("")
    return lines


def _by_label(report: AgreementReport, limit: int) -> list[str]:
    rows = [[c.name, label, figures.count, figures.value]
            for c in report.controls for label, figures in c.labels.items()]
    lines = table(["control", "label", "count", "alpha/F1"], rows)
    pairs = [[c.name, p.a, p.b, p.tasks, p.kappas["cohen_kappa"], _interval(p, "cohen_kappa")]
             for c in report.controls for p in c.pairs]
    if pairs:
        headers = ["control", "annotator A", "annotator B", "tasks", "Cohen kappa"]
        with_ci = any(row[-1] for row in pairs)
        lines += ["", *table(headers + ["interval"] if with_ci else headers,
                             [row if with_ci else row[:-1] for row in pairs])]
    return lines


def _by_task(report: AgreementReport, limit: int) -> list[str]:
    ranked = sorted(report.tasks, key=lambda t: (t.score is None, t.score or 0.0))
    rows = [[t.task, t.score, t.annotators, t.flags, t.low_confidence,
             "; ".join(f"{k}: {_fmt(v.majority)}" for k, v in t.consensus.items())]
            for t in ranked[:limit]]
    lines = table(["task", "agreement", "annotators", "flags", "might be", "consensus (majority)"], rows)
    if len(ranked) > limit:
        lines.append(f"... {len(ranked) - limit} more (use --json for all)")
    return lines


def _by_annotator(report: AgreementReport, limit: int) -> list[str]:
    rows = [[a.name or a.annotator, a.tasks, a.agreement, a.gold_tasks, a.gold_accuracy, a.flagged, a.low_confidence]
            for a in report.annotators]
    return table(["annotator", "tasks", "agreement (LOO)", "gold tasks", "gold accuracy", "flagged", "might be"], rows)


def _by_week(report: AgreementReport, limit: int) -> list[str]:
    return table(["annotator", "week", "ratings", "agreement"],
                 [[w.name or w.annotator, w.week, w.ratings, w.agreement] for w in report.weeks])


TABLES = {"label": _by_label, "task": _by_task, "annotator": _by_annotator, "week": _by_week}  # --by; limit: rows


def render_report(report: AgreementReport, by: str = "label", limit: int = 50) -> str:
    """The summary, a line per control, the table `by` label, task, annotator or week, notes and problems."""
    lines = _head(report)
    lines += TABLES[by](report, limit) if by in TABLES else []
    for note in report.notes:
        lines.append(f"note: {note}")
    for problem in report.problems[:20]:
        lines.append(f"problem: {problem}")
    if len(report.problems) > 20:
        lines.append(f"... {len(report.problems) - 20} more problems (use --json for all)")
    return "\n".join(lines)
