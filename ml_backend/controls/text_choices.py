"""Choices on Text (single and multiple) → local MiniLM sentence embeddings.

Before a project has trained a head, zero-shot from the label names (and hints); once a training run
has written `text-head-<control>.npz` into the project's served version, the head's probabilities
(logistic regression on the same embeddings) are used. The task's active-learning score is the
configured strategy's pointwise score of those probabilities (AL_STRATEGY), optionally scaled by
the class-balance boost.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend import stats, weights
from ml_backend.active_learning.strategies import class_balance_boost, pointwise
from ml_backend.active_learning.text_head import TextHead, fit, load_head, save_head, training_examples
from ml_backend.active_learning.versions import ServingRun
from ml_backend.controls.base import ControlModel, NotServable, TaskOutcome
from ml_backend.regions import choices
from ml_backend.settings import BackendSettings
from ml_backend.zero_shot import choose, label_prompts, probabilities

log = logging.getLogger(__name__)

_label_cache: dict[tuple[str, ...], np.ndarray] = {}
_lock = threading.Lock()


class TextZeroShot(ControlModel):
    kind = "text"
    served_as = "Choices on Text (MiniLM zero-shot, then the trained head)"
    serves_from = "TEXT_MODEL (the shipped MiniLM), then the project's trained head"
    trains = "yes: a logistic-regression head on the MiniLM embeddings"
    artifact: ClassVar[tuple[str, str] | None] = ("text-head", ".npz")
    score_definition = ("AL_STRATEGY's score of the class probabilities — least-confidence: the probability of "
                        "the predicted class; margin: top-1 − top-2; entropy: 1 − normalised entropy — times the "
                        "class-balance boost when CLASS_BALANCE_GAMMA > 0; after a training run, `diversity` and "
                        "`hybrid` store ranks in [0, 1) instead")

    @classmethod
    def is_control_matched(cls, control: ControlTag, settings: BackendSettings) -> bool:
        return (control.tag == "Choices" and control.objects[0].tag in ("Text", "HyperText", "Paragraphs")
                and str(control.attr.get("perRegion", "")).lower() != "true")

    def __init__(self, control: ControlTag, settings: BackendSettings, run: ServingRun | None = None) -> None:
        super().__init__(control, settings, run)
        if len(self.labels) < 2:
            raise NotServable(f"Choices '{control.name}': zero-shot needs at least two choices")
        self.encoder = weights.cached("text", settings.text_model, weights.load_text_encoder)
        self.multiple = str(control.attr.get("choice", "single")) == "multiple"
        descriptions = dict(settings.label_descriptions)
        for label, tag in (control.labels_attrs or {}).items():
            attr: dict[str, Any] = getattr(tag, "attr", {}) or {}
            if attr.get("hint") and label not in descriptions:
                descriptions[label] = str(attr["hint"])
        self.prompts = label_prompts(self.labels, descriptions)
        self.head: TextHead | None = None
        head_path = run.artifact("text-head", self.from_name, ".npz") if run else None
        if head_path is not None:
            head = weights.cached("text-head", str(head_path), load_head)
            unknown = [c for c in head.classes if c not in self.labels]
            if unknown:
                log.warning("Choices '%s': trained head of %s has classes %s the config no longer has; "
                            "serving zero-shot", self.from_name, run.model_version, unknown)
            else:
                self.head = head

    @property
    def version(self) -> str:
        return f"{weights.text_model_tag(self.settings.text_model)}-{'head' if self.head else 'zs'}"

    def train(self, tasks: list[dict], staging: Path) -> dict[str, Any]:
        """A logistic-regression head on the embeddings of the annotated texts (`text_head.py`)."""
        examples = [(t, label) for t, label in training_examples(tasks, self.from_name, self.value_key)
                    if label in self.labels]
        if not examples:
            raise ValueError("no annotated task has a usable label (all unlabeled, tied or flagged)")
        texts, labels = zip(*examples, strict=True)
        coef, intercept, classes, accuracy = fit(self.encode(list(texts)), list(labels))
        save_head(self.artifact_path(staging), coef, intercept, classes, len(examples), accuracy)
        return {"kind": "text-head", "examples": len(examples), "validation_accuracy": accuracy,
                "label_counts": dict(Counter(labels))}

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised sentence embeddings (cached per text in this process).

        Each text is cut to MAX_TEXT_CHARS first: the encoder reads its first 256 tokens only, and a
        tokenizer given a huge text would hold all of it in memory before truncating.
        """
        limit = max(1, self.settings.max_text_chars)
        return encode_cached(self.encoder, [t[:limit] for t in texts])

    def class_probabilities(self, embeddings: np.ndarray) -> tuple[list[str], np.ndarray]:
        """(class names, probabilities per text) from the trained head, else zero-shot."""
        if self.head is not None:
            return list(self.head.classes), self.head.probabilities(embeddings)
        return list(self.labels), probabilities(embeddings, self._label_embeddings(), self.settings.text_temperature)

    def _label_embeddings(self) -> np.ndarray:
        key = tuple(self.prompts)
        with _lock:
            if key not in _label_cache:
                _label_cache[key] = self.encode(list(self.prompts))
            return _label_cache[key]

    def predict_tasks(self, tasks: list[dict]) -> list[TaskOutcome]:
        texts = [(t.get("data") or {}).get(self.value_key) for t in tasks]
        outcomes = [TaskOutcome() for _ in tasks]
        ok = []
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                outcomes[i].error = "empty or missing text"
            else:
                ok.append(i)
        if not ok:
            return outcomes
        bs = max(1, self.settings.batch_size)
        counts = self.run.label_counts(self.from_name) if self.run else {}
        for start in range(0, len(ok), bs):
            chunk = ok[start:start + bs]
            stats.bump("model_calls.text")
            stats.bump("model_images.text", len(chunk))
            embeddings = self.encode([texts[i] for i in chunk])
            names, probs = self.class_probabilities(embeddings)
            scores = pointwise(probs, self.settings.al_strategy)
            top = [names[int(j)] for j in probs.argmax(axis=1)]
            if self.settings.class_balance_gamma > 0 and counts:
                scores = class_balance_boost(scores, top, counts, self.settings.class_balance_gamma)
            for i, p, emb, score in zip(chunk, probs, embeddings, scores, strict=True):
                idx, confidence = choose(p, self.multiple)
                outcomes[i].regions = [choices(self.from_name, self.to_name, [names[j] for j in idx], confidence)]
                outcomes[i].uncertainty = round(float(score), 6)
                outcomes[i].embedding = emb
        return outcomes


_embedding_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_EMBEDDING_CACHE_SIZE = 50_000
_embedding_lock = threading.RLock()


def encode_cached(encoder: Any, texts: list[str]) -> np.ndarray:
    """Embeddings of `texts`, encoding only those this process has not seen (LRU of 50k texts)."""
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    with _embedding_lock:
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in _embedding_cache}.items())
    if missing:
        fresh = np.asarray(encoder.encode([t for _, t in missing], normalize_embeddings=True, batch_size=64,
                                          show_progress_bar=False))
        with _embedding_lock:
            for (k, _), e in zip(missing, fresh, strict=True):
                _embedding_cache[k] = e
            while len(_embedding_cache) > _EMBEDDING_CACHE_SIZE:
                _embedding_cache.popitem(last=False)
    with _embedding_lock:
        out = []
        for k, t in zip(keys, texts, strict=True):
            if k not in _embedding_cache:  # evicted meanwhile by another thread
                _embedding_cache[k] = np.asarray(encoder.encode([t], normalize_embeddings=True))[0]
            _embedding_cache.move_to_end(k)
            out.append(_embedding_cache[k])
    return np.vstack(out) if out else np.empty((0, encoder.get_sentence_embedding_dimension() or 0))
