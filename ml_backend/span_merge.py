"""How the spans of one text from several sources become one prediction (pure).

The sources come in priority order: the pattern recognizers' spans, the trained tagger's, a spaCy
pipeline's. The rule, in order:
1. Labels the pattern recognizers serve come from them only: another source's span with such a label is
   dropped (their checksums and context cues beat a tagger trained on a few hundred sentences at e-mails
   and IBANs).
2. Of spans that share a character, the one with the higher score is kept (the earlier source on a tie);
   spans that overlap nothing are all kept.
The result is in text order. Spans are Label Studio `labels` results (value.start / value.end, score).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def _bounds(region: dict) -> tuple[int, int]:
    return int(region["value"]["start"]), int(region["value"]["end"])


def merge_spans(pattern: Sequence[dict], others: Sequence[Sequence[dict]],
                pattern_labels: Collection[str]) -> list[dict]:
    """The merged spans of one text: `pattern` spans, then each source of `others` (see the module docstring)."""
    rest = [r for source in others for r in source if not set(r["value"]["labels"]) & set(pattern_labels)]
    # sources in priority order: a stable sort keeps that order among equal scores
    candidates = sorted([*pattern, *rest], key=lambda r: -float(r.get("score", 0.0)))
    kept: list[dict] = []
    for region in candidates:
        start, end = _bounds(region)
        if all(end <= s or start >= e for s, e in map(_bounds, kept)):
            kept.append(region)
    return sorted(kept, key=_bounds)
