"""Labels on Text → entity spans: the PII module's pattern recognizers, then the span tagger a training run fits.

Before a training run, only the pattern recognizers propose (zero-shot): each label of the tag is mapped
to one of their entity types by its name or an alias (`ml_backend.span_labels`), or by its
`predicted_values`. After a run, the project's span tagger (`active_learning.span_tagger`: BIO tags on
the text model's token embeddings) proposes every label it learnt, merged with the pattern spans per
span (`ml_backend.span_merge`). With SPACY_MODEL_PATH, a spaCy pipeline's entities are a third source
(`ml_backend.spacy_spans`), from the start. A tag with no other source is served all the same — it
proposes nothing until the first run — so Label Studio can connect it and the loop can train it.
Spans keep character offsets into the task text (cut to MAX_TEXT_CHARS).
"""

from __future__ import annotations

import importlib.util
import logging
import time
from pathlib import Path
from typing import Any, ClassVar

from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend import stats, weights
from ml_backend.active_learning.span_tagger import (
    SpanTagger,
    fit_tagger,
    label_counts,
    load_tagger,
    save_tagger,
    span_examples,
)
from ml_backend.active_learning.strategies import pointwise
from ml_backend.active_learning.versions import ServingRun
from ml_backend.controls.base import ControlModel, NotServable, TaskOutcome
from ml_backend.label_mapping import build_class_map
from ml_backend.regions import span, task_score
from ml_backend.settings import BackendSettings
from ml_backend.spacy_spans import pipeline_labels, spacy_spans
from ml_backend.span_labels import ALIASES, entity_map
from ml_backend.span_merge import merge_spans
from ml_backend.word_features import FEATURE_VERSION, TextWords, word_features

log = logging.getLogger(__name__)


class EntitySpans(ControlModel):
    kind = "spans"
    served_as = "Labels on Text (personal-data patterns, then the trained span tagger)"
    serves_from = ("presidio-analyzer's pattern recognizers (the pii extra) for the labels mapped to their types, "
                   "and SPACY_MODEL_PATH's entities when set; after a training run, the project's span tagger on "
                   "TEXT_MODEL's token embeddings as well")
    trains = ("yes: a BIO span tagger (logistic regression on the MiniLM token embeddings, Viterbi-decoded), "
              "entity-level F1 on a held-out slice")
    artifact: ClassVar[tuple[str, str] | None] = ("span-tagger", ".npz")
    score_definition = ("before a training run: the lowest span score (the recognizer's confidence, raised by a "
                        "checksum or a context cue; a spaCy span 0.5), 0 when no span is found; after one: the "
                        "lowest of the served spans' scores and, over the text's words, AL_STRATEGY's score of the "
                        "tagger's tag probabilities")

    @classmethod
    def is_control_matched(cls, control: ControlTag, settings: BackendSettings) -> bool:
        return control.tag == "Labels" and control.objects[0].tag == "Text"

    def __init__(self, control: ControlTag, settings: BackendSettings, run: ServingRun | None = None) -> None:
        super().__init__(control, settings, run)
        mapped = entity_map(self.labels, self.predicted_values())
        has_presidio = importlib.util.find_spec("presidio_analyzer") is not None
        self.entities = mapped if has_presidio else {}
        why = []
        if not mapped:
            why.append(f"none of its labels maps to a type the pattern recognizers find ({', '.join(ALIASES)})")
        elif not has_presidio:
            why.append("the pattern recognizers need presidio-analyzer (pip install 'labelops[pii]')")
        self.nlp, self.spacy_map = self._spacy(why)
        self.tagger = self._trained_tagger(run)
        if self.tagger is None and not self.entities and self.nlp is None:
            try:
                weights.text_model_path(settings.text_model)
            except ValueError as exc:
                raise NotServable(f"Labels '{self.from_name}' on Text: no pattern label and no span tagger to "
                                  f"train: {exc}") from None
            self.note = "; ".join(why) + ": nothing is proposed until a training run fits the span tagger"
        elif why:
            self.note = "; ".join(why)

    def _spacy(self, why: list[str]) -> tuple[Any, dict[str, str]]:
        """SPACY_MODEL_PATH's pipeline and its label → the tag's label map; (None, {}) when unset or nothing maps."""
        if not self.settings.spacy_model_path:
            return None, {}
        try:
            nlp = weights.cached("spacy", self.settings.spacy_model_path, weights.load_spacy)
        except ValueError as exc:
            raise NotServable(f"Labels '{self.from_name}' on Text: {exc}") from None
        labels = pipeline_labels(nlp)
        class_map = build_class_map(labels, self.labels, self.predicted_values(), self.settings.label_map)
        if not class_map:
            why.append(f"the spaCy pipeline's entity labels ({', '.join(labels) or 'none'}) map to none of its labels")
            return None, {}
        return nlp, class_map

    def _trained_tagger(self, run: ServingRun | None) -> SpanTagger | None:
        prefix, suffix = self.artifact or ("", "")
        path = run.artifact(prefix, self.from_name, suffix) if run is not None else None
        if path is None:
            return None
        tagger: SpanTagger = weights.cached("span-tagger", str(path), load_tagger)
        wanted = weights.text_model_tag(self.settings.text_model)
        if tagger.text_model != wanted or tagger.feature_version != FEATURE_VERSION:
            log.warning("Labels '%s': the span tagger of %s was trained on other features (%s v%d, now %s v%d); "
                        "not served", self.from_name, run.model_version if run else "?", tagger.text_model,
                        tagger.feature_version, wanted, FEATURE_VERSION)
            return None
        return tagger

    @property
    def encoder(self) -> Any:
        return weights.cached("text", self.settings.text_model, weights.load_text_encoder)

    @property
    def version(self) -> str:
        sources = (("tagger", self.tagger is not None), ("patterns", bool(self.entities)),
                   ("spacy", self.nlp is not None))
        parts = [name for name, on in sources if on]
        return "+".join(parts) or "spans-untrained"

    def train(self, tasks: list[dict], staging: Path) -> dict[str, Any]:
        """The span tagger from the annotated `tasks` (`active_learning/span_tagger.py`)."""
        started = time.monotonic()
        examples = span_examples(tasks, self.from_name, self.value_key, self.labels,
                                 max(1, self.settings.max_text_chars))
        if not examples:
            raise ValueError("no annotated task has a text this tag can learn from (all unlabeled or flagged)")
        unique = sorted({e.text for e in examples})
        featured = dict(zip(unique, word_features(self.encoder, unique, max(1, self.settings.batch_size) * 2),
                            strict=True))
        tagger = fit_tagger(examples, [featured[e.text] for e in examples],
                            weights.text_model_tag(self.settings.text_model))
        save_tagger(self.artifact_path(staging), tagger)
        v = tagger.validation
        return {"kind": "span-tagger", "examples": len(examples), "tasks": len({str(e.task) for e in examples}),
                "words": sum(len(featured[e.text].words) for e in examples), "classes": list(tagger.classes),
                "validation_entity_precision": v.get("precision"), "validation_entity_recall": v.get("recall"),
                "validation_entity_f1": v.get("f1"), "validation_held_out_tasks": v["held_out_tasks"],
                "validation_per_label": v.get("per_label", {}), "label_counts": label_counts(examples),
                "seconds": round(time.monotonic() - started, 2)}

    def predict_tasks(self, tasks: list[dict]) -> list[TaskOutcome]:
        outcomes = [TaskOutcome() for _ in tasks]
        limit = max(1, self.settings.max_text_chars)
        todo: list[tuple[int, str]] = []
        for i, task in enumerate(tasks):
            text: Any = (task.get("data") or {}).get(self.value_key)
            if not isinstance(text, str) or not text.strip():
                outcomes[i].error = "empty or missing text"
            else:
                todo.append((i, text[:limit]))
        if not todo:
            return outcomes
        stats.bump("model_calls.spans")
        texts = [t for _, t in todo]
        featured: list[TextWords | None] = [None] * len(todo)
        if self.tagger is not None:
            featured = list(word_features(self.encoder, texts, max(1, self.settings.batch_size)))
        from_spacy: list[list[dict]] = [[] for _ in todo]
        if self.nlp is not None:
            from_spacy = spacy_spans(self.nlp, texts, self.spacy_map, self.from_name, self.to_name, self.note_dropped)
        for (i, text), words, extra in zip(todo, featured, from_spacy, strict=True):
            self._predict_one(text, words, extra, outcomes[i])
        return outcomes

    def _predict_one(self, text: str, words: TextWords | None, from_spacy: list[dict], outcome: TaskOutcome) -> None:
        pattern = self._pattern_spans(text)
        pattern_labels = set(self.entities.values())
        if self.tagger is None or words is None:
            outcome.regions = merge_spans(pattern, [from_spacy], pattern_labels)
            outcome.uncertainty = task_score(outcome.regions)
            return
        found, probs = self.tagger.tag(words)
        trained = []
        for s in found:
            if s.label in self.labels:
                trained.append(span(self.from_name, self.to_name, s.label, text, s.start, s.end, s.score))
            else:
                self.note_dropped(s.label)
        outcome.regions = merge_spans(pattern, [trained, from_spacy], pattern_labels)
        word_scores = pointwise(probs, self.settings.al_strategy).tolist() if len(probs) else []
        outcome.uncertainty = round(min([*word_scores, *(float(r["score"]) for r in outcome.regions)],
                                        default=0.0), 6)
        outcome.embedding = words.embedding

    def _pattern_spans(self, text: str) -> list[dict]:
        if not self.entities:
            return []
        from sdk_scripts.pii.detect import find_pii

        findings = [(f.entity, f.start, f.end, f.score) for f in find_pii(text)]
        return spans_for(findings, self.entities, text, self.from_name, self.to_name)


def spans_for(findings: list[tuple[str, int, int, float]], entities: dict[str, str], text: str,
              from_name: str, to_name: str) -> list[dict]:
    """Span results for the findings whose entity type the config has a label for, in text order."""
    return [span(from_name, to_name, entities[entity], text, start, end, score)
            for entity, start, end, score in findings if entity in entities]
