"""The span tagger trained from annotations: BIO tags per word by a logistic regression on word features.

Training data: per annotated task, its text and the spans of the `Labels` tag — the ground-truth
annotation's when a reviewer adjudicated (the last one), else each submitted annotation as its own
example (annotators who agree weigh more); tasks any counted annotation flagged ambiguous / out of
scope are left out (unless a ground truth decides). An annotation without spans says the text has no
entity: all its words are `O`.
The features are `ml_backend.word_features` (MiniLM token embeddings per word, neighbours, spelling);
the tags IOB2 (`ml_backend.span_bio`); the classifier a multinomial logistic regression (scikit-learn),
decoded by constrained Viterbi so every entity is a valid `B I I` run.

Validation: a seeded 20% of the tasks (10 or more) is held out, a tagger fitted on the rest, and its
entity-level precision / recall / F1 (`entity_f1`, CoNLL exact match on words) go to the run history;
the served tagger is then fitted on every task. One .npz file per tag (`save_tagger` / `load_tagger`).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ml_backend.active_learning.entity_f1 import EntityScores, entity_scores
from ml_backend.span_bio import OUTSIDE, TaggedSpan, bio_tags, decode, viterbi
from ml_backend.word_features import FEATURE_VERSION, TextWords
from sdk_scripts.labelstudio.annotations import count_annotations, excluded_by_flag

REGULARISATION_C = 1.0


@dataclass(frozen=True)
class SpanExample:
    """One annotated text: the task it comes from, the text, its spans (start, end, label)."""

    task: Any
    text: str
    spans: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True)
class SpanTagger:
    classes: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray
    examples: int
    text_model: str
    feature_version: int = FEATURE_VERSION
    validation: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(words × classes) tag probabilities."""
        if len(features) == 0:
            return np.zeros((0, len(self.classes)))
        logits = np.asarray(features, float) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def tag(self, text_words: TextWords) -> tuple[list[TaggedSpan], np.ndarray]:
        """The text's entities (score: the lowest probability of its words' tags) and the word probabilities."""
        probs = self.probabilities(text_words.features)
        path = viterbi(probs, self.classes)
        tags = [self.classes[i] for i in path]
        confidences = [float(probs[w, i]) for w, i in enumerate(path)]
        return decode(text_words.words, tags, confidences), probs


def _spans_of(annotation: dict, control: str, labels: set[str], limit: int) -> tuple[tuple[int, int, str], ...]:
    spans = []
    for region in annotation.get("result") or []:
        value = region.get("value") if isinstance(region, dict) else None
        if region.get("from_name") != control or not isinstance(value, dict):
            continue
        names = value.get("labels") or []
        start, end = value.get("start"), value.get("end")
        if (names and names[0] in labels and isinstance(start, int) and isinstance(end, int)
                and 0 <= start < end <= limit):
            spans.append((start, end, names[0]))
    return tuple(sorted(spans))


def span_examples(tasks: list[dict], control: str, text_key: str, labels: list[str],
                  max_chars: int = 20_000) -> list[SpanExample]:
    """The training examples of the annotated `tasks` (rules in the module docstring); texts cut to `max_chars`,
    spans beyond the cut and spans of labels the tag does not have left out."""
    examples = []
    for task in tasks:
        text = (task.get("data") or {}).get(text_key)
        if not isinstance(text, str) or not text.strip():
            continue
        text = text[:max_chars]
        counted = count_annotations(task.get("annotations") or [])
        if counted.ground_truth:
            chosen = counted.ground_truth[-1:]
        elif any(excluded_by_flag(a) for a in counted.interpretations):
            continue
        else:
            chosen = counted.interpretations
        examples += [SpanExample(task.get("id"), text, _spans_of(a, control, set(labels), len(text)))
                     for a in chosen]
    return examples


def _word_entities(doc: Any, words: list[tuple[int, int]], tags: list[str]) -> set[tuple[Any, int, int, str]]:
    return {(doc, s.first, s.stop, s.label) for s in decode(words, tags)}


def _fit(features: list[np.ndarray], tags: list[list[str]], seed: int) -> tuple[np.ndarray, np.ndarray, tuple]:
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    y = [t for row in tags for t in row]
    if len(set(y)) < 2 or set(y) == {OUTSIDE}:
        raise ValueError("no annotated span of this tag's labels: the tagger needs at least one entity to learn")
    # one BLAS thread: at this size (thousands of words × ~1200 features) more threads only add overhead (~10×
    # slower measured on a busy 2-core machine)
    with threadpool_limits(limits=1):
        model = LogisticRegression(max_iter=1000, C=REGULARISATION_C, random_state=seed).fit(np.vstack(features), y)
    coef, intercept = model.coef_, model.intercept_
    if len(model.classes_) == 2:  # sklearn keeps one row for binary problems
        coef, intercept = np.vstack([-coef[0], coef[0]]) / 2, np.array([-intercept[0], intercept[0]]) / 2
    return coef, intercept, tuple(str(c) for c in model.classes_)


def validate(examples: list[SpanExample], featured: list[TextWords], seed: int = 0,
             holdout: float = 0.2) -> tuple[EntityScores, int] | None:
    """(entity scores, tasks held out): a tagger fitted on the tasks outside a seeded `holdout` share, scored on
    that share (None: fewer than 10 tasks, or the rest has no entity)."""
    tasks = sorted({str(e.task) for e in examples})
    if len(tasks) < 10:
        return None
    order = np.random.default_rng(seed).permutation(len(tasks))
    held = {tasks[i] for i in order[:int(len(tasks) * holdout)]}
    tags = [bio_tags(f.words, e.spans) for e, f in zip(examples, featured, strict=True)]
    train = [i for i, e in enumerate(examples) if str(e.task) not in held]
    try:
        coef, intercept, classes = _fit([featured[i].features for i in train], [tags[i] for i in train], seed)
    except ValueError:
        return None
    tagger = SpanTagger(classes, coef, intercept, len(train), "")
    gold: set = set()
    predicted: set = set()
    for i, example in enumerate(examples):
        if str(example.task) in held:
            gold |= _word_entities(i, featured[i].words, tags[i])
            predicted |= {(i, s.first, s.stop, s.label) for s in tagger.tag(featured[i])[0]}
    return entity_scores(gold, predicted), len(held)


def fit_tagger(examples: list[SpanExample], featured: list[TextWords], text_model: str,
               seed: int = 0) -> SpanTagger:
    """The tagger fitted on every example, with held-out entity scores (`validate`) in `validation`."""
    validated = validate(examples, featured, seed)
    tags = [bio_tags(f.words, e.spans) for e, f in zip(examples, featured, strict=True)]
    coef, intercept, classes = _fit([f.features for f in featured], tags, seed)
    validation: dict[str, Any] = {"held_out_tasks": 0}
    if validated is not None:
        validation = {"held_out_tasks": validated[1], **validated[0].to_json()}
    return SpanTagger(classes, coef, intercept, len(examples), text_model, FEATURE_VERSION, validation)


def label_counts(examples: list[SpanExample]) -> dict[str, int]:
    return dict(Counter(label for e in examples for _, _, label in e.spans))


def save_tagger(path: Path, tagger: SpanTagger) -> None:
    """Write a tagger to `path` (.npz) atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp.npz")
    np.savez(tmp, coef=tagger.coef, intercept=tagger.intercept, classes=np.array(tagger.classes),
             examples=tagger.examples, text_model=tagger.text_model, feature_version=tagger.feature_version,
             validation=json.dumps(tagger.validation))
    os.replace(tmp, path)


def load_tagger(path: Path | str) -> SpanTagger:
    """A tagger written by `save_tagger`."""
    with np.load(Path(path), allow_pickle=False) as data:
        return SpanTagger(tuple(str(c) for c in data["classes"]), data["coef"], data["intercept"],
                          int(data["examples"]), str(data["text_model"]), int(data["feature_version"]),
                          json.loads(str(data["validation"])))
