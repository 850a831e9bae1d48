"""Which entity type of the pattern recognizers each label of a `Labels` tag stands for (pure, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

# entity type (sdk_scripts.pii.detect.PATTERN_TYPES) -> the label names that mean it, normalised
ALIASES: dict[str, frozenset[str]] = {
    "EMAIL": frozenset({"EMAIL", "E_MAIL", "EMAIL_ADDRESS", "MAIL"}),
    "PHONE": frozenset({"PHONE", "PHONE_NUMBER", "TELEPHONE", "TEL", "MOBILE"}),
    "CREDIT_CARD": frozenset({"CREDIT_CARD", "CARD", "CARD_NUMBER", "CREDIT_CARD_NUMBER"}),
    "IBAN": frozenset({"IBAN", "IBAN_CODE"}),
    "IP_ADDRESS": frozenset({"IP_ADDRESS", "IP"}),
    "ID_NUMBER": frozenset({"ID_NUMBER", "ID", "SSN", "US_SSN", "NHS", "UK_NHS", "NATIONAL_ID"}),
    "URL_PERSONAL": frozenset({"URL_PERSONAL", "PERSONAL_URL", "PROFILE_URL"}),
    "DATE_OF_BIRTH": frozenset({"DATE_OF_BIRTH", "DOB", "BIRTH_DATE", "BIRTHDATE", "BIRTHDAY"}),
}


def normalise(name: str) -> str:
    """`e-mail address` -> `E_MAIL_ADDRESS`: upper case, any run of other characters one underscore."""
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


def entity_of(name: str) -> str | None:
    """The entity type a label (or a `predicted_values` name) stands for, or None."""
    key = normalise(name)
    return next((entity for entity, names in ALIASES.items() if key in names), None)


def entity_map(labels: Sequence[str], predicted_values: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """entity type -> the config's label for it; a label's `predicted_values` replace its own name.

    The first label that claims an entity type keeps it; labels that stand for none are left out.
    """
    out: dict[str, str] = {}
    for label in labels:
        for name in predicted_values.get(label) or [label]:
            entity = entity_of(name)
            if entity is not None and entity not in out:
                out[entity] = label
    return out
