"""Weak supervision: labeling functions, the label matrix, its analysis, the label model, predictions in Label Studio.

`labeling_function` / `LabelingFunction` / `ABSTAIN` (`functions`), `load_functions` / `FunctionSet` (`loading`),
`rules_from_yaml` (`rules`), `apply_functions` (`apply`), `LabelMatrix` / `save_matrix` / `load_matrix` (`matrix`),
`analyze_matrix` / `LFAnalysis` (`analysis`), `fit_label_model` / `LabelModelResult` (`label_model`). Names load on
first use.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "labeling_function": "functions",
    "LabelingFunction": "functions",
    "ABSTAIN": "functions",
    "load_functions": "loading",
    "FunctionSet": "loading",
    "rules_from_yaml": "rules",
    "apply_functions": "apply",
    "LabelMatrix": "matrix",
    "save_matrix": "matrix",
    "load_matrix": "matrix",
    "analyze_matrix": "analysis",
    "LFAnalysis": "analysis",
    "fit_label_model": "label_model",
    "LabelModelResult": "label_model",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
