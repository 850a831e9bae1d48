"""The shipped labeling configs: Label Studio's validation (offline and the server's), real projects, templating."""

from __future__ import annotations

import pytest
from label_studio_sdk.label_interface import LabelInterface

from sdk_scripts.errors import LabelopsError
from sdk_scripts.label_config_library import (
    available_configs,
    check_config,
    description,
    read_config,
    render_config,
    template_parameters,
    validate_config,
)
from sdk_scripts.labelstudio.quality_fields import CONFIDENCE_VALUES, FLAG_VALUES
from tests.support.labelstudio import unique_title

SHIPPED = ["audio_transcription", "image_bbox", "review", "text_emotion", "text_ner", "text_sentiment"]
# Label Studio refuses it (its unique-name check reads `myname="t"` as a second name "t"); the checks its
# SDK ships do not: only the server's own validation catches it.
ONLY_THE_SERVER_REFUSES = ('<View><Text name="t" value="$t" myname="t"/>'
                           '<Choices name="c" toName="t"><Choice value="a"/><Choice value="b"/></Choices></View>')


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


@pytest.mark.label_studio
@pytest.mark.parametrize("name", SHIPPED)
def test_config_creates_a_project_on_the_real_server(name: str, ls_client) -> None:
    xml = read_config(name)
    project = ls_client.create_project(title=unique_title(f"config {name}"), label_config=xml)
    try:
        stored = ls_client.project(project["id"])
        names = {c.name for c in LabelInterface(xml).controls}
        assert {c.name for c in LabelInterface(stored["label_config"]).controls} == names
    finally:
        ls_client.delete_project(project["id"])


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


@pytest.mark.label_studio
def test_the_servers_own_validation_has_the_last_word(label_studio) -> None:
    for name in SHIPPED:
        validate_config(read_config(name), name, server=label_studio.url)
    check_config(ONLY_THE_SERVER_REFUSES, "x.xml")  # passes the offline checks ...
    with pytest.raises(LabelopsError, match=rf"^x.xml: Label Studio at {label_studio.url} rejects the config: "
                                            "Label config contains non-unique names$"):
        validate_config(ONLY_THE_SERVER_REFUSES, "x.xml", server=label_studio.url)  # ... not the server's


def test_configs_cli(run_cli, tmp_path) -> None:
    listed = run_cli("configs", "list")
    assert listed.code == 0
    assert [line.split()[0] for line in listed.out.splitlines()] == SHIPPED

    shown = run_cli("configs", "show", "text_emotion")
    assert shown.code == 0 and "#   emotion: joy, sadness" in shown.out and "<Choices" in shown.out

    bad = tmp_path / "bad.xml"
    bad.write_text('<View><Text name="t" value="$t"/><Labels name="l" toName="x"/></View>')
    result = run_cli("configs", "validate", "text_ner", str(bad))
    assert result.code == 1
    assert "ok " in result.out and "text_ner.xml" in result.out
    assert result.err.count("labelops: error:") == 1 and "bad.xml" in result.err

    unknown = run_cli("configs", "show", "text_emotions")
    assert unknown.code == 1
    assert unknown.err.startswith("labelops: error: unknown config 'text_emotions'")


@pytest.mark.label_studio
def test_configs_validate_asks_the_configured_server(run_cli, label_studio, tmp_path) -> None:
    only_server = tmp_path / "only_server.xml"
    only_server.write_text(ONLY_THE_SERVER_REFUSES)
    result = run_cli("configs", "validate", str(only_server))  # LABEL_STUDIO_URL is the session's server
    assert result.code == 1 and result.out == ""
    assert result.err == (f"labelops: error: {only_server}: Label Studio at {label_studio.url} rejects the config: "
                          "Label config contains non-unique names\n")
    offline = run_cli("configs", "validate", "--offline", str(only_server))
    assert offline.code == 0 and offline.out.startswith("ok ")
    unreachable = run_cli("configs", "validate", "--server", "http://127.0.0.1:9", "text_ner", str(only_server))
    assert unreachable.code == 1 and unreachable.out == ""
    assert unreachable.err.count("\n") == 1
    assert unreachable.err.startswith("labelops: error: cannot reach Label Studio at http://127.0.0.1:9")
