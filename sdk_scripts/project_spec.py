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
    tiers:                               # optional review tiers: ordered routing rules (`review.tiers`)
      - {name: expert, when: {agreement_below: 0.5}}   # -> review project "Emotion pilot [expert]"

Relative paths are relative to the spec file. Unknown fields are errors (they are usually typos).
The spec, the guidelines and a config file are read only as regular UTF-8 files of at most 1 MiB;
every problem is one `FILE: field 'x' ...` error, before anything is sent. Tiers are checked against the
rendered config: a label, flag or data field it lacks is an error naming it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from sdk_scripts.errors import LabelopsError
from sdk_scripts.input_files import MIB, decode_utf8, read_input_bytes
from sdk_scripts.labelstudio.project_titles import title_problem

if TYPE_CHECKING:
    from sdk_scripts.review.tiers import Tier

SAMPLING = {
    "sequential": "Sequential sampling",
    "uniform": "Uniform sampling",
    "uncertainty": "Uncertainty sampling",
}
_FIELDS = {"title", "config", "labels", "annotators_per_task", "guidelines", "guidelines_tag", "description",
           "sampling", "tiers"}
MAX_FILE_BYTES = MIB  # spec, guidelines and config files
MAX_ANNOTATORS = 1000


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
    tiers: tuple[Tier, ...] = ()

    @property
    def base_dir(self) -> Path:
        return self.source.parent


def read_small_text(path: Path, what: str) -> str:
    """A regular UTF-8 file of at most MAX_FILE_BYTES, as text (one LabelopsError otherwise)."""
    return decode_utf8(read_input_bytes(path, MAX_FILE_BYTES, what=what), str(path))


def _load_mapping(path: Path) -> dict:
    text = read_small_text(path, "spec file")
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except RecursionError:
        raise LabelopsError(f"{path}: nested too deeply to be a project spec") from None
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


def _check_config_file(config: str, spec_path: Path) -> None:
    """A config given as a file must be a small regular UTF-8 file (shipped names are always fine)."""
    from sdk_scripts.label_config_library import available_configs

    if config in available_configs():
        return
    candidate = Path(config).expanduser()
    candidate = candidate if candidate.is_absolute() else spec_path.parent / candidate
    if candidate.exists() or candidate.suffix == ".xml":
        read_small_text(candidate, f"{spec_path}: field 'config': file")


def _title(data: dict, path: Path) -> str:
    title = data["title"]
    if not isinstance(title, str):
        raise LabelopsError(f"{path}: field 'title' must be text")
    problem = title_problem(title.strip())
    if problem:
        raise LabelopsError(f"{path}: field 'title' {problem}")
    return title.strip()


def _labels(data: dict, path: Path) -> dict[str, list[str]]:
    labels = data.get("labels") or {}
    if not isinstance(labels, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and v
        and all(isinstance(x, str | int) and not isinstance(x, bool) for x in v) for k, v in labels.items()
    ):
        raise LabelopsError(f"{path}: field 'labels' must map control names to lists of label names")
    return {str(k): [str(x) for x in v] for k, v in labels.items()}


def _guidelines(data: dict, path: Path) -> tuple[Path | None, str | None]:
    """The guidelines file (read once to check it) and its tag."""
    guidelines = data.get("guidelines")
    guidelines_path = None
    if guidelines is not None:
        if not isinstance(guidelines, str) or not guidelines.strip():
            raise LabelopsError(f"{path}: field 'guidelines' must be the path of a Markdown file")
        guidelines_path = (path.parent / guidelines).resolve()
        read_small_text(guidelines_path, f"{path}: field 'guidelines': file")
    tag = data.get("guidelines_tag")
    if tag is not None and (isinstance(tag, bool) or not isinstance(tag, str | int) or guidelines is None
                            or not str(tag).strip() or len(str(tag)) > 40):
        raise LabelopsError(f"{path}: field 'guidelines_tag' needs a 'guidelines' file and a short text value")
    return guidelines_path, None if tag is None else str(tag)


def _tiers(data: dict, path: Path, title: str, labels: dict[str, list[str]]) -> tuple[Tier, ...]:
    """The review tiers, checked against the config the spec renders (one error naming the tier and the problem)."""
    if data.get("tiers") is None:
        return ()
    from sdk_scripts.label_config_library import read_config, render_config
    from sdk_scripts.review.push import default_review_title
    from sdk_scripts.review.tiers import parse_tiers

    label_config = render_config(read_config(data["config"], path.parent), labels, source=str(path))
    try:
        return parse_tiers(data["tiers"], label_config, title, default_review_title(title))
    except ValueError as exc:
        raise LabelopsError(f"{path}: field 'tiers': {exc}") from None


def load_spec(path: Path | str) -> ProjectSpec:
    """Read and check a spec file; every problem is reported as `FILE: field 'x' ...`."""
    path = Path(path)
    data = _load_mapping(path)
    unknown = sorted(str(k) for k in data if k not in _FIELDS)
    if unknown:
        raise LabelopsError(f"{path}: unknown field {unknown[0]!r} (known fields: {', '.join(sorted(_FIELDS))})")
    for required in ("title", "config"):
        if required not in data or data[required] in (None, ""):
            raise LabelopsError(f"{path}: missing required field {required!r}")

    title = _title(data, path)
    if not isinstance(data["config"], str):
        raise LabelopsError(f"{path}: field 'config' must be a config name or a path to an XML file")
    _check_config_file(data["config"], path)
    labels = _labels(data, path)

    annotators = data.get("annotators_per_task", 1)
    if isinstance(annotators, bool) or not isinstance(annotators, int) or not 1 <= annotators <= MAX_ANNOTATORS:
        raise LabelopsError(f"{path}: field 'annotators_per_task' must be a positive integer (at most "
                            f"{MAX_ANNOTATORS}), got {annotators!r}")

    guidelines_path, tag = _guidelines(data, path)

    sampling = data.get("sampling", "sequential")
    if not isinstance(sampling, str) or sampling not in SAMPLING:
        raise LabelopsError(f"{path}: field 'sampling' must be one of {', '.join(SAMPLING)}, got {sampling!r}")

    description = data.get("description") or ""
    if not isinstance(description, str):
        raise LabelopsError(f"{path}: field 'description' must be text")

    tiers = _tiers(data, path, title, labels)

    return ProjectSpec(
        title=title,
        config=data["config"],
        source=path.resolve(),
        labels=labels,
        annotators_per_task=annotators,
        guidelines=guidelines_path,
        guidelines_tag=tag,
        description=description,
        sampling=sampling,
        tiers=tiers,
    )
