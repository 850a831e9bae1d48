"""The final label of a task and its confidence (pure).

- adjudicated: the reviewer's result, confidence 1.0;
- otherwise, per control: the value a strict majority of annotators gave (identical regions), else
  the value of the representative version (the annotator who rated themselves most confident,
  earliest on ties). `final_source` says which rule decided.
Confidence = agreement (1.0 when not measurable) x the mean of the annotators' own ratings
(definitely 1.0, probably 0.7, might be 0.4; 1.0 when nobody rated).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable

from sdk_scripts.labelstudio.quality_fields import NOT_LABELS
from sdk_scripts.review.annotations import rated_confidence


def _value_key(regions: Iterable[dict]) -> str:
    return json.dumps(sorted(json.dumps(r.get("value"), sort_keys=True) for r in regions))


def label_regions(result: Iterable[dict]) -> dict[str, list[dict]]:
    """Result regions grouped by control, quality fields left out."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for region in result:
        name = region.get("from_name")
        if name and name not in NOT_LABELS:
            grouped[name].append(region)
    return dict(grouped)


def label_names(result: Iterable[dict]) -> list[str]:
    """Every label name in a result's label regions (choices, labels, rectanglelabels, ...)."""
    names = []
    for regions in label_regions(result).values():
        for region in regions:
            for key, item in (region.get("value") or {}).items():
                if key in ("choices", "labels") or key.endswith("labels"):
                    names += item
    return names


def consensus_result(versions: list[dict]) -> tuple[list[dict] | None, str | None]:
    """(final result, rule) from annotators' versions; (None, None) when there are none."""
    if not versions:
        return None, None
    grouped = [label_regions(v.get("result") or []) for v in versions]
    representative = max(range(len(versions)), key=lambda i: (rated_confidence(versions[i]) or 1.0, -i))
    controls = sorted({c for g in grouped for c in g})
    final: list[dict] = []
    rules = set()
    for control in controls:
        counts = Counter(_value_key(g.get(control, [])) for g in grouped)
        key, count = counts.most_common(1)[0]
        if count * 2 > len(versions):
            winner = next(g for g in grouped if _value_key(g.get(control, [])) == key)
            final += winner.get(control, [])
            rules.add("majority")
        else:
            final += grouped[representative].get(control, [])
            rules.add("representative")
    return final, "representative" if "representative" in rules else "majority"


def task_confidence(versions: list[dict], agreement: float | None) -> tuple[float, float | None]:
    """(confidence, mean annotator rating) as defined in the module docstring."""
    ratings = [r for r in (rated_confidence(v) for v in versions) if r is not None]
    rating = sum(ratings) / len(ratings) if ratings else None
    return (1.0 if agreement is None else agreement) * (1.0 if rating is None else rating), rating


def summarize(result: Iterable[dict]) -> str:
    """A short human-readable line for a result: `emotion: anger, sadness; label: 2 regions`."""
    parts = []
    for control, regions in label_regions(result).items():
        values = []
        for region in regions:
            value = region.get("value") or {}
            for key in ("choices", "labels", "rectanglelabels", "polygonlabels", "text", "rating", "number"):
                if key in value:
                    item = value[key]
                    values += item if isinstance(item, list) else [item]
                    break
        parts.append(f"{control}: {', '.join(map(str, values)) or '-'}")
    return "; ".join(parts) or "(empty)"
