"""Which controls get a consensus final, and by which agreement kind: the labeling config's, else read off the results.

With a labeling config, the controls are those the agreement report scores (`agreement.controls`). Without
one (or when it does not parse), each control's kind is read off its regions' `type`: choices (multiple
where anyone chose more than one label), rating, number, textarea, rectanglelabels, polygonlabels, and
labels / hypertextlabels whose every region is a text span. Other controls have no kind; their final
is the most confident annotator's answer (`final_labels`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sdk_scripts.agreement.controls import read_controls
from sdk_scripts.agreement.kinds.registry import KINDS
from sdk_scripts.agreement.results import span
from sdk_scripts.agreement.spec import ControlSpec

TYPE_KINDS = {"rating": ("Rating", "rating"), "number": ("Number", "number"), "textarea": ("TextArea", "text"),
              "rectanglelabels": ("RectangleLabels", "boxes"), "polygonlabels": ("PolygonLabels", "boxes"),
              "labels": ("Labels", "spans"), "hypertextlabels": ("HyperTextLabels", "spans")}


def _labels(regions: list[dict], key: str) -> tuple[str, ...]:
    """The labels the regions give under `key`, in the order first given."""
    seen: dict[str, None] = {}
    for region in regions:
        found = (region.get("value") or {}).get(key)
        if isinstance(found, list):
            seen.update((label, None) for label in found if isinstance(label, str))
    return tuple(seen)


def _inferred(name: str, regions: list[dict]) -> ControlSpec | None:
    """The spec of a control read off its regions, or None when no kind takes them."""
    types = {region.get("type") for region in regions}
    if len(types) != 1:
        return None
    (kind_type,) = types
    values = [region.get("value") or {} for region in regions]
    if kind_type == "choices":
        multiple = any(isinstance(v.get("choices"), list) and len(v["choices"]) > 1 for v in values)
        kind = "multi" if multiple else "single"
        return ControlSpec(name, "Choices", kind, _labels(regions, "choices"), KINDS[kind].value_key)
    if kind_type not in TYPE_KINDS:
        return None
    tag, kind = TYPE_KINDS[kind_type]
    if kind == "spans" and not all(span(v)[0] is not None for v in values):
        return None  # audio or video segments, not text spans
    key = kind_type if kind in ("boxes", "spans") else KINDS[kind].value_key
    return ControlSpec(name, tag, kind, _labels(regions, key) if kind in ("boxes", "spans") else (), key)


def final_controls(label_config: str | None, regions: Mapping[str, list[dict]]) -> list[ControlSpec]:
    """The controls that get a consensus final: the config's scored ones, else those read off `regions` (control ->
    every annotator's regions of it)."""
    if label_config:
        specs = read_controls(label_config).specs
        if specs:
            return specs
    found = (_inferred(name, given) for name, given in sorted(regions.items()))
    return [spec for spec in found if spec is not None]


def regions_by_control(grouped: Iterable[Mapping[str, list[dict]]]) -> dict[str, list[dict]]:
    """control -> the regions of it in every version (`grouped`: each version's label regions by control)."""
    out: dict[str, list[dict]] = {}
    for version in grouped:
        for name, regions in version.items():
            out.setdefault(name, []).extend(regions)
    return out
