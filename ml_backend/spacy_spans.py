"""Entity spans from a spaCy pipeline a user points at (SPACY_MODEL_PATH): its entity labels, mapped to the
tag's labels as YOLO classes are (`ml_backend.label_mapping`), with spaCy's character offsets.

spaCy's `ner` and `entity_ruler` give no confidence per entity, so every span from the pipeline scores
SPACY_SPAN_SCORE: an unknown confidence, which loses an overlap to a surer pattern or tagger span and
keeps the task's active-learning score at most that (a proposal nobody can gauge is worth a look).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ml_backend.regions import span

SPACY_SPAN_SCORE = 0.5
# the components whose labels are entity labels (a pipeline's tagger or parser labels are not)
ENTITY_FACTORIES = ("ner", "beam_ner", "entity_ruler")


def pipeline_labels(nlp: Any) -> list[str]:
    """The entity labels a loaded pipeline can set, sorted."""
    found: set[str] = set()
    for name in nlp.pipe_names:
        if nlp.get_pipe_meta(name).factory in ENTITY_FACTORIES:
            found |= set(getattr(nlp.get_pipe(name), "labels", ()) or ())
    return sorted(found)


def spacy_spans(nlp: Any, texts: list[str], class_map: dict[str, str], from_name: str, to_name: str,
                dropped: Callable[[str], None]) -> list[list[dict]]:
    """Span results per text for the pipeline's entities whose label maps (the others are `dropped`)."""
    out = []
    for text, doc in zip(texts, nlp.pipe(texts), strict=True):
        regions = []
        for ent in doc.ents:
            if ent.label_ in class_map:
                regions.append(span(from_name, to_name, class_map[ent.label_], text, ent.start_char, ent.end_char,
                                    SPACY_SPAN_SCORE))
            else:
                dropped(ent.label_)
        out.append(regions)
    return out
