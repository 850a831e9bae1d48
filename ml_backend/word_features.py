"""Word features for the span tagger: the text encoder's token embeddings pooled per word, the words'
character offsets (the tokenizer's offset mapping), and spelling cues an uncased encoder cannot see.

A word is what the tokenizer's pre-tokenizer splits (whitespace, then punctuation); its offsets come
from the fast tokenizer's offset mapping, so spans built from words slice the original text exactly.
A word's features: the mean embedding of its tokens, the previous and the next word's (zeros at the
edges), and shape flags — capitalised, all capitals, has a digit, punctuation only — for the three words,
plus "first word". Texts longer than the encoder's window are read in overlapping windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# bumped whenever the features change: a tagger trained on other features is not served
FEATURE_VERSION = 1
# the shape flags are 0/1 beside embedding values of about ±0.5: scaled up so the classifier can use them
SHAPE_WEIGHT = 4.0
WINDOW_STRIDE = 32


@dataclass
class TextWords:
    """One text's words: offsets, features (words × dims) and the text's embedding (mean of its tokens)."""

    words: list[tuple[int, int]]
    features: np.ndarray
    embedding: np.ndarray


def token_model(encoder: Any) -> tuple[Any, Any, int]:
    """(fast tokenizer, transformer, window length) inside a sentence-transformers encoder; ValueError when it
    has none (the tagger needs token embeddings and offsets)."""
    first = encoder[0]
    tokenizer, model = getattr(first, "tokenizer", None), getattr(first, "auto_model", None)
    if tokenizer is None or model is None or not getattr(tokenizer, "is_fast", False):
        raise ValueError("the text model has no transformer with a fast tokenizer (character offsets): "
                         "the span tagger needs one")
    return tokenizer, model, int(getattr(first, "max_seq_length", None) or 256)


def _shape(word: str) -> list[float]:
    return [float(word[:1].isupper()), float(len(word) > 1 and word.isupper()),
            float(any(c.isdigit() for c in word)), float(not any(c.isalnum() for c in word))]


def feature_dims(embedding_dims: int) -> int:
    return 3 * embedding_dims + 13


def assemble(text: str, words: list[tuple[int, int]], vectors: np.ndarray) -> np.ndarray:
    """Features (see the module docstring) from each word's mean token embedding (`vectors`, words × d)."""
    n, d = vectors.shape
    if n == 0:
        return np.zeros((0, feature_dims(d)), np.float32)
    zero = np.zeros((1, d), vectors.dtype)
    shapes = np.array([_shape(text[s:e]) for s, e in words])
    blank = np.zeros((1, shapes.shape[1]))
    first = np.zeros((n, 1))
    first[0] = 1.0
    cues = np.hstack([shapes, np.vstack([blank, shapes[:-1]]), np.vstack([shapes[1:], blank]), first])
    return np.hstack([vectors, np.vstack([zero, vectors[:-1]]), np.vstack([vectors[1:], zero]),
                      SHAPE_WEIGHT * cues]).astype(np.float32)


def word_features(encoder: Any, texts: list[str], batch_size: int = 32) -> list[TextWords]:
    """The words and features of each text, in order (batched; no gradient)."""
    import torch

    tokenizer, model, window = token_model(encoder)
    out: list[TextWords] = []
    for begin in range(0, len(texts), max(1, batch_size)):
        chunk = texts[begin:begin + max(1, batch_size)]
        batch = tokenizer(chunk, return_offsets_mapping=True, truncation=True, max_length=window,
                          stride=WINDOW_STRIDE, return_overflowing_tokens=True, padding=True, return_tensors="pt")
        offsets = batch.pop("offset_mapping").tolist()
        rows_of = batch.pop("overflow_to_sample_mapping").tolist()
        with torch.inference_mode():
            hidden = model(**batch).last_hidden_state.float().numpy()
        sums: list[dict[int, list]] = [{} for _ in chunk]  # word id -> [start, end, vector sum, tokens]
        for row, sample in enumerate(rows_of):
            for position, word in enumerate(batch.word_ids(row)):
                if word is None:
                    continue
                start, end = offsets[row][position]
                entry = sums[sample].setdefault(word, [start, end, np.zeros(hidden.shape[2]), 0])
                entry[0], entry[1] = min(entry[0], start), max(entry[1], end)
                entry[2] = entry[2] + hidden[row, position]
                entry[3] += 1
        for text, found in zip(chunk, sums, strict=True):
            entries = [found[w] for w in sorted(found)]
            words = [(int(s), int(e)) for s, e, _, _ in entries]
            vectors = np.array([v / c for _, _, v, c in entries]).reshape(len(entries), hidden.shape[2])
            mean = vectors.mean(axis=0) if len(vectors) else np.zeros(hidden.shape[2])
            norm = float(np.linalg.norm(mean)) or 1.0
            out.append(TextWords(words, assemble(text, words, vectors), (mean / norm).astype(np.float32)))
    return out
