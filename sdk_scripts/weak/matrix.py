"""The label matrix (`LabelMatrix`): one row per task, one column per labeling function, -1 = abstain; on disk."""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sdk_scripts.errors import LabelopsError
from sdk_scripts.fileio import write_text_atomically

ABSTAIN_CODE = -1
FORMAT = 1
ARRAYS, SIDECAR = "matrix.npz", "matrix.json"


@dataclass
class LabelMatrix:
    """`codes[i, j]`: the class index (into `classes`) function `functions[j]` gave task `task_ids[i]`, -1 when it
    abstained (or raised). `functions_hash` identifies the functions' source (`model_version` is `lf-<it>`);
    `errors`: per function, the tasks on which it raised (counted as abstains)."""

    task_ids: np.ndarray  # int64, n_tasks
    functions: list[str]
    codes: np.ndarray  # int16, n_tasks x n_functions
    classes: list[str]
    control: str
    functions_hash: str
    project: int | None = None
    errors: dict[str, int] = field(default_factory=dict)
    made_at: str | None = None

    def __post_init__(self) -> None:
        self.task_ids = np.asarray(self.task_ids, dtype=np.int64).reshape(-1)
        self.codes = np.asarray(self.codes, dtype=np.int16).reshape(len(self.task_ids), len(self.functions))

    @property
    def n_tasks(self) -> int:
        return len(self.task_ids)

    @property
    def model_version(self) -> str:
        return f"lf-{self.functions_hash}"

    def label(self, code: int) -> str | None:
        return None if code == ABSTAIN_CODE else self.classes[code]

    def sidecar(self, arrays_sha256: str) -> dict[str, Any]:
        return {"format": FORMAT, "project": self.project, "control": self.control, "classes": list(self.classes),
                "functions": list(self.functions), "functions_hash": self.functions_hash,
                "model_version": self.model_version, "tasks": self.n_tasks, "errors": dict(self.errors),
                "made_at": self.made_at, "arrays_sha256": arrays_sha256}


def save_matrix(matrix: LabelMatrix, directory: Path) -> Path:
    """Write `matrix.npz` (task ids, codes) and its JSON sidecar into `directory`, each atomically; the sidecar
    (written last) records the arrays' checksum, so a half-replaced pair is refused on load."""
    directory.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, task_ids=matrix.task_ids, codes=matrix.codes)
    data = buffer.getvalue()
    tmp = directory / f".{ARRAYS}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, directory / ARRAYS)
    write_text_atomically(directory / SIDECAR,
                          json.dumps(matrix.sidecar(hashlib.sha256(data).hexdigest()), indent=1) + "\n")
    return directory


def load_matrix(directory: Path) -> LabelMatrix:
    """The matrix `save_matrix` wrote into `directory`; a missing, foreign or inconsistent one is a LabelopsError."""
    arrays, sidecar = directory / ARRAYS, directory / SIDECAR
    if not arrays.is_file() or not sidecar.is_file():
        raise LabelopsError(f"no label matrix in {directory} (no {ARRAYS} and {SIDECAR}): run `labelops lf apply` "
                            "first")
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LabelopsError(f"{sidecar}: not a label matrix sidecar ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise LabelopsError(f"{sidecar}: not a label matrix of format {FORMAT}")
    data = arrays.read_bytes()
    if hashlib.sha256(data).hexdigest() != meta.get("arrays_sha256"):
        raise LabelopsError(f"{arrays} does not match {sidecar} (changed or half-written): run `labelops lf apply` "
                            "again")
    with np.load(io.BytesIO(data)) as found:
        task_ids, codes = found["task_ids"], found["codes"]
    return LabelMatrix(task_ids, list(meta["functions"]), codes, list(meta["classes"]), meta["control"],
                       meta["functions_hash"], meta.get("project"), dict(meta.get("errors") or {}),
                       meta.get("made_at"))
