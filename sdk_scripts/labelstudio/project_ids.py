"""Label Studio's project uid: the "<id>.<created>" string it sends ML backends, and its parts.

Label Studio 1.23 sends a backend `project` as `<id>.<int(created_at.timestamp())>`; project ids
restart at 1 on a new database, so the creation time tells two projects with one id apart. Pure.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def project_uid_parts(value: Any) -> tuple[str | None, int | None]:
    """(id, creation time) from Label Studio's `project` ("12.1700000000"), "12", 12 or a project dict."""
    if isinstance(value, dict):
        return project_id_from(value), created_from(value.get("created_at"))
    project_id = project_id_from(value)
    if project_id is None or isinstance(value, int):
        return project_id, None
    tail = str(value).split(".", 1)[1].strip() if "." in str(value) else ""
    return project_id, int(tail) if tail.isascii() and tail.isdigit() and len(tail) <= 18 else None


def created_from(created_at: Any) -> int | None:
    """Label Studio's project uid time: int(created_at.timestamp()) from the API's ISO string."""
    if not isinstance(created_at, str) or not created_at:
        return None
    try:
        moment = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def project_uid(project: dict) -> str:
    """The "<id>.<created>" uid Label Studio sends backends for a project read from Label Studio's API."""
    created = created_from(project.get("created_at"))
    return f"{project['id']}.{created}" if created is not None else str(project["id"])


def project_id_from(value: Any) -> str | None:
    """The project id from Label Studio's `project` field ("12.1700000000", "12", 12 or a dict)."""
    if isinstance(value, dict):
        value = value.get("id")
    if value is None or isinstance(value, bool):
        return None
    head = str(value).split(".", 1)[0].strip()
    return head if is_project_id(head) else None


def is_project_id(text: str) -> bool:
    """ASCII digits only ("²" is a digit to str.isdigit), at most 18 of them (a 64-bit database id), no leading 0."""
    return 0 < len(text) <= 18 and text.isascii() and text.isdigit() and (text == "0" or not text.startswith("0"))
