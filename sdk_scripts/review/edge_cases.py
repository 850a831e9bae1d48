"""`labelops edge-cases PROJECT --out DIR`: the edge-case log as JSON and a browsable static page.

Every submitted review with "add to edge-case log" ticked becomes one entry: the item (its text, or
a thumbnail of its image), each annotator's competing label, the reviewer's decision and reasoning.
DIR/edge_cases.json holds the entries; DIR/index.html shows them (self-contained: thumbnails are
embedded, so the page opens anywhere), each linked to its source task and its review task in Label
Studio, under a line saying when the page was made and from which projects. Re-running rewrites both
from the current reviews.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from label_studio_sdk.label_interface import LabelInterface

from sdk_scripts.fileio import write_text_atomically
from sdk_scripts.labelstudio.links import task_link
from sdk_scripts.labelstudio.media import open_image
from sdk_scripts.review.annotations import interpretations
from sdk_scripts.review.final_labels import summarize
from sdk_scripts.review.project_state import ProjectState

THUMBNAIL_SIZE = (240, 240)


def edge_case_entries(state: ProjectState) -> list[dict]:
    """The log's entries (pure, from a loaded project state), in source-task order."""
    tasks = {t["id"]: t for t in state.tasks}
    review_projects = {t["id"]: t.get("project") for t in state.review_tasks}  # a review tier's own project
    objects = [(o.tag, o.value_name) for o in LabelInterface(state.source["label_config"]).objects if o.value_name]
    entries = []
    for source_task, review in sorted(state.reviews.items()):
        if not review.edge_case:
            continue
        task = tasks[source_task]
        entries.append({
            "task": source_task,
            "review_task": review.review_task,
            "review_project": review_projects.get(review.review_task),
            "items": [{"kind": tag.lower(), "field": key, "value": task["data"].get(key)} for tag, key in objects],
            "competing": [
                {"annotator": state.emails.get(a.get("completed_by"), a.get("completed_by")),
                 "label": summarize(a.get("result") or [])}
                for a in interpretations(task)
            ],
            "decision": review.decision,
            "final": summarize(review.result) if review.result else None,
            "reason": review.reason,
            "reviewer": state.emails.get(review.reviewer, review.reviewer),
            "why_reviewed": review.reasons_picked,
            "agreement": review.agreement,
            "reviewed_at": review.updated_at,
        })
    return entries


def thumbnail_data_uri(raw: bytes) -> str | None:
    """A small JPEG of an image as a data: URI, or None if the bytes are not an image."""
    from PIL import UnidentifiedImageError

    try:
        with open_image(io.BytesIO(raw)) as image:
            image.thumbnail(THUMBNAIL_SIZE)
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="JPEG", quality=80)
    except (UnidentifiedImageError, OSError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def _item_html(item: dict, fetch: Callable[[str], bytes | None]) -> str:
    value = item["value"]
    if item["kind"] == "image" and isinstance(value, str):
        raw = fetch(value)
        uri = thumbnail_data_uri(raw) if raw else None
        if uri:
            return f'<img class="thumb" alt="{html.escape(value)}" src="{uri}">'
        return f'<p class="missing">image not available: {html.escape(value)}</p>'
    if item["kind"] in ("text", "hypertext", "paragraphs"):
        return f'<blockquote>{html.escape(str(value))}</blockquote>'
    return f'<p>{html.escape(item["field"])}: {html.escape(str(value))}</p>'


def render_html(project_title: str, entries: list[dict], fetch: Callable[[str], bytes | None], *,
                source_id: int | None = None, review_project_id: int | None = None,
                label_studio_url: str | None = None, made_at: str | None = None) -> str:
    """The page; with `label_studio_url` each task links to `<url>/projects/<id>/data?task=<id>`."""
    def source_link(task_id: int) -> str:
        return task_link(label_studio_url, source_id, task_id) if source_id is not None else f"task {task_id}"

    def review_link(entry: dict) -> str:  # in its own review project (a review tier's), else `review_project_id`
        task_id, project_id = entry["review_task"], entry.get("review_project")
        project_id = project_id if isinstance(project_id, int) else review_project_id
        if project_id is None:
            return f"review task {task_id}"
        return task_link(label_studio_url, project_id, task_id, f"review task {task_id}")

    cards = []
    for entry in entries:
        competing = "".join(
            f"<li><span class=who>{html.escape(str(c['annotator']))}</span> {html.escape(c['label'])}</li>"
            for c in entry["competing"]
        )
        items = "".join(_item_html(item, fetch) for item in entry["items"])
        final = f"<p><b>Final label:</b> {html.escape(entry['final'])}</p>" if entry["final"] else ""
        cards.append(f"""<article id="task-{entry['task']}">
<h2>Task {entry['task']} <span class=links>({source_link(entry['task'])} · {review_link(entry)} in \
Label Studio)</span></h2>
{items}
<h3>Competing labels</h3><ul>{competing}</ul>
<p class="decision"><b>Decision:</b> {html.escape(str(entry['decision']))}</p>
{final}<p class="reason"><b>Reasoning:</b> {html.escape(entry['reason'])}</p>
<p class="meta">Reviewed by {html.escape(str(entry['reviewer']))} on {html.escape(str(entry['reviewed_at']))} · \
why reviewed: {html.escape('; '.join(entry['why_reviewed']))}</p>
</article>""")
    body = "\n".join(cards) or "<p>No edge cases logged yet.</p>"
    made_at = made_at or datetime.now(UTC).isoformat(timespec="seconds")
    where = (f" of project {source_id}" + (f" and review project {review_project_id}" if review_project_id else "")
             + (f" on Label Studio at {label_studio_url}" if label_studio_url else "")) if source_id else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Edge cases - {html.escape(project_title)}</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.4; }}
article {{ border: 1px solid #ddd; border-radius: 6px; padding: 1em; margin: 1em 0; }}
blockquote {{ background: #f6f6f6; margin: 0; padding: .6em 1em; }}
.thumb {{ max-width: 240px; border: 1px solid #ccc; }}
.who {{ color: #555; font-weight: bold; margin-right: .5em; }}
.meta, .links, #provenance {{ color: #666; font-size: .9em; font-weight: normal; }}
</style></head>
<body><h1>Edge-case log: {html.escape(project_title)}</h1>
<p id="provenance">Made {html.escape(made_at)} from the submitted reviews{html.escape(where)}, read live at that \
moment.</p>
<p>{len(entries)} logged edge case(s).</p>
{body}
</body></html>
"""


def write_edge_cases(state: ProjectState, out_dir: Path, fetch: Callable[[str], bytes | None], *,
                     label_studio_url: str | None = None) -> list[dict]:
    entries = edge_case_entries(state)
    write_text_atomically(out_dir / "edge_cases.json", json.dumps(entries, indent=2, ensure_ascii=False) + "\n")
    page = render_html(state.source["title"], entries, fetch, source_id=state.source["id"],
                       review_project_id=(state.review_project or {}).get("id"), label_studio_url=label_studio_url)
    write_text_atomically(out_dir / "index.html", page)
    return entries
