"""Mapping model class names to a control tag's label names (pure).

Order: exact match, then case-insensitive match, then explicit mapping — `predicted_values="car,truck"`
on a `<Label>`/`<Choice>` of the config, or the LABEL_MAP setting. Unmapped classes are dropped and
counted by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def build_class_map(model_classes: Iterable[str], labels: Iterable[str],
                    predicted_values: Mapping[str, Iterable[str]] | None = None,
                    explicit: Mapping[str, str] | None = None) -> dict[str, str]:
    """{model class: label} for every model class that maps to a label of the tag."""
    labels = list(labels)
    lower = {lab.lower(): lab for lab in labels}
    from_attr: dict[str, str] = {}
    for label, values in (predicted_values or {}).items():
        for v in values:
            from_attr[v.strip().lower()] = label
    explicit_l = {k.lower(): v for k, v in (explicit or {}).items() if v in labels}
    out: dict[str, str] = {}
    for cls in model_classes:
        if cls in labels:
            out[cls] = cls
        elif cls.lower() in lower:
            out[cls] = lower[cls.lower()]
        elif cls.lower() in from_attr:
            out[cls] = from_attr[cls.lower()]
        elif cls.lower() in explicit_l:
            out[cls] = explicit_l[cls.lower()]
    return out
