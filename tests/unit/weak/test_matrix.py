"""The label matrix on disk: saved and loaded back unchanged; a missing, foreign or half-replaced one is refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.weak.matrix import ARRAYS, SIDECAR, LabelMatrix, load_matrix, save_matrix


def sample() -> LabelMatrix:
    return LabelMatrix([7, 9, 12], ["great", "bad"], [[0, -1], [-1, 2], [1, 1]], ["pos", "neu", "neg"], "sentiment",
                       "0123456789ab", project=4, errors={"bad": 2}, made_at="2026-01-01T00:00:00+00:00")


def test_a_saved_matrix_loads_back_unchanged(tmp_path) -> None:
    save_matrix(sample(), tmp_path / "m")
    found = load_matrix(tmp_path / "m")
    assert found.task_ids.tolist() == [7, 9, 12] and found.codes.tolist() == [[0, -1], [-1, 2], [1, 1]]
    assert (found.functions, found.classes, found.control) == (["great", "bad"], ["pos", "neu", "neg"], "sentiment")
    assert (found.functions_hash, found.project, found.errors) == ("0123456789ab", 4, {"bad": 2})
    assert found.model_version == "lf-0123456789ab"
    meta = json.loads((tmp_path / "m" / SIDECAR).read_text())
    assert meta["model_version"] == "lf-0123456789ab" and meta["tasks"] == 3
    assert found.label(-1) is None and found.label(2) == "neg"


def test_a_missing_or_changed_matrix_is_refused(tmp_path) -> None:
    with pytest.raises(LabelopsError, match="no label matrix in .*run `labelops lf apply` first"):
        load_matrix(tmp_path / "nothing")
    save_matrix(sample(), tmp_path / "m")
    other = LabelMatrix([1], ["great", "bad"], [[0, 0]], ["pos", "neu", "neg"], "sentiment", "x")
    np.savez_compressed(tmp_path / "m" / ARRAYS, task_ids=other.task_ids, codes=other.codes)
    with pytest.raises(LabelopsError, match="does not match .* \\(changed or half-written\\)"):
        load_matrix(tmp_path / "m")
    (tmp_path / "m" / SIDECAR).write_text("{}")
    with pytest.raises(LabelopsError, match="not a label matrix of format 1"):
        load_matrix(tmp_path / "m")
