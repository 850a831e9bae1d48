"""Keeping secrets out of the backend's log: a filter on every handler, and a redacted view of request bodies.

Masked wherever they appear in a log line (message, arguments and traceback): the configured secrets
(LABEL_STUDIO_API_KEY, BASIC_AUTH_PASS), `Token`/`Bearer`/`Basic` credentials, JSON or form fields
named like a secret (`access_token`, `password`, `api_key`, ...), JWTs, and the password in a URL
(`http://user:secret@host`), and the signing parameters of presigned storage URLs.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import Any

MASK = "<redacted>"
SECRET_KEYS = re.compile(r"(access[-_]?token|refresh|token|api[-_]?key|password|passwd|secret|authorization|"
                         r"basic_auth_pass|cookie)", re.IGNORECASE)
_PATTERNS = [
    re.compile(r"\b(Token|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}"),  # as in an Authorization header
    re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),  # JWTs
    re.compile(r"(?i)([\"']?(?:access[-_]?token|refresh|api[-_]?key|password|passwd|secret|token|cookie)[\"']?"
               r"\s*[:=]\s*)"
               r"(\"[^\"]*\"|'[^']*'|[^\s,&}]+)"),
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@"),  # scheme://user:PASSWORD@
    # presigned URLs (S3, GCS, Azure SAS): the query is the credential
    re.compile(r"(?i)([?&](?:X-Amz-[A-Za-z-]+|X-Goog-[A-Za-z-]+|AWSAccessKeyId|Signature|Expires|sig|se|sp|sv|"
               r"GoogleAccessId)=)[^&\s\"']+"),
]
MAX_BODY_CHARS = 4000
# bodies above this are not parsed for the DEBUG log (a 30 MB task would cost seconds and a copy of it)
MAX_PARSED_BODY_BYTES = 256_000


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret-looking part replaced by <redacted>."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _PATTERNS[1].sub(MASK, text)
    text = _PATTERNS[2].sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _PATTERNS[3].sub(lambda m: f"{m.group(1)}{MASK}@", text)
    return _PATTERNS[4].sub(lambda m: f"{m.group(1)}{MASK}", text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (MASK if isinstance(k, str) and SECRET_KEYS.search(k) and v not in (None, "") else
                    _redact_value(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    return value


def redacted_body(raw: bytes, secrets: Iterable[str] = ()) -> str:
    """A request body for the DEBUG log: JSON with secret-named fields masked, at most MAX_BODY_CHARS.

    A body above MAX_PARSED_BODY_BYTES is shown by its size only: cut short, a secret-named field could
    not be told from its neighbours.
    """
    if len(raw) > MAX_PARSED_BODY_BYTES:
        return f"<{len(raw)} bytes, not shown>"
    try:
        text = json.dumps(_redact_value(json.loads(raw)), ensure_ascii=False)
    except (ValueError, RecursionError):
        text = raw[: MAX_BODY_CHARS * 2].decode("utf-8", "replace")
    text = redact_text(text, secrets)
    return text if len(text) <= MAX_BODY_CHARS else f"{text[:MAX_BODY_CHARS]}... ({len(text)} chars)"


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback) with the secrets masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler
            return True
        clean = redact_text(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info), self.secrets)
        return True


def install_redaction(secrets: Iterable[str] = (), loggers: Iterable[str] = ("", "gunicorn.error",
                                                                             "gunicorn.access")) -> None:
    """Put one RedactingFilter on every handler of these loggers (idempotent: an earlier one is replaced)."""
    flt = RedactingFilter(secrets)
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
                handler.removeFilter(old)
            handler.addFilter(flt)
