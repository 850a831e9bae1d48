"""The HTML report's labeling-functions section: Snorkel's figures per function and a plot, or a line saying how to
get one."""

from __future__ import annotations

from sdk_scripts.agreement.engine import build_report
from sdk_scripts.governance.report import render_report
from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.weak.analysis import analyze_matrix
from sdk_scripts.weak.matrix import LabelMatrix
from tests.support.weak import LABELS

CONFIG = render_config(read_config("text_sentiment"), {"sentiment": LABELS})


def page(weak=None) -> str:
    return render_report("p", {}, build_report(CONFIG, []), {"annotators": [], "names": {}}, {}, [], None, 0,
                         weak=weak)


def test_the_report_has_the_labeling_functions_section() -> None:
    matrix = LabelMatrix([1, 2, 3, 4], ["great", "awful"], [[0, -1], [0, 2], [-1, 2], [-1, -1]], LABELS,
                         "sentiment", "abc", errors={"awful": 1})
    found = page((analyze_matrix(matrix, {1: "positive", 2: "negative"}), matrix.model_version))
    assert "<h2>Labeling functions</h2>" in found
    assert "2 labeling functions (lf-abc) of control sentiment over 4 tasks: label coverage 0.750" in found
    # great votes on tasks 1 and 2 -> coverage 0.5; awful votes on task 2 too -> overlaps and conflicts 0.25;
    # great is right on task 1, wrong on task 2 -> 1, 1, 0.5
    assert ("<td>great</td><td>positive</td><td>0.500</td><td>0.250</td><td>0.250</td><td>1</td><td>1</td>"
            "<td>0.500</td><td>0</td>") in found
    assert "Each labeling function: coverage and accuracy on the labelled tasks" in found and "data:image/png" in found
    assert "No label matrix given" in page()
