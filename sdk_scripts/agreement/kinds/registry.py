"""The registry: which kind scores which control tag (`REGISTRY`, the first that matches), and a spec's kind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sdk_scripts.agreement.coded import Coded
from sdk_scripts.agreement.kinds.base import AgreementKind
from sdk_scripts.agreement.kinds.choices import MultiChoice, SingleChoice
from sdk_scripts.agreement.kinds.regions import Boxes, Spans
from sdk_scripts.agreement.kinds.scales import Number, Rating
from sdk_scripts.agreement.kinds.text import TextArea
from sdk_scripts.agreement.kinds.transcripts import Transcript
from sdk_scripts.agreement.spec import ControlSpec

if TYPE_CHECKING:
    from sdk_scripts.agreement.extract import Ratings

REGISTRY: list[type[AgreementKind]] = [SingleChoice, MultiChoice, Rating, Number, Transcript, TextArea, Spans,
                                       Boxes]
KINDS: dict[str, type[AgreementKind]] = {kind.name: kind for kind in REGISTRY}


def matching_kind(control: Any, interface: Any) -> type[AgreementKind] | None:
    """The kind that scores a control tag of the config, or None."""
    return next((kind for kind in REGISTRY if kind.is_control_matched(control, interface)), None)


def kind_of(spec: ControlSpec) -> AgreementKind:
    """The kind that scores this control."""
    return KINDS[spec.kind](spec)


def code_ratings(table: Ratings) -> Coded:
    """The table's ratings as integer columns, coded by its control's kind."""
    return kind_of(table.control).code(table)
