"""`labelops autolabel`'s report, and the auto-label line of `labelops status`, in words (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from sdk_scripts.autolabel.audit import audit_status, open_marks
from sdk_scripts.autolabel.run import AutolabelReport
from sdk_scripts.review.reviews import Review


def report_lines(report: AutolabelReport, base_url: str) -> list[str]:
    """What the run did (or, dry, would do), one fact a line."""
    project, plan = report.project, report.plan
    how = report.calibration.describe() if report.calibration else f"{report.threshold:.4g} (--min-confidence)"
    lines = [f"project {project['id']} {project['title']!r}: predictions of {report.model_version!r} accepted at or "
             f"above {how}"]
    if report.reset is not None:
        lines.append(f"reset: round {report.reset.round or '-'} closed; {len(report.reset.close)} audited label(s) "
                     f"kept, {len(report.reset.withdraw)} withdrawn (their tasks back to annotators), "
                     f"{len(report.withdrawn_review_tasks)} unreviewed audit task(s) deleted")
    verb = "would auto-label" if report.dry_run else "auto-labelled"
    passed = ", ".join(f"{n} {why}" for why, n in sorted(plan.passed_over.items(), key=lambda kv: (-kv[1], kv[0])))
    lines.append(f"{verb} {len(plan.marks)} task(s) in audit round {plan.round}, {len(plan.audited)} of them in the "
                 f"audit sample" + (f"; passed over: {passed}" if passed else ""))
    if plan.restore:
        lines.append(f"{len(plan.restore)} auto-labelled task(s) Label Studio had put back in the annotators' stream "
                     "(an overlap setting changed) taken out again")
    if report.review_project is not None:
        review = report.review_project
        where = f"review project {review['id']} {review['title']!r}  {base_url}/projects/{review['id']}/data"
        created = len(report.audit_tasks_created)
        lines.append(f"audit: {created} review task(s) created in {where}" if created
                     else f"audit: no new review task; the round's audit tasks are in {where}")
    lines += [f"note: {message}" for message in report.messages]
    if report.status is not None and report.status.labelled:
        lines.append(report.status.describe())
    if report.dry_run:
        lines.append("dry run: nothing was written")
    return lines


def auto_status_lines(tasks: Iterable[dict], reviews: Mapping[int, Review]) -> list[str]:
    """`labelops status`'s auto-label lines: labels in force per model version, and the open audit round."""
    tasks = list(tasks)
    marks = open_marks(tasks)
    if not marks:
        return []
    versions = Counter(m.model_version for m in marks.values())
    return [f"auto-labels  {len(marks)} in force ({', '.join(f'{n} of {v}' for v, n in sorted(versions.items()))})",
            f"  {audit_status(tasks, reviews).describe()}"]
