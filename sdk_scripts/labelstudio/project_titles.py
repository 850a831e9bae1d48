"""Label Studio's rules for a project title: length limits, counted in characters that show. Pure."""

from __future__ import annotations

import unicodedata

TITLE_MIN, TITLE_MAX = 3, 50  # Label Studio's PROJECT_TITLE_MIN_LEN / _MAX_LEN


def visible_length(text: str) -> int:
    """Characters that show: not whitespace, control, format (zero-width) or a lone combining mark."""
    return sum(1 for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "CZ"
               and unicodedata.category(ch) not in ("Mn", "Me"))


def title_problem(title: str) -> str | None:
    """Why Label Studio would refuse (or show as blank) a project title; None when it is fine."""
    if visible_length(title) < TITLE_MIN:
        return f"must have at least {TITLE_MIN} visible characters"
    if len(title) > TITLE_MAX:
        return f"must have at most {TITLE_MAX} characters (Label Studio's limit), it has {len(title)}"
    return None
