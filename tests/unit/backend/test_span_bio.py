"""BIO tags from Label Studio spans over the tokenizer's words, and Viterbi decoding back to spans (pure)."""

from __future__ import annotations

import numpy as np

from ml_backend.span_bio import TaggedSpan, bio_tags, decode, transitions, viterbi

TEXT = "Maria Lopez joined Acme Corp. in Porto."
# the words BERT's pre-tokenizer makes of TEXT (whitespace, then punctuation on its own)
WORDS = [(0, 5), (6, 11), (12, 18), (19, 23), (24, 28), (28, 29), (30, 32), (33, 38), (38, 39)]


def test_words_slice_the_text_as_the_tokenizer_splits_it() -> None:
    assert [TEXT[s:e] for s, e in WORDS] == ["Maria", "Lopez", "joined", "Acme", "Corp", ".", "in", "Porto", "."]


def test_spans_become_b_then_i_tags_per_word() -> None:
    spans = [(0, 11, "PERSON"), (19, 28, "ORG"), (33, 38, "LOC")]
    assert bio_tags(WORDS, spans) == ["B-PERSON", "I-PERSON", "O", "B-ORG", "I-ORG", "O", "O", "B-LOC", "O"]


def test_a_span_covering_part_of_a_word_tags_that_word_and_overlaps_go_to_the_first_span() -> None:
    # an annotator's "Corp." (with the full stop) and "ria Lo" (inside words) still tag whole words
    assert bio_tags(WORDS, [(19, 29, "ORG"), (2, 8, "PERSON")])[:6] == [
        "B-PERSON", "I-PERSON", "O", "B-ORG", "I-ORG", "I-ORG"]
    # "Acme Corp" as ORG and "Corp. in Porto" as LOC: ORG starts first and keeps "Corp"; LOC begins at "."
    assert bio_tags(WORDS, [(24, 38, "LOC"), (19, 28, "ORG")])[3:8] == ["B-ORG", "I-ORG", "B-LOC", "I-LOC", "I-LOC"]
    assert bio_tags(WORDS, []) == ["O"] * len(WORDS) and bio_tags([], [(0, 3, "X")]) == []


def test_decode_reads_entities_back_with_offsets_and_the_lowest_word_score() -> None:
    tags = ["B-PERSON", "I-PERSON", "O", "B-ORG", "I-ORG", "O", "O", "B-LOC", "O"]
    found = decode(WORDS, tags, [0.9, 0.7, 1, 0.8, 0.6, 1, 1, 0.95, 1])
    assert found == [TaggedSpan(0, 11, "PERSON", 0, 2, 0.7), TaggedSpan(19, 28, "ORG", 3, 5, 0.6),
                     TaggedSpan(33, 38, "LOC", 7, 8, 0.95)]
    assert [TEXT[s.start:s.end] for s in found] == ["Maria Lopez", "Acme Corp", "Porto"]


def test_decode_follows_conlleval_for_stray_inside_tags() -> None:
    # an I- after O or after another type starts an entity; B- after B- of the same type starts a second one
    tags = ["I-PERSON", "I-PERSON", "O", "I-ORG", "I-LOC", "O", "O", "B-LOC", "B-LOC"]
    assert [(s.first, s.stop, s.label) for s in decode(WORDS, tags)] == [
        (0, 2, "PERSON"), (3, 4, "ORG"), (4, 5, "LOC"), (7, 8, "LOC"), (8, 9, "LOC")]


def test_transitions_allow_inside_only_after_its_own_type() -> None:
    classes = ["B-ORG", "B-PER", "I-ORG", "I-PER", "O"]
    start, follows = transitions(classes)
    assert start.tolist() == [True, True, False, False, True]
    assert follows[:, 2].tolist() == [True, False, True, False, False]  # -> I-ORG from B-ORG, I-ORG only
    assert follows[:, 0].all() and follows[:, 4].all()


def test_viterbi_repairs_what_a_per_word_argmax_breaks() -> None:
    classes = ["B-ORG", "B-PER", "I-ORG", "I-PER", "O"]
    probs = np.array([[0.10, 0.60, 0.05, 0.05, 0.20],   # argmax B-PER
                      [0.05, 0.05, 0.50, 0.35, 0.05],   # argmax I-ORG: invalid after B-PER
                      [0.02, 0.02, 0.02, 0.04, 0.90]])
    assert [classes[i] for i in probs.argmax(axis=1)] == ["B-PER", "I-ORG", "O"]
    # best valid paths: B-PER I-PER O (0.6 * 0.35 = 0.21) beats B-ORG I-ORG O (0.1 * 0.5 = 0.05)
    assert [classes[i] for i in viterbi(probs, classes)] == ["B-PER", "I-PER", "O"]
    # a sentence cannot start inside an entity
    assert [classes[i] for i in viterbi(np.array([[0.1, 0.1, 0.7, 0.0, 0.1]]), classes)] == ["B-ORG"]
    assert viterbi(np.zeros((0, 5)), classes) == []
