"""Generated entity sentences for the span tagger's tests: people, organisations and places the pattern
recognizers cannot find, with some e-mail addresses and phone numbers they can, and the exact spans.

Names come from fixed lists split in two: training sentences use the first part, held-out sentences the
second, so a held-out score measures names the tagger never saw.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

FIRST = ["Maria", "James", "Aisha", "Kenji", "Olga", "Pedro", "Fatima", "Liam", "Chen", "Ingrid", "Tomasz",
         "Amara", "Noah", "Priya", "Lars", "Sofia", "Mateo", "Yuki", "Hannah", "Omar", "Elena", "Dmitri", "Grace",
         "Rafael", "Zara", "Felix", "Leila", "Hugo", "Nadia", "Viktor"]
LAST = ["Lopez", "Okafor", "Tanaka", "Novak", "Schmidt", "Haddad", "Kowalski", "Fischer", "Moreau", "Silva",
        "Andersen", "Rossi", "Nakamura", "Petrov", "Mendes", "Kaur", "Byrne", "Dubois", "Varga", "Jensen"]
ORGS = ["Acme Corp", "Globex", "Initech", "Umbrella Labs", "Stark Industries", "Wayne Enterprises", "Hooli",
        "Vandelay Imports", "Cyberdyne Systems", "Soylent Foods", "Tyrell Group", "Massive Dynamic",
        "Aperture Science", "Oscorp", "Gringotts Bank", "Monarch Solutions", "Nakatomi Trading", "Pied Piper",
        "Dunder Mifflin", "Bluth Company"]
LOCS = ["Lisbon", "Nairobi", "Osaka", "Krakow", "Toronto", "Marseille", "Bergen", "Porto", "Lyon", "Valencia",
        "Gdansk", "Mombasa", "Sapporo", "Hamburg", "Seville", "Calgary", "Tampere", "Bologna", "Antwerp", "Cork"]
TEMPLATES = [
    "{PERSON} joined {ORG} last spring.",
    "{PERSON} moved from {LOC} to {LOC} in March.",
    "{ORG} opened a new office in {LOC}.",
    "Yesterday {PERSON} met {PERSON} at the {ORG} booth.",
    "The contract with {ORG} was signed by {PERSON}.",
    "{PERSON} lives near the harbour in {LOC}.",
    "Shares of {ORG} fell after the report from {LOC}.",
    "Please ask {PERSON} about the invoice from {ORG}.",
    "Our team in {LOC} hired {PERSON} as a designer.",
    "{PERSON} wrote to {PERSON} about the delay.",
    "The flight to {LOC} was delayed for three hours.",
    "{ORG} and {ORG} announced a merger on Monday.",
    "According to {PERSON}, the shipment left {LOC} on time.",
    "We will visit {ORG} headquarters next week.",
    "The weather was cold and nobody went outside.",
    "Call {PERSON} at {PHONE} before noon.",
    "Send the draft to {EMAIL} and copy {PERSON}.",
]
# the labels of text_ner.xml each placeholder stands for
LABEL = {"PERSON": "PERSON", "ORG": "ORG", "LOC": "LOC", "EMAIL": "EMAIL", "PHONE": "PHONE"}


@dataclass(frozen=True)
class Sentence:
    text: str
    spans: tuple[tuple[int, int, str], ...]  # (start, end, label)


def _part(names: list[str], held_out: bool) -> list[str]:
    cut = len(names) * 2 // 3
    return names[cut:] if held_out else names[:cut]


def _value(kind: str, rng: random.Random, held_out: bool) -> str:
    first, last = rng.choice(_part(FIRST, held_out)), rng.choice(_part(LAST, held_out))
    if kind == "PERSON":
        return f"{first} {last}"
    if kind == "ORG":
        return rng.choice(_part(ORGS, held_out))
    if kind == "LOC":
        return rng.choice(_part(LOCS, held_out))
    if kind == "EMAIL":
        return f"{first.lower()}.{last.lower()}@example.com"
    return f"+44 20 7946 {rng.randint(1000, 9999)}"


def sentence(template: str, rng: random.Random, held_out: bool = False) -> Sentence:
    """`template` with each placeholder filled, and the filled spans."""
    text, spans, at = "", [], 0
    for m in re.finditer(r"\{(\w+)\}", template):
        text += template[at:m.start()]
        value = _value(m.group(1), rng, held_out)
        spans.append((len(text), len(text) + len(value), LABEL[m.group(1)]))
        text += value
        at = m.end()
    return Sentence(text + template[at:], tuple(spans))


def sentences(count: int, seed: int, held_out: bool = False) -> list[Sentence]:
    """`count` distinct sentences (templates in turn, names drawn with `seed`; a repeat is drawn again)."""
    rng = random.Random(seed)
    out: dict[str, Sentence] = {}
    turn = 0
    while len(out) < count:
        made = sentence(TEMPLATES[turn % len(TEMPLATES)], rng, held_out)
        out.setdefault(made.text, made)
        turn += 1
    return list(out.values())


def ls_result(item: Sentence, from_name: str = "label", to_name: str = "text") -> list[dict]:
    """The sentence's spans as a Label Studio annotation result."""
    return [{"from_name": from_name, "to_name": to_name, "type": "labels",
             "value": {"start": s, "end": e, "text": item.text[s:e], "labels": [label]}}
            for s, e, label in item.spans]
