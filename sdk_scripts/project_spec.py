"""Project specs: the small YAML/TOML file `labelops project create` turns into a Label Studio project.

    title: Emotion pilot                 # required, at least 3 characters
    config: text_emotion                 # required: a shipped config name or a path to an XML file
    labels:                              # optional: label names per control (template parameters)
      emotion: [joy, sadness, anger, fear, neutral]
    annotators_per_task: 3               # optional, default 1: Label Studio's overlap
    guidelines: guidelines.md            # optional Markdown, shown to annotators as instructions
    guidelines_tag: v2                   # optional name for this guideline version
    description: Pilot batch, Nov 2026   # optional
    sampling: sequential                 # optional: sequential | uniform | uncertainty

Relative paths are relative to the spec file. Unknown fields are errors (they are usually typos).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sdk_scripts.errors import LabelopsError

SAMPLING = {
    "sequential": "Sequential sampling",
    "uniform": "Uniform sampling",
    "uncertainty": "Uncertainty sampling",
}
_FIELDS = {"title", "config", "labels", "annotators_per_task", "guidelines", "guidelines_tag", "description",
           "sampling"}


@dataclass(frozen=True)
class ProjectSpec:
    """A validated project spec."""

    title: str
    config: str
    source: Path
    labels: dict[str, list[str]] = field(default_factory=dict)
    annotators_per_task: int = 1
    guidelines: Path | None = None
    guidelines_tag: str | None = None
    description: str = ""
    sampling: str = "sequential"

    @property
    def base_dir(self) -> Path:
        return self.source.parent


def _load_mapping(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LabelopsError(f"spec file {path} does not exist") from None
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except tomllib.TOMLDecodeError as exc:
        raise LabelopsError(f"{path}: invalid TOML: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise LabelopsError(f"{path}{where}: invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise LabelopsError(f"{path}: a project spec must be a mapping of fields, got {type(data).__name__}")
    return data


def load_spec(path: Path | str) -> ProjectSpec:
    """Read and check a spec file; every problem is reported as `FILE: field 'x' ...`."""
    path = Path(path)
    data = _load_mapping(path)
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise LabelopsError(f"{path}: unknown field {unknown[0]!r} (known fields: {', '.join(sorted(_FIELDS))})")
    for required in ("title", "config"):
        if required not in data or data[required] in (None, ""):
            raise LabelopsError(f"{path}: missing required field {required!r}")

    title = data["title"]
    if not isinstance(title, str) or len(title.strip()) < 3:
        raise LabelopsError(f"{path}: field 'title' must be text of at least 3 characters")
    if not isinstance(data["config"], str):
        raise LabelopsError(f"{path}: field 'config' must be a config name or a path to an XML file")

    labels = data.get("labels") or {}
    if not isinstance(labels, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str | int) for x in v) for v in labels.values()
    ):
        raise LabelopsError(f"{path}: field 'labels' must map control names to lists of label names")

    annotators = data.get("annotators_per_task", 1)
    if isinstance(annotators, bool) or not isinstance(annotators, int) or annotators < 1:
        raise LabelopsError(f"{path}: field 'annotators_per_task' must be a positive integer, got {annotators!r}")

    guidelines = data.get("guidelines")
    guidelines_path = None
    if guidelines is not None:
        guidelines_path = (path.parent / str(guidelines)).resolve()
        if not guidelines_path.is_file():
            raise LabelopsError(f"{path}: field 'guidelines': file {guidelines_path} does not exist")

    sampling = data.get("sampling", "sequential")
    if sampling not in SAMPLING:
        raise LabelopsError(f"{path}: field 'sampling' must be one of {', '.join(SAMPLING)}, got {sampling!r}")

    tag = data.get("guidelines_tag")
    if tag is not None and (not isinstance(tag, str | int | float) or guidelines is None):
        raise LabelopsError(f"{path}: field 'guidelines_tag' needs a 'guidelines' file and a short text value")

    description = data.get("description") or ""
    if not isinstance(description, str):
        raise LabelopsError(f"{path}: field 'description' must be text")

    return ProjectSpec(
        title=title.strip(),
        config=data["config"],
        source=path.resolve(),
        labels={str(k): [str(x) for x in v] for k, v in labels.items()},
        annotators_per_task=annotators,
        guidelines=guidelines_path,
        guidelines_tag=None if tag is None else str(tag),
        description=description,
        sampling=sampling,
    )
