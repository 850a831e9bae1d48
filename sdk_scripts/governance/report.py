"""`labelops report PROJECT --out report.html`: one self-contained quality page with plots.

Sections: progress and review states, agreement (overall, per label, per annotator, the
annotator x annotator matrix as a heatmap, agreement by week), label imbalance, annotator-bias
flags, guideline version. Plots are drawn with matplotlib (Agg, its bundled DejaVu font) and
embedded as PNG data URIs, so the page opens anywhere without network access.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return '<img alt="plot" src="data:image/png;base64,' + base64.b64encode(buffer.getvalue()).decode() + '">'


def _bar(labels: list[str], values: list[float], title: str, ylabel: str, highlight: list[bool] | None = None) -> str:
    fig, ax = plt.subplots(figsize=(max(4, 0.6 * len(labels) + 2), 3))
    colours = ["#d62728" if h else "#1f77b4" for h in (highlight or [False] * len(labels))]
    ax.bar(range(len(labels)), values, color=colours)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    return _png(fig)


def _heatmap(names: list[str], matrix: list[list[float | None]]) -> str:
    data = np.array([[np.nan if v is None else v for v in row] for row in matrix], float)
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 2.5, 1.0 * len(names) + 1.8))
    image = ax.imshow(data, vmin=0, vmax=1, cmap="viridis")
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            if not np.isnan(data[i, j]):
                ax.text(j, i, f"{data[i, j]:.2f}", ha="center", va="center", color="w" if data[i, j] < 0.6 else "k")
    fig.colorbar(image, ax=ax)
    ax.set_title("annotator x annotator agreement")
    return _png(fig)


def _weeks(weeks: list[dict]) -> str:
    fig, ax = plt.subplots(figsize=(6, 3))
    by_annotator: dict[str, list[tuple[str, float]]] = {}
    for row in weeks:
        by_annotator.setdefault(str(row["name"] or row["annotator"]), []).append((row["week"], row["agreement"]))
    all_weeks = sorted({w for rows in by_annotator.values() for w, _ in rows})
    for name, rows in by_annotator.items():
        points = dict(rows)
        ax.plot(range(len(all_weeks)), [points.get(w, np.nan) for w in all_weeks], marker="o", label=name)
    ax.set_xticks(range(len(all_weeks)), all_weeks)
    ax.set_ylim(0, 1.05)
    ax.set_title("agreement by week")
    ax.legend(fontsize=7)
    return _png(fig)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value))


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render_report(title: str, states: dict[str, int], agreement: dict, matrix: dict, imbalance: dict,
                  bias: list[dict], guidelines: dict | None, open_reviews: int) -> str:
    summary = agreement["summary"]
    parts = [f"<h1>Quality report: {html.escape(title)}</h1>",
             f"<p>Generated {datetime.now(UTC).isoformat(timespec='seconds')}. Guidelines version: "
             f"{_fmt((guidelines or {}).get('tag') or (guidelines or {}).get('version'))}.</p>"]
    parts.append("<h2>Progress and review states</h2>")
    parts.append(f'<p id="progress">{summary["tasks"]} tasks, {summary["annotations"]} annotations by '
                 f'{summary["annotators"]} annotators; {open_reviews} reviews open.</p>')
    parts.append(_table(list(states), [list(states.values())]))
    parts.append(_bar(list(states), list(states.values()), "tasks by state", "tasks"))

    parts.append("<h2>Agreement</h2>")
    parts.append(f'<p id="agreement-overall">Mean per-task agreement: <b>{_fmt(summary["mean_task_score"])}</b>'
                 f' over {summary["tasks_scored"]} tasks; {summary["low_confidence"]} annotations rated "might be"; '
                 f'flagged: {_fmt(", ".join(f"{n} {k}" for k, n in summary["flagged"].items()) or "none")}.</p>')
    rows = [[c["name"], c["tag"], c["tasks_scored"], ", ".join(f"{k} {_fmt(v)}" for k, v in c["measures"].items())]
            for c in agreement["controls"]]
    parts.append(_table(["control", "tag", "tasks", "measures"], rows))
    for control in agreement["controls"]:
        labels = [(label, f.get("alpha", f.get("f1"))) for label, f in control["labels"].items()]
        labels = [(label, v) for label, v in labels if v is not None]
        if labels:
            parts.append(_bar([label for label, _ in labels], [v for _, v in labels],
                              f"{control['name']}: agreement per label", "alpha / F1"))
    annotators = agreement["annotators"]
    if annotators:
        rows = [[a["name"] or a["annotator"], a["tasks"], a["agreement"], a["gold_accuracy"], a["flagged"],
                 a["low_confidence"]] for a in annotators]
        parts.append(_table(["annotator", "tasks", "agreement (leave-one-out)", "gold accuracy", "flagged",
                             "might be"], rows))
        scored = [a for a in annotators if a["agreement"] is not None]
        if scored:
            parts.append(_bar([str(a["name"] or a["annotator"]) for a in scored], [a["agreement"] for a in scored],
                              "agreement with the others, per annotator", "agreement"))
    if matrix["annotators"]:
        names = [str(matrix["names"].get(a) or a) for a in matrix["annotators"]]
        parts.append(_heatmap(names, matrix["matrix"]))
    if agreement["weeks"]:
        parts.append(_weeks(agreement["weeks"]))

    parts.append("<h2>Label imbalance</h2>")
    for control, rows in imbalance.items():
        minority = [r["label"] for r in rows if r["minority"]]
        parts.append(f"<p>{html.escape(control)}: minority labels (below threshold): "
                     f"<b>{html.escape(', '.join(minority) or 'none')}</b></p>")
        parts.append(_table(["label", "tasks", "share", "minority"],
                            [[r["label"], r["count"], r["share"], "yes" if r["minority"] else ""] for r in rows]))
        parts.append(_bar([r["label"] for r in rows], [r["count"] for r in rows], f"{control}: final labels",
                          "tasks", [r["minority"] for r in rows]))

    parts.append("<h2>Annotator bias</h2>")
    flagged = [b for b in bias if b["flagged"]]
    parts.append(f'<p id="bias">{len(flagged)} of {len(bias)} annotator/control pairs flagged '
                 "(chi-square p &lt; 0.01 and Cramér's V &ge; 0.1).</p>")
    parts.append(_table(["control", "annotator", "chi2", "p", "Cramér's V", "flagged", "most common confusion"],
                        [[b["control"], b["name"] or b["annotator"], b["chi2"], b["p_value"], b["cramers_v"],
                          "FLAG" if b["flagged"] else "",
                          (f"{b['most_common_confusion']['consensus']} -> {b['most_common_confusion']['annotator']} "
                           f"({b['most_common_confusion']['tasks']})") if b["most_common_confusion"] else "-"]
                         for b in bias]))
    style = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;"
             "font-size:.9em}img{display:block;margin:.5em 0;max-width:100%}")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Quality report - '
            f'{html.escape(title)}</title><style>{style}</style></head><body>{"".join(parts)}</body></html>\n')


def write_report(state, out: Path, minority: float = 0.05) -> Path:
    """Compute every section from a loaded project state and write the page to `out`."""
    from sdk_scripts.agreement.engine import agreement_report, pairwise_matrix
    from sdk_scripts.governance.bias import annotator_bias
    from sdk_scripts.governance.guidelines import current
    from sdk_scripts.governance.imbalance import imbalance
    from sdk_scripts.review.export import export_records

    config, tasks = state.source["label_config"], state.tasks
    page = render_report(
        state.source["title"], state.counts(), agreement_report(config, tasks, names=state.emails),
        {**pairwise_matrix(config, tasks), "names": state.emails}, imbalance(export_records(state), minority),
        annotator_bias(config, tasks, state.emails), current(state.source.get("expert_instruction")),
        len(state.open_reviews),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
