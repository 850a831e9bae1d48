"""Stable, keyed pseudonyms for personal data, and the local mapping that can reverse them.

Each distinct value of an entity type gets one token per project (`<EMAIL_3>`: the third e-mail
address this project has seen), so the same person reads the same everywhere. Values are looked up
by HMAC-SHA256 under the project's secret, so the mapping file reveals nothing without it, and each
original value is kept encrypted (Fernet, key derived from the secret) so whoever holds the secret
can reverse a token. The mapping file is created with mode 600 and never leaves the machine; only
pseudonymised text is sent to Label Studio.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections import Counter
from pathlib import Path

from cryptography.fernet import Fernet

from sdk_scripts.errors import LabelopsError
from sdk_scripts.pii.detect import find_pii

SECRET_ENV = "LABELOPS_PII_SECRET"


class Pseudonymiser:
    def __init__(self, secret: str, mapping_path: Path, ner_model: str | None = None) -> None:
        if len(secret) < 16:
            raise LabelopsError(f"the pseudonymisation secret must have at least 16 characters (set {SECRET_ENV})")
        self.key = hashlib.sha256(b"labelops-pii-hmac:" + secret.encode()).digest()
        fernet_key = base64.urlsafe_b64encode(hashlib.sha256(b"labelops-pii-fernet:" + secret.encode()).digest())
        self.fernet = Fernet(fernet_key)
        self.path = Path(mapping_path)
        self.ner_model = ner_model
        self.counts: Counter = Counter()
        self.entries: dict[str, dict] = {}
        if self.path.exists():
            try:
                self.entries = json.loads(self.path.read_text())["entries"]
            except (ValueError, KeyError) as exc:
                raise LabelopsError(f"{self.path}: not a labelops pseudonym mapping ({exc})") from None

    def token(self, entity: str, value: str) -> str:
        digest = hmac.new(self.key, f"{entity}\0{value}".encode(), hashlib.sha256).hexdigest()
        entry = self.entries.get(digest)
        if entry is None:
            number = 1 + sum(1 for e in self.entries.values() if e["entity"] == entity)
            entry = {"entity": entity, "token": f"<{entity}_{number}>",
                     "value": self.fernet.encrypt(value.encode()).decode()}
            self.entries[digest] = entry
        return entry["token"]

    def reveal(self, token: str) -> str | None:
        for entry in self.entries.values():
            if entry["token"] == token:
                return self.fernet.decrypt(entry["value"].encode()).decode()
        return None

    def text(self, text: str) -> str:
        out, last = [], 0
        for finding in find_pii(text, self.ner_model):
            out.append(text[last:finding.start])
            out.append(self.token(finding.entity, text[finding.start:finding.end]))
            self.counts[finding.entity] += 1
            last = finding.end
        out.append(text[last:])
        return "".join(out)

    def data(self, data: dict, fields: set[str] | None = None) -> dict:
        """Task data with every string field (or the named ones) pseudonymised."""
        return {k: self.text(v) if isinstance(v, str) and (fields is None or k in fields) else v
                for k, v in data.items()}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"format": 1, "entries": self.entries}, fh)
        os.replace(tmp, self.path)


def secret_from_env() -> str:
    secret = os.environ.get(SECRET_ENV)
    if not secret:
        raise LabelopsError(f"--pseudonymise needs a secret: set {SECRET_ENV} (16+ characters; keep it safe: "
                            "it is the only way to reverse the pseudonyms)")
    return secret


def default_mapping_path(project_id: int) -> Path:
    base = Path(os.environ.get("LABELOPS_PII_DIR") or Path("~/.local/share/labelops/pii").expanduser())
    return base / f"project-{project_id}.json"
