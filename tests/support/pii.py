"""Personal data the tests generate: a corpus of sentences that each carry one value, and the mapping secret."""

from __future__ import annotations

import random

import phonenumbers
from faker import Faker

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
