"""`labelops report PROJECT --out report.html`: one self-contained quality page with plots.

Sections: where the figures come from (when, which Label Studio project, the snapshot id the same
data gets from `labelops snapshot`), progress and review states, the tasks that need attention (each
linked to Label Studio), agreement (overall, per label, per annotator, the annotator x annotator matrix
as a heatmap, agreement by week), gold tasks (accuracy per annotator and by week, who is flagged and why),
model vs human (per model version: agreement with the finals, pre-label acceptance, lead time with and
without a prediction), labeling functions (Snorkel's LFAnalysis figures of a label matrix, when one is given),
label imbalance, annotator-bias flags, guideline version. Measures are
named in words with their symbol ("Krippendorff's alpha (MASI distance), α"). Plots are drawn with
matplotlib (Agg, its bundled DejaVu font) and embedded as PNG data URIs, so the page opens anywhere
without network access; their titles are HTML captions, so a long title wraps instead of being cut, and
the page reads at 1280 px wide.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sdk_scripts.agreement.measures import MEASURE_NAMES  # noqa: E402
from sdk_scripts.agreement.report import AgreementReport, LabelF1, TaskScore, WeekScore  # noqa: E402
from sdk_scripts.labelstudio.links import task_link  # noqa: E402
from sdk_scripts.quality.gold_eval import GoldReport  # noqa: E402
from sdk_scripts.quality.gold_render import policy_line  # noqa: E402
from sdk_scripts.quality.model_versions import ModelVersionReport  # noqa: E402
from sdk_scripts.weak.analysis import LFAnalysis  # noqa: E402

ATTENTION_LIMIT = 20


def measure_name(key: str) -> str:
    """A measure key of the agreement report in words with its symbol (`agreement.measures.MEASURE_NAMES`)."""
    return MEASURE_NAMES.get(key, key.replace("_", " "))


def _png(fig, alt: str) -> str:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return (f'<img alt="{html.escape(alt)}" src="data:image/png;base64,'
            + base64.b64encode(buffer.getvalue()).decode() + '">')


def _figure(caption: str, image: str) -> str:
    return f"<figure>{image}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _bar(labels: list[str], values: list[float], title: str, ylabel: str, highlight: list[bool] | None = None) -> str:
    """Vertical bars; horizontal ones (labels written out in full) when a label is long, e.g. an email."""
    colours = ["#d62728" if h else "#1f77b4" for h in (highlight or [False] * len(labels))]
    if max((len(str(label)) for label in labels), default=0) > 12:
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(labels) + 1.2))
        ax.barh(range(len(labels)), values, color=colours)
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_xlabel(ylabel)
        return _figure(title, _png(fig, title))
    fig, ax = plt.subplots(figsize=(max(5, 0.7 * len(labels) + 2), 3))
    ax.bar(range(len(labels)), values, color=colours)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    return _figure(title, _png(fig, title))


def _heatmap(names: list[str], matrix: list[list[float | None]], title: str) -> str:
    data = np.array([[np.nan if v is None else v for v in row] for row in matrix], float)
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 3.5, 1.0 * len(names) + 2.2))
    image = ax.imshow(data, vmin=0, vmax=1, cmap="viridis")
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            if not np.isnan(data[i, j]):
                ax.text(j, i, f"{data[i, j]:.2f}", ha="center", va="center", color="w" if data[i, j] < 0.6 else "k")
    fig.colorbar(image, ax=ax)
    return _figure(title, _png(fig, title))


def _weeks(weeks: list[WeekScore], title: str, ylabel: str = "agreement") -> str:
    fig, ax = plt.subplots(figsize=(7, 3))
    by_annotator: dict[str, list[tuple[str, float]]] = {}
    for row in weeks:
        by_annotator.setdefault(str(row.name or row.annotator), []).append((row.week, row.agreement))
    all_weeks = sorted({w for rows in by_annotator.values() for w, _ in rows})
    for name, rows in by_annotator.items():
        points = dict(rows)
        ax.plot(range(len(all_weeks)), [points.get(w, np.nan) for w in all_weeks], marker="o", label=name)
    ax.set_xticks(range(len(all_weeks)), all_weeks)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)
    return _figure(title, _png(fig, title))


def _error_bars(labels: list[str], values: list[float], lows: list[float], highs: list[float], title: str,
                ylabel: str) -> str:
    """Bars with their intervals as error bars (a bar without an interval has none)."""
    fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(labels) + 2), 3))
    errors = np.array([[v - lo for v, lo in zip(values, lows, strict=True)],
                       [hi - v for v, hi in zip(values, highs, strict=True)]])
    ax.bar(range(len(labels)), values, yerr=errors, capsize=4, color="#1f77b4")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    return _figure(title, _png(fig, title))


def _grouped(labels: list[str], series: dict[str, list[float]], title: str, ylabel: str) -> str:
    """Side-by-side bars, one colour per series (a missing value: no bar)."""
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(labels) + 2), 3))
    width = 0.8 / max(len(series), 1)
    for k, (name, values) in enumerate(series.items()):
        ax.bar(np.arange(len(labels)) + k * width, [np.nan if v is None else v for v in values], width, label=name)
    ax.set_xticks(np.arange(len(labels)) + width * (len(series) - 1) / 2, labels, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)
    return _figure(title, _png(fig, title))


def _when(iso: str | None) -> str:
    """An ISO time as `2026-12-01 12:17 UTC` (as given when it cannot be read)."""
    if not iso:
        return "-"
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return (moment.astimezone(UTC) if moment.tzinfo else moment).strftime("%Y-%m-%d %H:%M UTC")


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value))


class Raw(str):
    """A table cell that is HTML already (a link); other cells are escaped."""


def _cell(value: Any) -> str:
    return str(value) if isinstance(value, Raw) else _fmt(value)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def attention_rows(task_rows: list[TaskScore], states: dict[int, str], threshold: float,
                   limit: int = ATTENTION_LIMIT) -> list[tuple[TaskScore, str]]:
    """The tasks worth a look (pure): agreement below the threshold or flagged, lowest agreement first; each with
    its review state."""
    picked = [r for r in task_rows if r.flags or (r.score is not None and r.score < threshold)]
    picked.sort(key=lambda r: (r.score if r.score is not None else 2.0, r.task))
    return [(r, states.get(r.task, "-")) for r in picked[:limit]]


def gold_section(gold: GoldReport | None) -> list[str]:
    """Gold tasks: the policy, accuracy per annotator (the flagged in red, with why), accuracy by week."""
    parts = ["<h2>Gold tasks</h2>"]
    if gold is None or not gold.gold_tasks:
        return parts + ["<p>No gold tasks (<code>labelops gold import</code>).</p>"]
    flagged = [a for a in gold.annotators if a.flagged]
    parts.append(f'<p id="gold">{gold.gold_tasks} gold tasks; {html.escape(policy_line(gold))}.</p>')
    parts.append('<p id="gold-flagged">Flagged: ' + (html.escape("; ".join(
        f"{a.name or a.annotator}: {a.flagged}" for a in flagged)) + " (left out of the finals)" if flagged
        else "nobody") + ".</p>")
    if not gold.annotators:
        return parts
    parts.append(_table(["annotator", "gold tasks", "answers", "accuracy on gold", "flagged because"],
                        [[a.name or a.annotator, a.gold_tasks, a.overall.answers, a.accuracy, a.flagged or "-"]
                         for a in gold.annotators]))
    scored = [a for a in gold.annotators if a.accuracy is not None]
    parts.append(_bar([str(a.name or a.annotator) for a in scored], [a.accuracy for a in scored],
                      "Accuracy of each annotator on the gold tasks (flagged in red)", "accuracy",
                      [bool(a.flagged) for a in scored]))
    weeks = [WeekScore(a.annotator, a.name, week, found.answers, found.accuracy)
             for a in gold.annotators for week, found in sorted(a.weeks.items()) if found.accuracy is not None]
    if weeks:
        parts.append(_weeks(weeks, "Accuracy of each annotator on the gold tasks, by week", "accuracy"))
    return parts


def model_section(models: ModelVersionReport | None) -> list[str]:
    """Model vs human: per model version agreement with the finals, acceptance, lead time with its interval."""
    parts = ["<h2>Model vs human</h2>"]
    if models is None or not models.versions:
        return parts + ["<p>No predictions in the project.</p>"]
    level = f"{models.level:.0%}"
    parts.append('<p id="models">Per model version: its predictions against the final labels (ground truth, else '
                 "the consensus), the share of annotations made from a prediction that kept its labels unchanged, "
                 f"and the lead time of annotations (seconds, mean with its {level} bootstrap interval) made from a "
                 "prediction or without one.</p>")
    without = models.without_prediction

    def interval(found) -> str:
        return f"[{found.low:.1f}, {found.high:.1f}]" if found else "-"

    parts.append(_table(
        ["model version", "predictions", "compared", "agreement with the finals", "accepted", "acceptance rate",
         "lead time from a prediction (s)", "interval", "speed-up", "interval"],
        [[v.model_version or "(none)", v.predictions, v.compared, v.agreement,
          f"{v.acceptance.accepted}/{v.acceptance.made_from}", v.acceptance.rate, v.lead_time.mean,
          interval(v.lead_time.interval), v.against_no_prediction.speedup,
          interval(v.against_no_prediction.speedup_interval)] for v in models.versions]
        + [["no prediction", "-", "-", "-", "-", "-", without.mean, interval(without.interval), "-", "-"]]))
    names = [v.model_version or "(none)" for v in models.versions]
    parts.append(_grouped(names, {"agreement with the finals": [v.agreement for v in models.versions],
                                  "acceptance rate": [v.acceptance.rate for v in models.versions]},
                          "Each model version: agreement with the final labels and pre-label acceptance", "share"))
    groups = [("no prediction", without)] + [(name, v.lead_time) for name, v in zip(names, models.versions,
                                                                                     strict=True)]
    timed = [(name, found) for name, found in groups if found.mean is not None]
    if timed:
        parts.append(_error_bars([n for n, _ in timed], [f.mean for _, f in timed],
                                 [f.interval.low if f.interval else f.mean for _, f in timed],
                                 [f.interval.high if f.interval else f.mean for _, f in timed],
                                 f"Lead time per annotation, with a prediction of each version or without ({level} "
                                 "bootstrap interval)", "seconds"))
    return parts


def weak_section(analysis: LFAnalysis | None, model_version: str | None = None) -> list[str]:
    """Labeling functions: Snorkel's LFAnalysis figures per function, coverage and accuracy side by side."""
    parts = ["<h2>Labeling functions</h2>"]
    if analysis is None:
        return parts + ["<p>No label matrix given (<code>labelops lf apply</code>, then <code>report "
                        "--lf-matrix DIR</code>).</p>"]
    parts.append(f'<p id="labeling-functions">{len(analysis.functions)} labeling functions '
                 f"({html.escape(model_version or '-')}) of control {html.escape(analysis.control)} over "
                 f"{analysis.tasks} tasks: label coverage {_fmt(analysis.coverage)}, overlap {_fmt(analysis.overlap)}, "
                 f"conflict {_fmt(analysis.conflict)}; accuracy on the {analysis.labelled} tasks with a label (ground "
                 "truth, else the annotators' consensus). Figures as Snorkel's LFAnalysis defines them.</p>")
    parts.append(_table(["function", "polarity", "coverage", "overlaps", "conflicts", "correct", "incorrect",
                         "emp. acc.", "raised"],
                        [[f.name, ", ".join(f.polarity) or "-", f.coverage, f.overlaps, f.conflicts, f.correct,
                          f.incorrect, f.emp_accuracy, f.raised] for f in analysis.functions]))
    if analysis.functions:
        parts.append(_grouped([f.name for f in analysis.functions],
                              {"coverage": [f.coverage for f in analysis.functions],
                               "empirical accuracy": [f.emp_accuracy for f in analysis.functions]},
                              "Each labeling function: coverage and accuracy on the labelled tasks", "share"))
    return parts


def render_report(title: str, states: dict[str, int], agreement: AgreementReport, matrix: dict, imbalance: dict,
                  bias: list[dict], guidelines: dict | None, open_reviews: int, *,
                  provenance: dict | None = None, attention: list[tuple[TaskScore, str]] | None = None,
                  link: Callable[[int], str] | None = None, gold: GoldReport | None = None,
                  models: ModelVersionReport | None = None, weak: tuple[LFAnalysis, str] | None = None) -> str:
    """The page. `provenance`: made_at, project id, Label Studio URL, snapshot id, last annotation;
    `attention`: rows of `attention_rows`; `link(task_id)`: the HTML link to a task (plain text without);
    `gold`, `models`: the gold and model-vs-human sections (without: they say there is nothing); `weak`: the
    labeling functions' analysis and their model version."""
    link = link or (lambda task_id: f"task {task_id}")
    provenance = provenance or {}
    summary = agreement.summary
    made_at = _when(provenance.get("made_at") or datetime.now(UTC).isoformat(timespec="seconds"))
    parts = [f"<h1>Quality report: {html.escape(title)}</h1>"]
    where = (f"project {_fmt(provenance.get('project'))} of Label Studio at "
             f"{_fmt(provenance.get('label_studio_url'))}" if provenance.get("project") else "the project")
    parts.append(
        f'<p id="provenance">Made {html.escape(made_at)} from {where}, read live at that moment (the latest '
        f"annotation was made {html.escape(_when(provenance.get('last_annotation')))}); "
        f"<code>labelops snapshot</code> of the same data has id <code>{_fmt(provenance.get('snapshot_id'))}</code>. "
        "Guidelines version: "
        f"{_fmt((guidelines or {}).get('tag') or (guidelines or {}).get('version'))}.</p>")
    parts.append("<h2>Progress and review states</h2>")
    parts.append(f'<p id="progress">{summary.tasks} tasks, {summary.annotations} annotations by '
                 f'{summary.annotators} annotators; {open_reviews} reviews open.</p>')
    parts.append(_table(list(states), [list(states.values())]))
    parts.append(_bar(list(states), list(states.values()), "Tasks by state", "tasks"))

    parts.append("<h2>Tasks that need attention</h2>")
    if attention:
        parts.append(f"<p>Agreement below the threshold or flagged by an annotator, lowest agreement first (at "
                     f"most {ATTENTION_LIMIT}); each opens in Label Studio.</p>")
        parts.append(_table(["task", "agreement", "annotators", "flags", "state"],
                            [[Raw(link(r.task)), r.score, r.annotators, ", ".join(r.flags) or "-", state]
                             for r, state in attention]))
    else:
        parts.append("<p>None: every scored task is at or above the threshold and nobody flagged one.</p>")

    parts.append("<h2>Agreement</h2>")
    parts.append(f'<p id="agreement-overall">Mean per-task agreement: <b>{_fmt(summary.mean_task_score)}</b>'
                 f' over {summary.tasks_scored} tasks; {summary.low_confidence} annotations rated "might be"; '
                 f'flagged: {_fmt(", ".join(f"{n} {k}" for k, n in summary.flagged.items()) or "none")}.</p>')
    rows = [[c.name, c.tag, c.tasks_scored,
             Raw("<br>".join(f"{html.escape(measure_name(k))}: {_fmt(v)}" for k, v in c.measures.items()))]
            for c in agreement.controls]
    parts.append(_table(["control", "tag", "tasks", "measures"], rows))
    for control in agreement.controls:
        labels = [(label, f.value) for label, f in control.labels.items() if f.value is not None]
        if labels:
            uses_f1 = any(isinstance(f, LabelF1) for f in control.labels.values())
            symbol = "F1, F\u2081" if uses_f1 else "Krippendorff's alpha, \u03b1"
            parts.append(_bar([label for label, _ in labels], [v for _, v in labels],
                              f"{control.name}: agreement per label ({symbol})", "F\u2081" if uses_f1 else "\u03b1"))
    annotators = agreement.annotators
    if annotators:
        rows = [[a.name or a.annotator, a.tasks, a.agreement, a.gold_accuracy, a.flagged, a.low_confidence]
                for a in annotators]
        parts.append(_table(["annotator", "tasks", "agreement with the others (leave-one-out)",
                             "accuracy on ground truth", "flagged", "rated \"might be\""], rows))
        scored = [a for a in annotators if a.agreement is not None]
        if scored:
            parts.append(_bar([str(a.name or a.annotator) for a in scored], [a.agreement for a in scored],
                              "Agreement of each annotator with the others", "agreement"))
    if matrix["annotators"]:
        names = [str(matrix["names"].get(a) or a) for a in matrix["annotators"]]
        parts.append(_heatmap(names, matrix["matrix"], "Agreement between each pair of annotators"))
    if agreement.weeks:
        parts.append(_weeks(agreement.weeks, "Agreement of each annotator with the others, by week"))
    parts += gold_section(gold)
    parts += model_section(models)
    parts += weak_section(*(weak or (None,)))

    parts.append("<h2>Label imbalance</h2>")
    for control, rows in imbalance.items():
        minority = [r["label"] for r in rows if r["minority"]]
        parts.append(f"<p>{html.escape(control)}: minority labels (below threshold): "
                     f"<b>{html.escape(', '.join(minority) or 'none')}</b></p>")
        parts.append(_table(["label", "tasks", "share", "minority"],
                            [[r["label"], r["count"], r["share"], "yes" if r["minority"] else ""] for r in rows]))
        parts.append(_bar([r["label"] for r in rows], [r["count"] for r in rows],
                          f"{control}: tasks per final label (minority labels in red)", "tasks",
                          [r["minority"] for r in rows]))

    parts.append("<h2>Annotator bias</h2>")
    flagged = [b for b in bias if b["flagged"]]
    parts.append(f'<p id="bias">{len(flagged)} of {len(bias)} annotator/control pairs flagged '
                 "(chi-square test p &lt; 0.01 and Cramér's V &ge; 0.1).</p>")
    parts.append(_table(["control", "annotator", "chi-square, \u03c7\u00b2", "p-value, p", "Cramér's V", "flagged",
                         "most common confusion (consensus -> annotator, tasks)"],
                        [[b["control"], b["name"] or b["annotator"], b["chi2"], b["p_value"], b["cramers_v"],
                          "FLAG" if b["flagged"] else "",
                          (f"{b['most_common_confusion']['consensus']} -> {b['most_common_confusion']['annotator']} "
                           f"({b['most_common_confusion']['tasks']})") if b["most_common_confusion"] else "-"]
                         for b in bias]))
    style = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}"
             "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;"
             "font-size:.9em;vertical-align:top}figure{margin:1em 0}figcaption{font-weight:bold;margin-top:.2em}"
             "img{display:block;max-width:100%}code{background:#f4f4f4;padding:0 .2em}")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>Quality report - '
            f'{html.escape(title)}</title><style>{style}</style></head><body>{"".join(parts)}</body></html>\n')


def _weak(config: str, tasks: list[dict], project_id: int, lf_matrix: Path | None) -> tuple[LFAnalysis, str] | None:
    """The analysis of the label matrix in `lf_matrix` against the project's labels (None without a matrix)."""
    if lf_matrix is None:
        return None
    from sdk_scripts.errors import LabelopsError
    from sdk_scripts.weak.analysis import analyze_matrix
    from sdk_scripts.weak.gold import task_labels
    from sdk_scripts.weak.matrix import load_matrix

    matrix = load_matrix(lf_matrix)
    if matrix.project is not None and matrix.project != project_id:
        raise LabelopsError(f"the label matrix in {lf_matrix} is project {matrix.project}'s, not project "
                            f"{project_id}'s")
    return analyze_matrix(matrix, task_labels(config, tasks, matrix.control).labels), matrix.model_version


def write_report(state, out: Path, minority: float = 0.05, *, label_studio_url: str | None = None,
                 threshold: float = 0.8, lf_matrix: Path | None = None) -> Path:
    """Compute every section from a loaded project state and write the page to `out`.

    `label_studio_url`: where the tasks it names link to (`<url>/projects/<id>/data?task=<id>`); `lf_matrix`: the
    directory of a label matrix (`labelops lf apply`) for the labeling-functions section.
    """
    from sdk_scripts.agreement.engine import build_report, pairwise_matrix
    from sdk_scripts.governance.bias import annotator_bias
    from sdk_scripts.governance.guidelines import current
    from sdk_scripts.governance.imbalance import imbalance
    from sdk_scripts.governance.snapshot import content_id, snapshot_records
    from sdk_scripts.quality.gold_eval import evaluate_gold
    from sdk_scripts.quality.model_versions import model_version_report
    from sdk_scripts.review.export import export_records

    config, tasks = state.source["label_config"], state.tasks
    weak = _weak(config, tasks, state.source["id"], lf_matrix)
    agreement = build_report(config, tasks, names=state.emails)
    gold = evaluate_gold(config, tasks, state.emails)
    stamps = [a.get("created_at") for t in tasks for a in t.get("annotations") or [] if a.get("created_at")]
    provenance = {
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "project": state.source["id"],
        "label_studio_url": label_studio_url,
        "snapshot_id": content_id(snapshot_records(state, export_records(state)), config),
        "last_annotation": max(stamps) if stamps else None,
    }
    page = render_report(
        state.source["title"], state.counts(), agreement,
        {**pairwise_matrix(config, tasks), "names": state.emails}, imbalance(export_records(state), minority),
        annotator_bias(config, tasks, state.emails), current(state.source.get("expert_instruction")),
        len(state.open_reviews), provenance=provenance,
        attention=attention_rows(agreement.tasks, state.states, threshold),
        link=lambda task_id: task_link(label_studio_url, state.source["id"], task_id), gold=gold,
        models=model_version_report(config, tasks, excluded=gold.excluded), weak=weak,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
