"""Finding personal data in text with presidio-analyzer's pattern recognizers (no NLP model needed).

Entity types and how each is found (checksums where the format has one):
EMAIL (presidio EmailRecognizer), PHONE (PhoneRecognizer, libphonenumber), CREDIT_CARD
(CreditCardRecognizer, Luhn checksum), IBAN (IbanRecognizer, ISO 13616 mod-97 checksum),
IP_ADDRESS (IpRecognizer), ID_NUMBER (UsSsnRecognizer, NhsRecognizer with its mod-11 checksum),
URL_PERSONAL (UrlRecognizer, kept only when the path names a person: /user/, /users/, /u/,
/profile/, /people/, /members/, /~name), DATE_OF_BIRTH (DateRecognizer, kept only with a birth cue
such as "born", "DOB", "date of birth" just before the date), PERSON (only with a spaCy NER model the
user supplies by path; nothing is downloaded). Overlapping findings keep the longest, then the
highest scoring. tldextract, which presidio uses for e-mail and URL checks, is kept offline (its
bundled public-suffix snapshot).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sdk_scripts.errors import LabelopsError

PATTERN_TYPES = ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "IP_ADDRESS", "ID_NUMBER", "URL_PERSONAL",
                 "DATE_OF_BIRTH")
_PRESIDIO_TO_OURS = {"EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CREDIT_CARD",
                     "IBAN_CODE": "IBAN", "IP_ADDRESS": "IP_ADDRESS", "US_SSN": "ID_NUMBER", "UK_NHS": "ID_NUMBER",
                     "URL": "URL_PERSONAL", "DATE_TIME": "DATE_OF_BIRTH", "PERSON": "PERSON"}
_PERSONAL_PATH = re.compile(r"/(~[^/\s]+|(users?|u|profiles?|people|members?)/[^/\s?#]+)", re.IGNORECASE)
_BIRTH_CUE = re.compile(r"\b(born|birth|dob|d\.o\.b\.?|birthday)\b[^\d.\n]{0,15}$", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    entity: str
    start: int
    end: int
    score: float


@lru_cache(maxsize=1)
def _recognizers() -> tuple:
    import tldextract.tldextract as tld

    tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=(), cache_dir=None)  # bundled snapshot, no download
    from presidio_analyzer import Pattern, PatternRecognizer
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        DateRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        NhsRecognizer,
        PhoneRecognizer,
        UrlRecognizer,
        UsSsnRecognizer,
    )

    # Presidio's card patterns stop at 17 digits and at card prefixes it knows; cards run 12-19
    # digits (ISO/IEC 7812). Any such digit run is a candidate and presidio's Luhn check decides.
    all_cards = CreditCardRecognizer(patterns=[Pattern("12-19 digits", r"\b(?:\d[ -]?){11,18}\d\b", 0.3)])
    # Any http(s) URL is a candidate; only those with a personal path are kept (see find_pii).
    any_url = PatternRecognizer(supported_entity="URL", patterns=[Pattern("http url", r"https?://[^\s<>\"']+", 0.5)])
    # Written-out dates ("April 23, 1986", "23 April 1986"), which presidio's date patterns miss.
    month = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
    written_dates = PatternRecognizer(supported_entity="DATE_TIME", patterns=[
        Pattern("month day year", rf"(?i)\b{month}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", 0.6),
        Pattern("day month year", rf"(?i)\b\d{{1,2}}(?:st|nd|rd|th)?\s+{month}\s+\d{{4}}\b", 0.6),
    ])
    return (EmailRecognizer(), PhoneRecognizer(supported_regions=("US", "GB", "DE", "FR", "IN", "CA", "BR", "IL")),
            CreditCardRecognizer(), all_cards, IbanRecognizer(), IpRecognizer(), UsSsnRecognizer(), NhsRecognizer(),
            UrlRecognizer(), any_url, DateRecognizer(), written_dates)


@lru_cache(maxsize=2)
def _ner_analyzer(model_path: str):
    # presidio would try to download a model it cannot find by name: only a local model directory is used
    if not (Path(model_path).expanduser() / "config.cfg").is_file():
        raise LabelopsError(f"--ner-model {model_path}: not a spaCy model directory (no config.cfg in it); "
                            "labelops never downloads models")
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model_path}])
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])


def find_pii(text: str, ner_model: str | None = None, min_score: float = 0.3) -> list[Finding]:
    """Non-overlapping findings in text order."""
    found: list[Finding] = []
    for recognizer in _recognizers():
        for result in recognizer.analyze(text, recognizer.supported_entities, None) or []:
            entity = _PRESIDIO_TO_OURS.get(result.entity_type)
            if entity is None or result.score < min_score:
                continue
            span = text[result.start:result.end]
            if entity == "URL_PERSONAL" and not _PERSONAL_PATH.search(span):
                continue
            if entity == "DATE_OF_BIRTH" and not _BIRTH_CUE.search(text[max(0, result.start - 40):result.start]):
                continue
            found.append(Finding(entity, result.start, result.end, float(result.score)))
    if ner_model:
        for result in _ner_analyzer(ner_model).analyze(text, entities=["PERSON"], language="en"):
            found.append(Finding("PERSON", result.start, result.end, float(result.score)))
    return _resolve_overlaps(found)


def _resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (-(f.end - f.start), -f.score, f.start)):
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)
