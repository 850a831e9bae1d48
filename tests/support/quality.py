"""Hand-made Label Studio tasks for the quality unit tests: a sentiment config, gold tasks, predictions."""

from __future__ import annotations

from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.quality.gold_tasks import GoldPolicy, with_marker

CONFIG = render_config(read_config("text_sentiment"), {"sentiment": ["positive", "neutral", "negative"]})
GOLD_POLICY = GoldPolicy(0.6, 2)
CONFIDENCE = [{"from_name": "confidence", "to_name": "text", "type": "choices", "value": {"choices": ["probably"]}}]


def sentiment(label: str, region: str = "r1") -> list[dict]:
    return [{"id": region, "from_name": "sentiment", "to_name": "text", "type": "choices",
             "value": {"choices": [label]}}]


def annotation(ident: int, who: int, label: str, *, truth: bool = False, when: str = "2026-03-02T10:00:00Z",
               parent: int | None = None, seconds: float | None = None, confidence: bool = False) -> dict:
    return {"id": ident, "completed_by": who, "result": sentiment(label) + (CONFIDENCE if confidence else []),
            "ground_truth": truth, "created_at": when, "parent_prediction": parent, "lead_time": seconds}


def gold_task(ident: int, answer: str, given: dict[int, str], policy: GoldPolicy = GOLD_POLICY,
              weeks: dict[int, str] | None = None) -> dict:
    """A gold task (marker with `policy`, ground truth `answer` by user 99) and each annotator's answer."""
    annotations = [annotation(ident * 10, 99, answer, truth=True)]
    annotations += [annotation(ident * 10 + who, who, label, when=(weeks or {}).get(who, "2026-03-02T10:00:00Z"))
                    for who, label in given.items()]
    return {"id": ident, "data": {"text": f"t{ident}"}, "overlap": 2, "is_labeled": False,
            "meta": with_marker({}, policy, "2026-03-01T00:00:00+00:00"), "annotations": annotations}


def prediction(ident: int, version: str, label: str) -> dict:
    return {"id": ident, "model_version": version, "result": sentiment(label, "p"), "score": 0.5}


def model_project() -> list[dict]:
    """v1 predicts tasks 1-3, v2 tasks 3-5; task 4's final is a ground truth, task 5 has none.

    | task | v1 | v2 | annotations | final |
    |---|---|---|---|---|
    | 1 | positive | | positive from v1 (10 s), positive (30 s) | positive |
    | 2 | negative | | neutral from v1 (20 s), neutral (40 s) | neutral |
    | 3 | neutral | negative | negative from v2 (5 s, 7 s), negative from a deleted prediction | negative |
    | 4 | | positive | ground truth negative | negative |
    | 5 | | neutral | | none |
    """
    def made(ident: int, who: int, label: str, parent: int | None, seconds: float) -> dict:
        return annotation(ident, who, label, parent=parent, seconds=seconds, confidence=True)

    return [
        {"id": 1, "predictions": [prediction(100, "v1", "positive")],
         "annotations": [made(1, 1, "positive", 100, 10), made(2, 2, "positive", None, 30)]},
        {"id": 2, "predictions": [prediction(101, "v1", "negative")],
         "annotations": [made(3, 1, "neutral", 101, 20), made(4, 2, "neutral", None, 40)]},
        {"id": 3, "predictions": [prediction(102, "v1", "neutral"), prediction(103, "v2", "negative")],
         "annotations": [made(5, 1, "negative", 103, 5), made(6, 2, "negative", 103, 7),
                         made(7, 3, "negative", 999, 9)]},
        {"id": 4, "predictions": [prediction(104, "v2", "positive")],
         "annotations": [annotation(8, 9, "negative", truth=True)]},
        {"id": 5, "predictions": [prediction(105, "v2", "neutral")], "annotations": []},
    ]
