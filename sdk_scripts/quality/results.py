"""When two Label Studio results say the same labels: their label regions compared without ids or origins (pure)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sdk_scripts.labelstudio.quality_fields import NOT_LABELS

COMPARED = ("from_name", "to_name", "type", "value")  # what a region says; its id, origin, score, readonly do not


def label_key(result: Iterable[Any] | None) -> str:
    """A canonical text of a result's label regions (quality and reviewer fields left out, region order ignored):
    equal for two results that label the item the same way."""
    regions = []
    for region in result or []:
        if isinstance(region, dict) and region.get("from_name") not in NOT_LABELS:
            regions.append(json.dumps({k: region.get(k) for k in COMPARED}, sort_keys=True, default=str))
    return json.dumps(sorted(regions))


def same_labels(a: Iterable[Any] | None, b: Iterable[Any] | None) -> bool:
    return label_key(a) == label_key(b)
