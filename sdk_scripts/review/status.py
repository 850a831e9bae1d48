"""`labelops status PROJECT`: one screen on where a multi-pass project stands (pure formatting)."""

from __future__ import annotations

from collections import Counter

from sdk_scripts.review.annotations import interpretations
from sdk_scripts.review.project_state import ProjectState


def status_lines(state: ProjectState, base_url: str) -> list[str]:
    source = state.source
    counts = state.counts()
    lines = [
        f"project {source['id']} {source['title']!r}  {base_url}/projects/{source['id']}/data",
        f"tasks        {len(state.tasks)}: " + ", ".join(f"{n} {s}" for s, n in counts.items()),
    ]
    per_annotator = Counter(a.get("completed_by") for t in state.tasks for a in interpretations(t))
    if per_annotator:
        width = max(len(str(state.emails.get(u, u))) for u in per_annotator)
        lines.append("annotations  per annotator:")
        for user, n in sorted(per_annotator.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            lines.append(f"  {str(state.emails.get(user, user)):<{width}}  {n}")
    else:
        lines.append("annotations  none yet")
    if not state.review_projects:
        lines.append("reviews      no review project yet (labelops review push)")
    else:
        projects = state.review_projects  # the default one, then the review tiers'
        named = [f"{p['id']} {p['title']!r}" for p in projects]
        where = f"project {named[0]}" if len(named) == 1 else f"{len(named)} projects ({', '.join(named)})"
        lines.append(
            f"reviews      {where}: {len(state.review_tasks)} review tasks, "
            f"{len(state.reviews)} decided, {len(state.open_reviews)} open"
            + (f", {len(state.orphaned)} orphaned" if state.orphaned else "")
        )
    scored = [s for s in state.scores.values() if s is not None]
    if scored:
        lines.append(f"agreement    mean per-task {sum(scored) / len(scored):.3f} over {len(scored)} tasks "
                     f"(lowest {min(scored):.3f})")
    else:
        lines.append("agreement    not measurable yet (no task has two annotations)")
    return lines
