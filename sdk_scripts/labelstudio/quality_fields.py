"""The quality-field vocabulary every shipped config shares: control names and their values, defined once.

Quality fields describe an annotation, not the item: the annotator's self-rated confidence, a flag,
a comment. Reviewer fields are what the review project adds for the reviewer. Neither is a label of
the item, so agreement does not score them, final labels leave them out, a project spec cannot rename
their choices, and the ML backend does not predict them.
"""

from __future__ import annotations

CONFIDENCE = "confidence"
FLAG = "flag"
COMMENT = "comment"
QUALITY_FIELDS = frozenset({CONFIDENCE, FLAG, COMMENT})

# The annotator's own confidence, most sure first.
CONFIDENCE_VALUES = ("definitely", "probably", "might be")
LOW_CONFIDENCE = CONFIDENCE_VALUES[-1]

AMBIGUOUS = "ambiguous"
OUT_OF_SCOPE = "out of scope"
FLAG_VALUES = (AMBIGUOUS, OUT_OF_SCOPE)
# A task any annotator flagged with one of these is left out of training.
EXCLUDING_FLAGS = frozenset(FLAG_VALUES)

# The reviewer's fields in a review project (label_configs/review.xml).
REVIEW_DECISION = "review_decision"
REVIEW_REASON = "review_reason"
EDGE_CASE_LOG = "edge_case_log"
REVIEWER_FIELDS = frozenset({REVIEW_DECISION, REVIEW_REASON, EDGE_CASE_LOG})

# Controls that are never a label of the item.
NOT_LABELS = QUALITY_FIELDS | REVIEWER_FIELDS
# What the ML backend does not predict unless told otherwise (its SKIP_CONTROLS default).
BACKEND_SKIPS = (CONFIDENCE, FLAG, COMMENT)
