"""The merge rule of pattern, trained and spaCy spans (pure)."""

from __future__ import annotations

from ml_backend.regions import span
from ml_backend.span_merge import merge_spans

TEXT = "Call Maria Lopez at +44 20 7946 0958 or maria.lopez@example.com today."


def _span(label: str, piece: str, score: float) -> dict:
    start = TEXT.index(piece)
    return span("label", "text", label, TEXT, start, start + len(piece), score)


def _labels(regions: list[dict]) -> list[tuple[str, str, float]]:
    return [(r["value"]["labels"][0], r["value"]["text"], r["score"]) for r in regions]


def test_disjoint_spans_are_all_kept_in_text_order() -> None:
    pattern = [_span("EMAIL", "maria.lopez@example.com", 1.0), _span("PHONE", "+44 20 7946 0958", 0.4)]
    trained = [_span("PERSON", "Maria Lopez", 0.93)]
    assert _labels(merge_spans(pattern, [trained], {"EMAIL", "PHONE"})) == [
        ("PERSON", "Maria Lopez", 0.93), ("PHONE", "+44 20 7946 0958", 0.4),
        ("EMAIL", "maria.lopez@example.com", 1.0)]


def test_labels_the_patterns_serve_come_from_them_only() -> None:
    trained = [_span("EMAIL", "lopez@example.com", 0.99), _span("PHONE", "7946 0958", 0.9)]
    assert merge_spans([], [trained], {"EMAIL", "PHONE"}) == []
    # without pattern labels (no pii extra, or none mapped) the tagger's spans of those labels stay
    assert len(merge_spans([], [trained], set())) == 2


def test_overlapping_spans_keep_the_higher_score_and_the_pattern_on_a_tie() -> None:
    pattern = [_span("PHONE", "+44 20 7946 0958", 0.4)]
    higher = [_span("ID_NUMBER", "7946 0958", 0.8)]
    assert _labels(merge_spans(pattern, [higher], {"PHONE"})) == [("ID_NUMBER", "7946 0958", 0.8)]
    tie = [_span("ID_NUMBER", "7946 0958", 0.4)]
    assert _labels(merge_spans(pattern, [tie], {"PHONE"})) == [("PHONE", "+44 20 7946 0958", 0.4)]
    # spans that merely touch (end == start) do not overlap
    touching = [_span("PERSON", "Call ", 0.9), _span("LOC", "Maria", 0.2)]
    assert [r["value"]["text"] for r in merge_spans([], [touching], set())] == ["Call ", "Maria"]


def test_a_later_source_loses_ties_and_pattern_labels_to_the_earlier_ones() -> None:
    trained = [_span("PERSON", "Maria Lopez", 0.5)]
    spacy = [_span("ORG", "Maria Lopez", 0.5), _span("LOC", "today", 0.5), _span("EMAIL", "example.com", 0.5)]
    assert _labels(merge_spans([], [trained, spacy], {"EMAIL"})) == [("PERSON", "Maria Lopez", 0.5),
                                                                      ("LOC", "today", 0.5)]
