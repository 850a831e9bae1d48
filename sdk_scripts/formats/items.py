"""Export records as the converter reads them (Label Studio JSON, one annotation: the final), their weights, splits."""

from __future__ import annotations

from collections.abc import Iterable

from sdk_scripts.errors import LabelopsError
from sdk_scripts.formats.base import LeftOut
from sdk_scripts.review.final_labels import label_regions

ALL = "all"  # the one split's name without --split


def weight(record: dict) -> float:
    """The record's training weight: its `weight` (agreement x annotators' confidence, 1.0 when adjudicated),
    else its `confidence` (the same product, from exports made before `weight` existed)."""
    value = record.get("weight")
    return float(record["confidence"] if value is None else value)


def final_regions(record: dict) -> list[dict]:
    """The final's label regions (quality fields and reviewer fields left out)."""
    return [region for regions in label_regions(record.get("final") or []).values() for region in regions]


def ls_task(record: dict, data: dict | None = None) -> dict:
    """One Label Studio JSON export item: the task with a single annotation holding the record's final.

    `data` replaces the task data (a downloaded image's local path, extra columns)."""
    source = record.get("final_source") or "final"
    return {
        "id": record["task"],
        "data": record["data"] if data is None else data,
        "annotations": [{"id": record["task"], "result": final_regions(record), "was_cancelled": False,
                         "completed_by": {"email": f"labelops:{source}"}}],
    }


def trainable(records: Iterable[dict]) -> tuple[list[dict], list[LeftOut]]:
    """The records a training format holds: not quarantined (never in a training split) and with a final label.

    Quarantined records are dropped without a note (the export counts them by state); a record without a final
    (pending, no consensus yet) is left out with its reason."""
    kept, left_out = [], []
    for record in records:
        if record.get("state") == "quarantined":
            continue
        if record.get("final") is None:
            left_out.append(LeftOut(record["task"], "no final label yet (pending, no consensus)"))
            continue
        kept.append(record)
    return kept, left_out


def split(records: list[dict], ratios: dict[str, float] | None, seed: int, stratify: bool) -> dict[str, list[dict]]:
    """{split name: records} as `dataset export --split` makes them (`governance.imbalance.stratified_split`);
    without ratios, one split named `all`."""
    if not ratios:
        return {ALL: sorted(records, key=lambda r: r["task"])}
    from sdk_scripts.governance.imbalance import stratified_split

    return stratified_split(records, ratios, seed, stratify)


def ensure_non_empty(splits: dict[str, list[dict]], needed: tuple[str, ...], what: str) -> dict[str, list[dict]]:
    """Move one record into each split of `needed` that came out empty, from the largest split that can spare
    one (its last record by task id); LabelopsError when there are fewer records than `needed` splits."""
    total = sum(len(rows) for rows in splits.values())
    if total < len(needed):
        raise LabelopsError(f"{what} needs at least {len(needed)} items ({', '.join(needed)}: one each); "
                            f"{total} could be exported")
    out = {name: list(rows) for name, rows in splits.items()}
    for name in needed:
        if out[name]:
            continue
        donor = max((n for n in out if len(out[n]) > 1 or (out[n] and n not in needed)),
                    key=lambda n: (len(out[n]), n))
        out[name].append(out[donor].pop())
    return {name: sorted(rows, key=lambda r: r["task"]) for name, rows in out.items()}
