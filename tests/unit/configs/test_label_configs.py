"""The shipped labeling configs: Label Studio's offline validation, their headers and quality fields, templating."""

from __future__ import annotations

import pytest
from label_studio_sdk.label_interface import LabelInterface

from sdk_scripts.errors import LabelopsError
from sdk_scripts.label_config_library import (
    available_configs,
    description,
    read_config,
    render_config,
    template_parameters,
    validate_config,
)
from sdk_scripts.labelstudio.quality_fields import CONFIDENCE_VALUES, FLAG_VALUES
from tests.support.configs import SHIPPED


def test_library_lists_every_shipped_config() -> None:
    assert available_configs() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_config_passes_label_studio_validation_and_has_a_header(name: str) -> None:
    xml = read_config(name)
    validate_config(xml, source=name)
    header = description(xml)
    assert header.startswith(f"{name}:"), header
    assert len(header.split()) > 25, "the header comment should be a real paragraph"


@pytest.mark.parametrize("name", [n for n in SHIPPED if n != "review"])
def test_config_carries_the_quality_fields(name: str) -> None:
    interface = LabelInterface(read_config(name))
    confidence = interface.get_control("confidence")
    assert confidence.tag == "Choices"
    assert tuple(confidence.labels) == CONFIDENCE_VALUES
    assert tuple(interface.get_control("flag").labels) == FLAG_VALUES
    assert interface.get_control("comment").tag == "TextArea"


def test_review_config_has_the_reviewer_fields() -> None:
    interface = LabelInterface(read_config("review"))
    assert interface.get_control("review_decision").labels == ["accept one version", "corrected", "no clear label"]
    assert interface.get_control("review_reason").tag == "TextArea"
    assert interface.get_control("edge_case_log").labels == ["add to edge-case log"]


def test_render_replaces_labels_and_keeps_the_rest() -> None:
    xml = read_config("image_bbox")
    rendered = render_config(xml, {"label": ["cat", "dog", "bird"]})
    validate_config(rendered)
    interface = LabelInterface(rendered)
    assert interface.get_control("label").labels == ["cat", "dog", "bird"]
    assert tuple(interface.get_control("confidence").labels) == CONFIDENCE_VALUES
    assert description(rendered) == description(xml)
    assert template_parameters(rendered) == {"label": ["cat", "dog", "bird"]}


def test_render_refuses_quality_fields_unknown_controls_and_repeats() -> None:
    xml = read_config("text_emotion")
    with pytest.raises(LabelopsError, match="label controls are: emotion"):
        render_config(xml, {"confidence": ["sure"]})
    with pytest.raises(LabelopsError, match="'emotions'"):
        render_config(xml, {"emotions": ["joy"]})
    with pytest.raises(LabelopsError, match="repeat joy"):
        render_config(xml, {"emotion": ["joy", "joy"]})
    with pytest.raises(LabelopsError, match="empty"):
        render_config(xml, {"emotion": []})


def test_invalid_xml_names_the_line() -> None:
    with pytest.raises(LabelopsError, match=r"bad.xml: invalid XML: .*line 3"):
        validate_config('<View>\n  <Text name="t" value="$t"/>\n  <Choices name="c" toName="t">\n</View>', "bad.xml")


def test_label_studio_rejections_are_reported() -> None:
    broken = (
        '<View><Text name="t" value="$text"/>'
        '<Choices name="c" toName="nowhere"><Choice value="a"/></Choices></View>'
    )
    with pytest.raises(LabelopsError, match=r'x.xml: Label Studio rejects the config: toName="nowhere" not found'):
        validate_config(broken, "x.xml")
    with pytest.raises(LabelopsError, match=r"x.xml: Label Studio rejects the config: .*'Label' is a required"):
        validate_config('<View><Text name="t" value="$t"/><Labels name="l" toName="t"/></View>', "x.xml")
    with pytest.raises(LabelopsError, match=r"x.xml: Label Studio rejects the config: a DOCTYPE \(DTD\) is not"):
        validate_config('<!DOCTYPE View><View><Text name="t" value="$t"/></View>', "x.xml")


def test_comments_are_not_read_as_config() -> None:
    validate_config('<View><!-- toName="nowhere" name="t" --><Text name="t" value="$t"/>'
                    '<Choices name="c" toName="t"><Choice value="a"/></Choices></View>', "x.xml")
