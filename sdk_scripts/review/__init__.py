"""The multi-pass review loop: disagreements out to review, adjudications back in, final labels, export, edge cases.

`push_reviews` (`push`) sends disagreements to the review project, `collect_reviews` /
`write_collect_output` (`collect`) bring adjudications back, `load_project_state` / `ProjectState`
(`project_state`) is where every task stands and `status_lines` (`status`) says so; `export_records`
(`export`) gives the final labels (`sdk_scripts.formats` writes them), `write_edge_cases` (`edge_cases`) the
edge cases, and `label_names` (`final_labels`) names a result's labels. Names load on first use.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "push_reviews": "push",
    "collect_reviews": "collect",
    "write_collect_output": "collect",
    "ProjectState": "project_state",
    "load_project_state": "project_state",
    "status_lines": "status",
    "export_records": "export",
    "write_edge_cases": "edge_cases",
    "label_names": "final_labels",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
