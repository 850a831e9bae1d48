"""Zero-shot text classification math over sentence embeddings (pure numpy).

Each label becomes a prompt ("This text is about {label}: {description}"); a text's class
probabilities are softmax(cosine(text, prompt) / temperature). Single choice picks the top class;
multiple choice keeps every class within half the top probability (the top one always).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def label_prompts(labels: Sequence[str], descriptions: Mapping[str, str] | None = None) -> list[str]:
    """The sentence each label is embedded as."""
    descriptions = descriptions or {}
    out = []
    for label in labels:
        desc = descriptions.get(label) or descriptions.get(label.lower())
        out.append(f"This text expresses {label}: {desc}" if desc else f"This text expresses {label}.")
    return out


def probabilities(text_emb: np.ndarray, label_emb: np.ndarray, temperature: float) -> np.ndarray:
    """(n_texts, n_labels) softmax of cosine similarities / temperature; inputs L2-normalised."""
    logits = text_emb @ label_emb.T / max(temperature, 1e-6)
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def choose(probs: np.ndarray, multiple: bool) -> tuple[list[int], float]:
    """Chosen label indices and the region score (probability of the top choice) for one text."""
    top = int(np.argmax(probs))
    if not multiple:
        return [top], float(probs[top])
    chosen = [i for i in np.argsort(-probs) if probs[i] >= 0.5 * probs[top]]
    return [int(i) for i in chosen], float(probs[top])
