"""Fusing one cluster of matched regions (boxes, polygons, spans) into one Label Studio result region (pure).

The cluster's members come from different annotators (`regions.match_units`). The label is voted (most
members; a tie goes to the most confident member's label). The region is built on the most confident
member with that label (its id, from_name, to_name, type, original_width/height and other fields kept):

- boxes: x, y, width and height are the members' means weighted by their annotators' self-rated
  confidence (definitely 1.0, probably 0.7, might be 0.4, unrated 1.0), the rotation their weighted
  circular mean; a polygon is that member's polygon moved and scaled onto the fused bounding box;
- spans: start is the members' low median start, end their high median end (each a boundary an
  annotator drew, so the span holds every character a majority of them marked); the text is rebuilt
  from the members' texts (HyperText: its globalOffsets, and the XPath and offset of the members
  whose boundaries won).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from statistics import median_high, median_low

import numpy as np


@dataclass(frozen=True)
class Member:
    """One annotator's region in a cluster: the result region, its label and coordinates as the kind parsed them
    (boxes: x, y, width, height; spans: start, end), its annotator's weight and the rating's position (order)."""

    region: dict
    label: str
    coords: tuple[float, ...]
    weight: float
    order: int


@dataclass(frozen=True)
class Fused:
    """A fused region and whether its label was a tie (decided by the most confident member)."""

    region: dict
    tied: bool


def _confidence(member: Member) -> tuple[float, int]:
    return member.weight, -member.order


def vote_label(members: list[Member]) -> tuple[str, bool]:
    """(the label most members gave, whether that was a tie broken by the most confident member)."""
    counts = Counter(m.label for m in members)
    top = max(counts.values())
    tied = {label for label, n in counts.items() if n == top}
    if len(tied) == 1:
        return next(iter(tied)), False
    return max((m for m in members if m.label in tied), key=_confidence).label, True


def _lead(members: list[Member], label: str) -> Member:
    return max((m for m in members if m.label == label), key=_confidence)


def _with(lead: Member, key: str, label: str, geometry: dict) -> dict:
    value = {**(lead.region.get("value") or {}), **geometry, key: [label]}
    return {**lead.region, "value": value}


def fuse_box(members: list[Member], key: str) -> Fused:
    """The cluster as one rectangle or polygon (see the module docstring)."""
    label, tied = vote_label(members)
    lead = _lead(members, label)
    weights = np.array([m.weight for m in members], float)
    x, y, w, h = (np.array([m.coords for m in members], float).T @ weights / weights.sum()).tolist()
    value = lead.region.get("value") or {}
    if "points" in value:
        bx, by, bw, bh = lead.coords
        points = [[x + (px - bx) * w / bw, y + (py - by) * h / bh] for px, py in value["points"]]
        return Fused(_with(lead, key, label, {"points": points}), tied)
    geometry = {"x": x, "y": y, "width": w, "height": h}
    rotations = [float((m.region.get("value") or {}).get("rotation") or 0.0) for m in members]
    if "rotation" in value or any(rotations):
        radians = np.radians(rotations)
        mean = math.degrees(math.atan2(float(weights @ np.sin(radians)), float(weights @ np.cos(radians))))
        geometry["rotation"] = round(mean % 360.0, 6) % 360.0
    return Fused(_with(lead, key, label, geometry), tied)


def span_text(members: list[Member], start: int, end: int) -> str | None:
    """The text of [start, end) rebuilt from the members' texts (those as long as their spans), or None."""
    chars: dict[int, str] = {}
    for member in members:
        text = (member.region.get("value") or {}).get("text")
        first, last = int(member.coords[0]), int(member.coords[1])
        if isinstance(text, str) and len(text) == last - first:
            chars.update((first + i, c) for i, c in enumerate(text) if start <= first + i < end)
    if len(chars) < end - start:
        return None
    return "".join(chars[i] for i in range(start, end))


def fuse_span(members: list[Member], key: str) -> Fused:
    """The cluster as one span (see the module docstring)."""
    label, tied = vote_label(members)
    lead = _lead(members, label)
    start = int(median_low([m.coords[0] for m in members]))
    end = int(median_high([m.coords[1] for m in members]))
    value = lead.region.get("value") or {}
    if "globalOffsets" in value:
        opens = max((m for m in members if m.coords[0] == start), key=_confidence).region["value"]
        closes = max((m for m in members if m.coords[1] == end), key=_confidence).region["value"]
        geometry = {"start": opens.get("start"), "startOffset": opens.get("startOffset"), "end": closes.get("end"),
                    "endOffset": closes.get("endOffset"), "globalOffsets": {"start": start, "end": end}}
    else:
        geometry = {"start": start, "end": end}
    region = _with(lead, key, label, geometry)
    text = span_text(members, start, end)
    if text is not None:
        region["value"]["text"] = text
    elif tuple(lead.coords) != (start, end):
        region["value"].pop("text", None)  # the lead's text is of another span
    return Fused(region, tied)
