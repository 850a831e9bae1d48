"""How the trained tagger's spans and the pattern recognizers' spans of one text become one prediction (pure).

The rule, in order:
1. Labels the pattern recognizers serve come from them only: a trained span with such a label is dropped
   (their checksums and context cues beat a tagger trained on a few hundred sentences at e-mails and IBANs).
2. Of spans that share a character, the one with the higher score is kept (the pattern span on a tie);
   spans that overlap nothing are all kept.
The result is in text order. Spans are Label Studio `labels` results (value.start / value.end, score).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def _bounds(region: dict) -> tuple[int, int]:
    return int(region["value"]["start"]), int(region["value"]["end"])


def merge_spans(pattern: Sequence[dict], trained: Sequence[dict], pattern_labels: Collection[str]) -> list[dict]:
    """The merged spans of one text (see the module docstring)."""
    trained = [r for r in trained if not set(r["value"]["labels"]) & set(pattern_labels)]
    # pattern spans first so that on equal scores they win; a stable sort keeps that order among ties
    candidates = sorted([*pattern, *trained], key=lambda r: -float(r.get("score", 0.0)))
    kept: list[dict] = []
    for region in candidates:
        start, end = _bounds(region)
        if all(end <= s or start >= e for s, e in map(_bounds, kept)):
            kept.append(region)
    return sorted(kept, key=_bounds)
