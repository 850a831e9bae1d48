"""Personal data: detection recall on a generated corpus, stable keyed pseudonyms (no server)."""

from __future__ import annotations

import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.pii.detect import PATTERN_TYPES, find_pii
from sdk_scripts.pii.pseudonymise import Pseudonymiser
from tests.support.pii import SECRET, corpus


def test_recall_per_entity_type_on_a_generated_corpus() -> None:
    hits: dict[str, list[bool]] = {entity: [] for entity in PATTERN_TYPES}
    for entity, value, sentence in corpus():
        start = sentence.index(value)
        covered = any(f.entity == entity and f.start <= start and f.end >= start + len(value)
                      for f in find_pii(sentence))
        hits[entity].append(covered)
    recall = {entity: sum(found) / len(found) for entity, found in hits.items()}
    assert all(r >= 0.98 for r in recall.values()), recall


def test_no_false_alarms_on_plain_text() -> None:
    plain = ["The meeting on 2024-05-01 moved to room 204.", "Version 3.2.1 ships on Friday.",
             "See https://example.com/about for the press kit.", "We sold 1500 units in 12 days."]
    assert [find_pii(text) for text in plain] == [[], [], [], []]


def test_pseudonyms_are_stable_keyed_and_reversible(tmp_path) -> None:
    mapping = tmp_path / "map.json"
    first = Pseudonymiser(SECRET, mapping)
    text = "Mail ada@example.org or bob@example.org; ada@example.org again."
    out = first.text(text)
    assert out == "Mail <EMAIL_1> or <EMAIL_2>; <EMAIL_1> again."
    first.save()
    assert mapping.stat().st_mode & 0o077 == 0
    raw = mapping.read_text()
    assert "ada@example.org" not in raw and "example.org" not in raw
    again = Pseudonymiser(SECRET, mapping)
    assert again.text("write to bob@example.org") == "write to <EMAIL_2>"
    assert again.reveal("<EMAIL_1>") == "ada@example.org"
    other = Pseudonymiser("another-secret-0123456789", mapping)
    with pytest.raises(Exception):  # noqa: B017 - the wrong secret cannot decrypt the originals
        other.reveal("<EMAIL_1>")
    with pytest.raises(LabelopsError, match="at least 16 characters"):
        Pseudonymiser("short", mapping)
