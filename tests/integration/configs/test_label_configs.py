"""The shipped labeling configs on the real Label Studio: projects from each, the server's own validation."""

from __future__ import annotations

import pytest
from label_studio_sdk.label_interface import LabelInterface

from sdk_scripts.errors import LabelopsError
from sdk_scripts.label_config_library import (
    check_config,
    read_config,
    validate_config,
)
from tests.support.configs import ONLY_THE_SERVER_REFUSES, SHIPPED
from tests.support.labelstudio import unique_title


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

