"""BIO tags over a text's words from Label Studio spans, and back to spans (pure numpy, no I/O).

A word is a (start, end) pair of character offsets into the text (the tokenizer's pre-tokenized words:
whitespace and punctuation split them). Tags are `O`, `B-<label>` (the first word of an entity) and
`I-<label>` (the words after it), the IOB2 scheme of the CoNLL shared tasks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

OUTSIDE = "O"
Word = tuple[int, int]


@dataclass(frozen=True)
class TaggedSpan:
    """An entity read from tags: character offsets [start, end), its label, words [first, stop), score."""

    start: int
    end: int
    label: str
    first: int
    stop: int
    score: float


def bio_tags(words: Sequence[Word], spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """One tag per word: `B-<label>` for the first word a span shares a character with, `I-<label>` for the
    next ones, `O` elsewhere. Where annotated spans overlap, the one starting first (the longer on a tie)
    keeps the shared words and the other starts at its first word still free."""
    tags = [OUTSIDE] * len(words)
    for start, end, label in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        began = False
        for i, (word_start, word_end) in enumerate(words):
            if word_start < end and word_end > start and tags[i] == OUTSIDE:
                tags[i] = f"{'I' if began else 'B'}-{label}"
                began = True
            elif began and word_start >= end:
                break
    return tags


def tag_label(tag: str) -> str:
    """`B-PERSON` -> `PERSON`; `O` -> ``."""
    return "" if tag == OUTSIDE else tag[2:]


def decode(words: Sequence[Word], tags: Sequence[str], confidences: Sequence[float] | None = None) -> list[TaggedSpan]:
    """Entities of consecutive words `B-X I-X ...`. An `I-X` that does not continue an X entity starts one
    (the rule of CoNLL's conlleval script). A span's score is the lowest confidence among its words."""
    confidences = [1.0] * len(words) if confidences is None else confidences
    found: list[list] = []  # [first, stop, label, lowest confidence]
    for i, tag in enumerate(tags):
        label = tag_label(tag)
        if not label:
            continue
        current = found[-1] if found else None
        if tag.startswith("I-") and current is not None and current[1] == i and current[2] == label:
            current[1] = i + 1
            current[3] = min(current[3], float(confidences[i]))
        else:
            found.append([i, i + 1, label, float(confidences[i])])
    return [TaggedSpan(words[first][0], words[stop - 1][1], label, first, stop, score)
            for first, stop, label, score in found]


def transitions(classes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(may start, may follow[i, j]) under IOB2: `I-X` only after `B-X` or `I-X`, never first."""
    labels = [tag_label(c) for c in classes]
    inside = np.array([c.startswith("I-") for c in classes])
    follows = np.ones((len(classes), len(classes)), bool)
    for j in np.flatnonzero(inside):
        follows[:, j] = [bool(labels[i]) and labels[i] == labels[j] for i in range(len(classes))]
    return ~inside, follows


def viterbi(probabilities: np.ndarray, classes: Sequence[str]) -> list[int]:
    """The valid tag sequence (see `transitions`) with the highest sum of log-probabilities of the words'
    tags; `probabilities` is (words, classes). Independent per-word argmax can give `B-PER I-ORG`; this
    cannot."""
    probs = np.asarray(probabilities, float)
    if len(probs) == 0:
        return []
    start, follows = transitions(classes)
    logp = np.log(np.clip(probs, 1e-12, 1.0))
    barrier = -1e9
    score = logp[0] + np.where(start, 0.0, barrier)
    step = np.where(follows, 0.0, barrier)
    back = []
    for t in range(1, len(probs)):
        candidates = score[:, None] + step
        back.append(candidates.argmax(axis=0))
        score = candidates.max(axis=0) + logp[t]
    path = [int(score.argmax())]
    for pointers in reversed(back):
        path.append(int(pointers[path[-1]]))
    return path[::-1]
