"""The control labeling functions label (`Target`): a single-choice Choices of the labeling config, its labels."""

from __future__ import annotations

from dataclasses import dataclass

from sdk_scripts.errors import LabelopsError


@dataclass(frozen=True)
class Target:
    """The control's name, the object it labels (`to_name`), its labels in config order, and the data field that
    object shows (`$text` -> "text"; None when it shows no task field)."""

    name: str
    to_name: str
    labels: tuple[str, ...]
    field: str | None = None


def read_target(label_config: str, control: str) -> Target:
    """The single-choice Choices control named `control`; anything else is one LabelopsError naming it."""
    from label_studio_sdk.label_interface import LabelInterface

    try:
        interface = LabelInterface(label_config)
    except Exception as exc:  # noqa: BLE001 -- lxml and the SDK raise many kinds for a broken config
        raise LabelopsError(f"the project's labeling config does not parse ({type(exc).__name__})") from exc
    controls = {c.name: c for c in interface.controls}
    single = [name for name, c in controls.items() if c.tag == "Choices" and not _multiple(c.attr or {})]
    found = controls.get(control)
    if found is None:
        raise LabelopsError(f"the labeling functions label control {control!r}, which the project's labeling config "
                            f"does not have (single-choice Choices controls: {', '.join(single) or 'none'})")
    if found.tag != "Choices" or _multiple(found.attr or {}):
        kind = "a multiple-choice Choices" if found.tag == "Choices" else f"a {found.tag}"
        raise LabelopsError(f"control {control!r} is {kind}: labeling functions give one class per task, so they "
                            f"label a single-choice Choices control ({', '.join(single) or 'the config has none'})")
    to_name = (found.to_name or [""])[0]
    objects = {o.name: o for o in interface.objects}
    value = str(getattr(objects.get(to_name), "value", "") or "")
    field = value[1:] if value.startswith("$") and value[1:].isidentifier() else None
    return Target(control, to_name, tuple(str(label) for label in found.labels), field)


def _multiple(attr: dict) -> bool:
    return str(attr.get("choice", "single")).lower() == "multiple"
