"""Personal data: detection recall on a generated corpus, stable keyed pseudonyms, nothing leaks into Label Studio."""

from __future__ import annotations

import json
import random

import phonenumbers
import pytest
from faker import Faker

from sdk_scripts.errors import LabelopsError
from sdk_scripts.label_config_library import read_config
from sdk_scripts.pii.detect import PATTERN_TYPES, find_pii
from sdk_scripts.pii.pseudonymise import Pseudonymiser
from tests.support.labelstudio import unique_title

SECRET = "test-secret-0123456789abcdef"


def valid_phone(fake: Faker, rnd: random.Random) -> str:
    """A phone number libphonenumber calls valid, in one of the usual written formats."""
    formats = [phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.NATIONAL,
               phonenumbers.PhoneNumberFormat.E164]
    while True:
        region = rnd.choice(["US", "GB", "DE", "FR", "IN"])
        example = str(phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE).national_number)
        number = phonenumbers.parse(example[:-4] + fake.numerify("####"), region)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, rnd.choice(formats))


def nhs_number(rnd: random.Random) -> str:
    """A valid NHS number (mod-11 check digit)."""
    while True:
        digits = [rnd.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            s = "".join(map(str, digits + [check]))
            return f"{s[:3]} {s[3:6]} {s[6:]}"


def corpus(n_per_type: int = 100, seed: int = 3) -> list[tuple[str, str, str]]:
    """(entity type, value, sentence) triples: each sentence carries one value in a natural context."""
    fake = Faker(["en_US", "en_GB", "de_DE"])
    Faker.seed(seed)
    rnd = random.Random(seed)
    generators = {
        "EMAIL": (lambda: fake.email(), ["Write to {} for details.", "My e-mail is {}", "cc: {}; thanks"]),
        "PHONE": (lambda: valid_phone(fake, rnd), ["Call me on {} after six.", "Tel. {}", "my number: {} (mobile)"]),
        "CREDIT_CARD": (lambda: fake.credit_card_number(), ["Card {} was charged twice.", "pay with {} please"]),
        "IBAN": (lambda: fake["en_GB"].iban() if rnd.random() < 0.5 else fake["de_DE"].iban(),
                 ["Transfer it to {} by Friday.", "IBAN: {}"]),
        "IP_ADDRESS": (lambda: fake.ipv4() if rnd.random() < 0.7 else fake.ipv6(),
                       ["Login from {} was blocked.", "server {} is down"]),
        "ID_NUMBER": (lambda: fake["en_US"].ssn() if rnd.random() < 0.5 else nhs_number(rnd),
                      ["SSN {} on file.", "my NHS number is {}", "ID {} attached"]),
        "URL_PERSONAL": (lambda: f"https://{fake.domain_name()}/{rnd.choice(['users', 'u', 'profile'])}/"
                                 f"{fake.user_name()}", ["See my page {} for photos.", "profile: {}"]),
        "DATE_OF_BIRTH": (lambda: fake.date_of_birth().strftime(rnd.choice(["%d/%m/%Y", "%Y-%m-%d", "%B %d, %Y"])),
                          ["I was born on {}.", "DOB: {}", "date of birth {} (verified)"]),
    }
    out = []
    for entity, (make, templates) in generators.items():
        for _ in range(n_per_type):
            value = make()
            out.append((entity, value, rnd.choice(templates).format(value)))
    return out


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


@pytest.mark.label_studio
def test_import_pseudonymised_leaves_no_personal_data_in_label_studio(run_cli, ls_client, tmp_path,
                                                                      monkeypatch) -> None:
    rows = corpus(n_per_type=6, seed=11)
    tasks_file = tmp_path / "tickets.jsonl"
    tasks_file.write_text("".join(json.dumps({"text": sentence}) + "\n" for _, _, sentence in rows))
    project = ls_client.create_project(title=unique_title("PII"), label_config=read_config("text_sentiment"))
    mapping = tmp_path / "pii.json"

    monkeypatch.delenv("LABELOPS_PII_SECRET", raising=False)
    refused = run_cli("tasks", "import", project["id"], tasks_file, "--pseudonymise", "--pii-mapping", mapping)
    assert refused.code == 1 and "LABELOPS_PII_SECRET" in refused.err
    assert list(ls_client.iter_tasks(project["id"])) == []

    monkeypatch.setenv("LABELOPS_PII_SECRET", SECRET)
    result = run_cli("tasks", "import", project["id"], tasks_file, "--pseudonymise", "--pii-mapping", mapping)
    assert result.code == 0, result.err
    assert f"{len(rows)} imported" in result.out and "6 EMAIL" in result.out and "6 IBAN" in result.out
    stored = json.dumps([t["data"] for t in ls_client.iter_tasks(project["id"])])
    leaked = [value for _, value, _ in rows if value in stored]
    assert leaked == []
    assert "<EMAIL_1>" in stored and "<CREDIT_CARD_1>" in stored
    again = run_cli("tasks", "import", project["id"], tasks_file, "--pseudonymise", "--pii-mapping", mapping)
    assert f"{len(rows)} already present, 0 imported" in again.out

    scan = run_cli("pii", "scan", tasks_file)
    assert scan.code == 0 and f"{len(rows)} tasks, {len(rows)} with personal data" in scan.out
    assert rows[0][1] not in scan.out
