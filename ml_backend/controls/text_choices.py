"""Choices on Text (single and multiple) → local MiniLM sentence embeddings, zero-shot from label names."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend import stats, weights
from ml_backend.controls.base import ControlModel, NotServable, TaskOutcome
from ml_backend.regions import choices
from ml_backend.settings import BackendSettings
from ml_backend.zero_shot import choose, label_prompts, probabilities

_label_cache: dict[tuple[str, ...], np.ndarray] = {}
_lock = threading.Lock()


class TextZeroShot(ControlModel):
    kind = "text"

    @classmethod
    def is_control_matched(cls, control: ControlTag, settings: BackendSettings) -> bool:
        return (control.tag == "Choices" and control.objects[0].tag in ("Text", "HyperText", "Paragraphs")
                and str(control.attr.get("perRegion", "")).lower() != "true")

    def __init__(self, control: ControlTag, settings: BackendSettings) -> None:
        super().__init__(control, settings)
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

    @property
    def version(self) -> str:
        return "minilm-zs"

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.encoder.encode(texts, normalize_embeddings=True, batch_size=64,
                                              show_progress_bar=False))

    def _label_embeddings(self) -> np.ndarray:
        key = tuple(self.prompts)
        with _lock:
            if key not in _label_cache:
                _label_cache[key] = self._encode(list(self.prompts))
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
        label_emb = self._label_embeddings()
        bs = max(1, self.settings.batch_size)
        for start in range(0, len(ok), bs):
            chunk = ok[start:start + bs]
            stats.bump("model_calls.text")
            stats.bump("model_images.text", len(chunk))
            probs = probabilities(self._encode([texts[i] for i in chunk]), label_emb, self.settings.text_temperature)
            for i, p in zip(chunk, probs, strict=True):
                idx, score = choose(p, self.multiple)
                outcomes[i].regions = [choices(self.from_name, self.to_name, [self.labels[j] for j in idx], score)]
        return outcomes
