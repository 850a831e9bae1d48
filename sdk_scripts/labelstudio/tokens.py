"""Label Studio's two kinds of API token, and what to tell a user whose token was refused.

Label Studio 1.23 authenticates API calls with a personal access token (the default: a JWT refresh
token, exchanged at `/api/token/refresh/` for short-lived access tokens sent as `Bearer`) or, where an
admin turned them on, a legacy token (`Authorization: Token <key>`). label-studio-sdk picks the header
from the token itself; this module names the kind for messages. Pure: nothing here does I/O.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urlsplit, urlunsplit

PERSONAL = "personal access token"
ACCESS = "access token"
LEGACY = "legacy token"


def _jwt_claims(token: str) -> dict | None:
    """The (unverified) claims of a JWT, or None when `token` is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def token_kind(token: str) -> str:
    """PERSONAL (a JWT refresh token), ACCESS (a JWT access token) or LEGACY (anything else)."""
    claims = _jwt_claims(token)
    if claims is None:
        return LEGACY
    return ACCESS if claims.get("token_type") == "access" else PERSONAL


def explain_refused_token(kind: str, detail: str) -> str:
    """Why Label Studio may have refused a token of this kind (401), and what to do, in one sentence."""
    detail = detail.strip().rstrip(".")
    said = f"Label Studio said: {detail}; " if detail else ""
    if kind == LEGACY:
        if "legacy token authentication has been disabled" in detail:
            return (f"{said}LABEL_STUDIO_API_KEY is a legacy token and this organization has legacy tokens off "
                    "(Label Studio's default): create a personal access token (Account & Settings > Personal "
                    "Access Token) and use it instead, or have an admin turn legacy tokens on")
        return (f"{said}LABEL_STUDIO_API_KEY is a legacy token Label Studio does not know (another server's, "
                "or reset): copy it again from Account & Settings, or use a personal access token")
    if kind == ACCESS:
        return (f"{said}LABEL_STUDIO_API_KEY is a short-lived access token, not a personal access token: "
                "give the personal access token from Account & Settings (labelops renews access tokens itself)")
    return (f"{said}LABEL_STUDIO_API_KEY is a personal access token Label Studio refused (revoked, expired, or "
            "made on another server): create a new one in Account & Settings > Personal Access Token")


def redact_url(url: str) -> str:
    """`url` without a password or user name in it (`http://user:secret@host` -> `http://***@host`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<malformed URL>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))
