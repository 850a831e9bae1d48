"""Data governance: guideline versions, dataset snapshots and diffs, imbalance, annotator bias, the HTML report.

`render_instructions` (`guidelines`), `write_snapshot` / `diff_snapshots` (`snapshot`), `stratified_split`
(`imbalance`), `annotator_bias` (`bias`), `write_report` (`report`). Names load on first use; the function
`imbalance.imbalance` is not among them, as the package's `imbalance` is that submodule once it is imported.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "render_instructions": "guidelines",
    "write_snapshot": "snapshot",
    "diff_snapshots": "snapshot",
    "stratified_split": "imbalance",
    "annotator_bias": "bias",
    "write_report": "report",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
