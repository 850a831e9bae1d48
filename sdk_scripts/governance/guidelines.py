"""Guideline versions, recorded on the Label Studio project itself (pure).

The project spec's Markdown guidelines are rendered into the project's instructions (what
annotators see) followed by a footer naming the version: the first 12 hex digits of the SHA-256
of the Markdown, plus the spec's optional `guidelines_tag`. The footer also lists the history of
versions with the time each took effect (as visible text: Label Studio's HTML sanitiser drops
comments and unknown attributes), so any annotation can be traced to the guideline version in
force when it was made (`version_at`).
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime

from markdown_it import MarkdownIt

_FOOTER = re.compile(r'<p class="labelops-guidelines-version">(.*?)</p>', re.DOTALL)
_ENTRY = re.compile(r"([0-9a-f]{12})(?: \[([^\]]*)\])? since (\S+?)(?=;|<|$)")


def guidelines_version(markdown: str) -> str:
    return hashlib.sha256(markdown.encode("utf-8")).hexdigest()[:12]


def read_history(instructions: str | None) -> list[dict]:
    """[{"version", "tag", "since"}, ...] oldest first, from a project's instructions."""
    footer = _FOOTER.search(instructions or "")
    if not footer:
        return []
    history_text = footer.group(1).split("history:", 1)[-1]
    return [{"version": version, "tag": html.unescape(tag) if tag else None, "since": since}
            for version, tag, since in _ENTRY.findall(history_text)]


def render_instructions(markdown: str, tag: str | None, previous_instructions: str | None,
                        now: datetime | None = None) -> str:
    """Instructions HTML for the project, with the version footer and the updated history."""
    version = guidelines_version(markdown)
    history = read_history(previous_instructions)
    if not history or history[-1]["version"] != version or history[-1].get("tag") != tag:
        since = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        history.append({"version": version, "tag": tag, "since": since})
    label = f"{html.escape(tag)} ({version})" if tag else version
    entries = "; ".join(
        f"{e['version']}{' [' + html.escape(e['tag']) + ']' if e.get('tag') else ''} since {e['since']}"
        for e in history)
    return (
        MarkdownIt().render(markdown)
        + '<hr><p class="labelops-guidelines-version">'
        + f"<small>Guidelines version {label}. history: {entries}</small></p>"
    )


def current(instructions: str | None) -> dict | None:
    history = read_history(instructions)
    return history[-1] if history else None


def version_at(history: list[dict], timestamp: str | None) -> str | None:
    """The guideline version in force at an ISO timestamp (None before the first or without one)."""
    if not timestamp:
        return None
    when = timestamp.replace("Z", "+00:00")
    active = None
    for entry in history:
        if entry["since"].replace("Z", "+00:00") <= when:
            active = entry["version"]
    return active
