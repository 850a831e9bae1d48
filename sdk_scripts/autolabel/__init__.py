"""Auto-labels with an audit: confident predictions accepted as labels, a seeded sample reviewed, a stop rule.

`autolabel` (`run`) marks tasks and sends the audit sample to review; `AutoMark` / `mark_of` (`marks`) is the
marker in a task's meta the export reads; `calibrate` / `labelled_pairs` (`calibration`) set the threshold from a
target precision; `audit_status` / `AuditStatus` (`audit`) is the measured precision and the stop rule; `wilson`
(`interval`) its interval; `plan_autolabel` (`plan`) what a run writes. Names load on first use.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "AutolabelOptions": "run",
    "AutolabelReport": "run",
    "autolabel": "run",
    "AutoMark": "marks",
    "mark_of": "marks",
    "Calibration": "calibration",
    "calibrate": "calibration",
    "labelled_pairs": "calibration",
    "AuditStatus": "audit",
    "audit_status": "audit",
    "Proportion": "interval",
    "wilson": "interval",
    "AutolabelPlan": "plan",
    "plan_autolabel": "plan",
    "report_lines": "render",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
