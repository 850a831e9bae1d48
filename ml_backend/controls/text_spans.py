"""Labels on Text → entity spans from the PII module's pattern recognizers (zero-shot, no model).

Each label of the tag is mapped to an entity type of the recognizers by its name or an alias
(`ml_backend.span_labels`), or by its `predicted_values`; a tag none of whose labels maps is not
servable. A span keeps the recognizer's character offsets into the task text (cut to MAX_TEXT_CHARS).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend import stats
from ml_backend.active_learning.versions import ServingRun
from ml_backend.controls.base import ControlModel, NotServable, TaskOutcome
from ml_backend.regions import span, task_score
from ml_backend.settings import BackendSettings
from ml_backend.span_labels import ALIASES, entity_map


class PatternSpans(ControlModel):
    kind = "spans"
    served_as = "Labels on Text (personal-data pattern recognizers, zero-shot)"
    serves_from = "presidio-analyzer's pattern recognizers (the pii extra); no weights"
    trains = "no (the trained span tagger is to come)"
    score_definition = ("the lowest span score (the recognizer's confidence, raised by a checksum or a context "
                        "cue); 0 when no pattern matches")

    @classmethod
    def is_control_matched(cls, control: ControlTag, settings: BackendSettings) -> bool:
        return control.tag == "Labels" and control.objects[0].tag == "Text"

    def __init__(self, control: ControlTag, settings: BackendSettings, run: ServingRun | None = None) -> None:
        super().__init__(control, settings, run)
        self.entities = entity_map(self.labels, self.predicted_values())
        if not self.entities:
            raise NotServable(f"Labels '{self.from_name}' on Text: none of its labels ({', '.join(self.labels)}) "
                              f"maps to a type the pattern recognizers find ({', '.join(ALIASES)})")
        if importlib.util.find_spec("presidio_analyzer") is None:
            raise NotServable(f"Labels '{self.from_name}' on Text: the pattern recognizers need presidio-analyzer "
                              "(pip install 'labelops[pii]')")

    @property
    def version(self) -> str:
        return "patterns"

    def predict_tasks(self, tasks: list[dict]) -> list[TaskOutcome]:
        from sdk_scripts.pii.detect import find_pii

        outcomes = [TaskOutcome() for _ in tasks]
        for task, outcome in zip(tasks, outcomes, strict=True):
            text: Any = (task.get("data") or {}).get(self.value_key)
            if not isinstance(text, str) or not text.strip():
                outcome.error = "empty or missing text"
                continue
            stats.bump("model_calls.spans")
            text = text[:max(1, self.settings.max_text_chars)]
            findings = [(f.entity, f.start, f.end, f.score) for f in find_pii(text)]
            outcome.regions = spans_for(findings, self.entities, text, self.from_name, self.to_name)
            outcome.uncertainty = task_score(outcome.regions)
        return outcomes


def spans_for(findings: list[tuple[str, int, int, float]], entities: dict[str, str], text: str,
              from_name: str, to_name: str) -> list[dict]:
    """Span results for the findings whose entity type the config has a label for, in text order."""
    return [span(from_name, to_name, entities[entity], text, start, end, score)
            for entity, start, end, score in findings if entity in entities]
