"""Data governance: guideline versions, dataset snapshots and diffs, imbalance, annotator bias, the HTML report."""
