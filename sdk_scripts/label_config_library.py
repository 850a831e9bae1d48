"""The labeling configs shipped in `label_configs/`: list, read, fill in label names, validate.

A config's label names are template parameters: a project spec may replace the `<Label>` /
`<Choice>` children of any control that is not one of the quality fields every config shares
(`QUALITY_CONTROLS`: confidence, flag, comment, ...). The file's defaults are used otherwise, so
every shipped file is itself a valid config.

Validation needs no server: the checks Label Studio runs on project save, as its SDK ships them
(`LabelInterface.validate`: the tag schema, unique names, `toName` targets, tag attributes), after our
own XML checks (syntax with line numbers, no DTD, comments stripped as Label Studio strips them). Given
a server, its own validation endpoint (`POST /api/projects/validate/`) has the last word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

from lxml import etree

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.quality_fields import NOT_LABELS

# Controls with a fixed meaning across configs (the quality and reviewer fields, and sarcasm, a label whose
# choices every config shares); later stages (agreement, review) rely on them.
QUALITY_CONTROLS = NOT_LABELS | {"sarcasm"}
_LABEL_CHILD = {"Choices": "Choice", "Labels": "Label", "RectangleLabels": "Label",
                "PolygonLabels": "Label", "KeyPointLabels": "Label", "BrushLabels": "Label",
                "EllipseLabels": "Label", "HyperTextLabels": "Label", "ParagraphLabels": "Label",
                "TimeSeriesLabels": "Label", "Taxonomy": "Choice"}
# A small palette so spec-supplied labels get distinct colours, as the shipped defaults do.
_PALETTE = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6",
            "#bcf60c", "#fabebe", "#008080", "#9a6324", "#800000", "#aaffc3", "#808000")


def _library_dir() -> Path:
    return Path(str(resources.files("label_configs")))


def available_configs() -> list[str]:
    """Names of the shipped configs (file names without `.xml`), sorted."""
    return sorted(p.stem for p in _library_dir().glob("*.xml"))


def resolve_config(name_or_path: str, relative_to: Path | None = None) -> Path:
    """A library name (`text_emotion`) or a path to an XML file -> the file's path."""
    if name_or_path in available_configs():
        return _library_dir() / f"{name_or_path}.xml"
    candidate = Path(name_or_path).expanduser()
    if relative_to is not None and not candidate.is_absolute():
        candidate = relative_to / candidate
    if candidate.suffix == ".xml" or candidate.exists():
        if not candidate.exists():
            raise LabelopsError(f"config file {candidate} does not exist")
        return candidate  # read_config refuses what is not a regular file
    raise LabelopsError(
        f"unknown config {name_or_path!r}: not one of {', '.join(available_configs())} and not an XML file"
    )


MAX_CONFIG_BYTES = 1024 * 1024


def read_config(name_or_path: str, relative_to: Path | None = None) -> str:
    """The XML text of a library config or a config file (a regular UTF-8 file of at most 1 MiB)."""
    from sdk_scripts.input_files import decode_utf8, read_input_bytes

    path = resolve_config(name_or_path, relative_to)
    return decode_utf8(read_input_bytes(path, MAX_CONFIG_BYTES, "config file"), str(path))


def _parse(xml: str, source: str) -> etree._Element:
    try:
        parser = etree.XMLParser(remove_comments=False, resolve_entities=False, no_network=True)
        return etree.fromstring(xml.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise LabelopsError(f"{source}: invalid XML: {exc}") from None


def description(xml: str, source: str = "config") -> str:
    """The header comment of a config (its one-paragraph statement of purpose), whitespace-joined."""
    root = _parse(xml, source)
    previous = root.getprevious()
    while previous is not None and not isinstance(previous, etree._Comment):
        previous = previous.getprevious()
    if previous is None:
        first_child = root[0] if len(root) else None
        previous = first_child if isinstance(first_child, etree._Comment) else None
    return " ".join((previous.text or "").split()) if previous is not None else ""


def _labeled_controls(root: etree._Element) -> dict[str, etree._Element]:
    return {
        el.get("name"): el
        for el in root.iter()
        if isinstance(el.tag, str) and el.tag in _LABEL_CHILD and el.get("name")
    }


def template_parameters(xml: str, source: str = "config") -> dict[str, list[str]]:
    """Controls whose label names a project spec may set, with their default labels."""
    root = _parse(xml, source)
    return {
        name: [child.get("value") for child in el if child.tag == _LABEL_CHILD[el.tag]]
        for name, el in _labeled_controls(root).items()
        if name not in QUALITY_CONTROLS
    }


def render_config(xml: str, labels: Mapping[str, Sequence[str]], source: str = "config") -> str:
    """Replace the labels of the named controls; everything else (comments included) is kept."""
    root = _parse(xml, source)
    controls = _labeled_controls(root)
    allowed = sorted(n for n in controls if n not in QUALITY_CONTROLS)
    for name, values in labels.items():
        if name not in controls or name in QUALITY_CONTROLS:
            raise LabelopsError(
                f"{source}: labels given for control {name!r}, but the config's label controls are: "
                f"{', '.join(allowed) or 'none'}"
            )
        values = [str(v) for v in values]
        if not values:
            raise LabelopsError(f"{source}: labels for control {name!r} are empty")
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise LabelopsError(f"{source}: labels for control {name!r} repeat {', '.join(duplicates)}")
        control = controls[name]
        child_tag = _LABEL_CHILD[control.tag]
        old = [child for child in control if child.tag == child_tag]
        tail = old[-1].tail if old else "\n"
        indent = old[0].getprevious().tail if old and old[0].getprevious() is not None else control.text
        for child in old:
            control.remove(child)
        for index, value in enumerate(values):
            child = etree.SubElement(control, child_tag, value=value)
            if child_tag == "Label":
                child.set("background", _PALETTE[index % len(_PALETTE)])
            child.tail = indent if index < len(values) - 1 else tail
        control.text = indent
    return etree.tostring(root.getroottree(), encoding="unicode")


class ServerUnavailable(LabelopsError):
    """The Label Studio asked to validate a config could not be reached or gave no verdict."""


def _schema_problem(clean_xml: str) -> str | None:
    """Label Studio's tag-schema check, worded as its API words it (the first failed alternative)."""
    import jsonschema
    from label_studio_sdk.label_interface import interface

    config = interface.LabelInterface.parse_config_to_json(clean_xml)
    try:
        jsonschema.validate(config, interface._LABEL_CONFIG_SCHEMA_DATA)
    except jsonschema.ValidationError as exc:
        message = exc.context[0].message if exc.context else exc.message
        return f"Validation failed on {'/'.join(map(str, exc.path))}: {message.replace('@', '')}"
    return None


def check_config(xml: str, source: str = "config") -> None:
    """The offline checks: XML syntax, no DTD, then Label Studio's own checks from its SDK."""
    root = _parse(xml, source)  # precise line/column for XML syntax errors
    if root.getroottree().docinfo.doctype:
        raise LabelopsError(f"{source}: Label Studio rejects the config: a DOCTYPE (DTD) is not allowed")
    for comment in list(root.iter(etree.Comment)):  # the header comment sits outside <View>: not serialised
        comment.getparent().remove(comment)
    clean = etree.tostring(root, encoding="unicode")
    from label_studio_sdk._legacy.exceptions import LabelStudioValidationErrorSentryIgnored
    from label_studio_sdk.label_interface import LabelInterface

    try:
        problem = _schema_problem(clean)
        if problem is None:
            LabelInterface(clean).validate()
    except LabelStudioValidationErrorSentryIgnored as exc:
        problem = str(exc)
    except Exception as exc:  # the SDK's parser raises assorted errors on malformed configs
        problem = f"{type(exc).__name__}: {exc}"
    if problem:
        raise LabelopsError(f"{source}: Label Studio rejects the config: {problem}")


def validate_on_server(xml: str, server: str, source: str = "config", timeout: float = 30.0) -> None:
    """Ask a running Label Studio (`POST /api/projects/validate/`, no token needed) whether it takes the config."""
    import httpx

    url = f"{server.rstrip('/')}/api/projects/validate/"
    try:
        response = httpx.post(url, json={"label_config": xml}, timeout=timeout)
    except httpx.HTTPError as exc:
        raise ServerUnavailable(f"cannot reach Label Studio at {server} to validate configs ({exc}); "
                                "give --offline to use only the offline checks") from None
    if response.status_code in (200, 201, 204):
        return
    if response.status_code != 400:
        raise ServerUnavailable(f"Label Studio at {server} answered HTTP {response.status_code} to {url}; "
                                "give --offline to use only the offline checks")
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    # {"label_config": ["..."]}, at the top (this endpoint) or under validation_errors (LS's usual layout)
    errors = body.get("validation_errors", body)
    found = errors.get("label_config") if isinstance(errors, dict) else errors
    detail = "; ".join(map(str, found)) if isinstance(found, list) else str(found or body.get("detail") or "")
    raise LabelopsError(f"{source}: Label Studio at {server} rejects the config: {detail or response.text[:300]}")


def validate_config(xml: str, source: str = "config", server: str | None = None) -> None:
    """Raise LabelopsError naming what is wrong: the offline checks, then `server`'s own verdict when given."""
    check_config(xml, source)
    if server:
        validate_on_server(xml, server, source)


def data_keys(xml: str) -> set[str]:
    """Task data fields the config reads (`value="$text"` -> `text`)."""
    from label_studio_sdk.label_interface import LabelInterface

    interface = LabelInterface(xml)
    return {obj.value_name for obj in interface.objects if obj.value and obj.value.startswith("$")}
