"""What task data a labeling config needs, and whether one task's data provides it (pure).

Read with label-studio-sdk's `LabelInterface`: every object tag (and control tag with a dynamic
`value`) that reads a task data key (`value="$text"`, `value="$meta.image"`, `value="Hi $name"`)
names a field the task must carry, of the type that tag shows. The types are Label Studio's own
(`label_studio/tasks/validation.py`, the check its import runs), narrowed where labelops needs
more: text shown by Text / HyperText / Header must be a string, media (Image, Audio, Video) a URL
string (or, for Image, a list of them). Checking every task before the first import request means a
file Label Studio would refuse halfway never half-imports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from label_studio_sdk.label_interface import LabelInterface

# Label Studio 1.23's own accepted types per tag (tasks/validation.py `_DATA_TYPES`); default: str.
_LS_TYPES: dict[str, tuple[type, ...]] = {
    "Paragraphs": (list, str), "Chat": (list, str), "Table": (dict, list, str), "TimeSeries": (dict, list, str),
    "TimeSeriesChannel": (dict, list, str), "List": (list, str), "Choices": (str, list), "Taxonomy": (str, list),
    "Ranker": (list, str), "Labels": (str, list), "RectangleLabels": (str, list), "PolygonLabels": (str, list),
    "BrushLabels": (str, list), "EllipseLabels": (str, list), "HyperTextLabels": (str, list),
    "KeyPointLabels": (str, list), "ParagraphLabels": (str, list), "TimeSeriesLabels": (str, list),
}
_TEXT_TAGS = frozenset({"Text", "HyperText", "Header"})
_MEDIA_TAGS = frozenset({"Image", "Audio", "AudioPlus", "Video"})
_URL_SCHEMES = frozenset({"http", "https", "s3", "gs", "azure-blob", "data"})
_VARIABLE = re.compile(r"\$(\w+)")


@dataclass(frozen=True)
class DataField:
    """A task data field a config reads: its key path (`meta.image` -> ("meta", "image")) and the tag."""

    key: str
    tag: str  # "" = any type, presence only
    is_list: bool = False  # a Repeater's `$items[{{idx}}]`: the field must be a list

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.key.split("."))


def _field_of(value: str, tag: str) -> DataField | None:
    """The data field a tag's `value` attribute reads, as Label Studio works it out (or None)."""
    if len(value) > 1 and value.startswith("$"):
        name = value[1:]
    else:
        found = _VARIABLE.search(value)
        if not found:
            return None
        name = found.group(1)
    is_list = "[" in name
    return DataField(name.split("[")[0], tag, is_list)


def config_data_fields(label_config: str) -> list[DataField]:
    """Every task data field the config reads (video wins over audio on a shared key, as in Label Studio)."""
    interface = LabelInterface(label_config)
    tags = [(obj.tag, obj.value or "") for obj in interface.objects]
    tags += [(control.tag, str((control.attr or {}).get("value") or "")) for control in interface.controls]
    fields: dict[str, DataField] = {}
    for tag, value in tags:
        field = _field_of(value, tag) if value else None
        if field is not None and (field.key not in fields or fields[field.key].tag != "Video"):
            fields[field.key] = field
    return list(fields.values())


def _is_url(value: str) -> bool:
    if value.startswith("/"):
        return True  # Label Studio's own /data/upload/... and /data/local-files/?d=...
    try:
        return urlsplit(value).scheme.lower() in _URL_SCHEMES
    except ValueError:
        return False


def _shown(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def _type_problem(field: DataField, value: object) -> str | None:
    shown = _shown(value)
    if field.is_list:
        return None if isinstance(value, list) else f"field {field.key!r} must be a list, got {shown}"
    if not field.tag:
        return None  # presence only
    if field.tag in _TEXT_TAGS:
        if not isinstance(value, str):
            return f"field {field.key!r} is shown as {field.tag} and must be a string, got {shown}"
        return None
    if field.tag in _MEDIA_TAGS:
        urls = value if isinstance(value, list) and field.tag == "Image" else [value]
        if not urls or not all(isinstance(u, str) and _is_url(u) for u in urls):
            return (f"field {field.key!r} is shown as {field.tag} and must be a URL (http(s)://, s3://, gs://, "
                    f"azure-blob://, data: or a /data/... path), got {shown}")
        return None
    expected = _LS_TYPES.get(field.tag, (str,))
    if not isinstance(value, expected):
        names = " or ".join(t.__name__ for t in expected)
        return f"field {field.key!r} ({field.tag}) must be {names}, got {shown}"
    return None


def data_problems(data: Mapping[str, object], fields: list[DataField]) -> list[str]:
    """What is missing or of the wrong type in one task's data (empty when it is fine)."""
    problems = []
    for field in fields:
        value: object = data
        for part in field.path:
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is None or value == "":
            names = sorted(map(str, data))
            present = ", ".join(repr(k)[1:-1][:40] for k in names[:12]) + (", ..." if len(names) > 12 else "")
            problems.append(f"task data lacks field {field.key!r}, which the labeling config reads "
                            f"(task fields: {present or 'none'})")
            continue
        problem = _type_problem(field, value)
        if problem:
            problems.append(problem)
    return problems
