"""What the labeling config says about one scored control (`ControlSpec`), read by `controls.read_controls`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ControlSpec:
    """One scored control: its name, tag, kind (the name of its `kinds` class), labels, result value key and, for
    Rating and Number, the values the config allows (Rating: 1..maxRating; Number: its min/max where given)."""

    name: str
    tag: str
    kind: str
    labels: tuple[str, ...]
    value_key: str
    max_rating: int | None = None
    low: float | None = None
    high: float | None = None
