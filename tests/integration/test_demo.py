"""The demo's project setup (what `make demo` runs after starting Label Studio), on the session server."""

from __future__ import annotations

import re

import pytest
from label_studio_sdk.label_interface import LabelInterface

from sdk_scripts.demo import (
    DEMO_USER,
    admin_can_log_in,
    samples_dir,
    server_is_ours,
    set_up_demo_project,
    start_verified,
)
from sdk_scripts.demo import main as demo_main
from sdk_scripts.devserver.label_studio import LocalLabelStudio
from sdk_scripts.devserver.users import AdminCredentials
from tests.support.labelstudio import TEST_ADMIN


def test_demo_setup_is_a_three_annotator_emotion_project_and_idempotent(ls_client) -> None:
    sample_count = sum(1 for line in (samples_dir() / "emotion_tasks.jsonl").read_text().splitlines() if line)
    first = set_up_demo_project(ls_client)
    second = set_up_demo_project(ls_client)
    assert first.project["id"] == second.project["id"]
    assert (first.imported, second.imported, second.present) == (sample_count, 0, sample_count)
    project = ls_client.project(first.project["id"])
    assert project["maximum_annotations"] == 3 and project["overlap_cohort_percentage"] == 100
    assert "joy" in LabelInterface(project["label_config"]).get_control("emotion").labels
    assert sum(1 for _ in ls_client.iter_tasks(project["id"], with_annotations=False)) == sample_count
    ls_client.delete_project(project["id"])


@pytest.mark.sqlite_only
def test_demo_command_starts_its_own_server_and_prints_the_login(tmp_path, capsys) -> None:
    code = demo_main(["--demo-dir", str(tmp_path / "demo"), "--port", "0", "--no-wait"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "log in as admin@labelops.local" in out
    assert "/projects/1/data" in out and "3 annotators per task, 24 tasks imported" in out
    # all but the last 6 sample tasks, by three named annotators; the 6 are left for people
    assert "3 simulated annotators made 54 annotations" in out
    # Label Studio started training as the annotations came in, and the project follows the newest version
    trained = re.search(r"training run\(s\), started by Label Studio every \d+ annotations .*project now on "
                        r"(labelops-p1-v\d+)", out)
    assert trained, out
    assert f"6 tasks left to label, each pre-filled by the served version {trained.group(1)}" in out, out
    assert "24 tasks pre-annotated (0 already were)" in out and "backend   http://127.0.0.1:" in out
    # who to log in as for each role, and with which password
    for line in ("log in as annotator1@labelops.local  (annotator Amira Haddad",
                 "log in as annotator3@labelops.local  (annotator Chen Wei",
                 "log in as reviewer@labelops.local  (reviewer Rosa Lindqvist: project 2"):
        assert line in out, line
    assert "review project 2: " in out and "reviews   http://127.0.0.1:" in out and "/projects/2/data" in out
    assert f"quality report: {tmp_path / 'demo' / 'report.html'}" in out
    assert "Quality report: labelops demo - emotions" in (tmp_path / "demo" / "report.html").read_text()
    credentials = tmp_path / "demo" / "credentials.toml"
    assert credentials.stat().st_mode & 0o077 == 0
    token = credentials.read_text().split('token = "')[1].split('"')[0]
    password = credentials.read_text().split('password = "')[1].split('"')[0]
    assert token not in out and f"  password  {password}  (every demo user" in out


@pytest.mark.sqlite_only
def test_demo_server_moves_off_a_port_where_another_label_studio_answers(label_studio, tmp_path) -> None:
    """The session's Label Studio plays "another Label Studio on the demo's port": its health check answers while
    the demo's own server cannot bind there; the demo must notice (its admin cannot log in) and move."""
    creds = AdminCredentials(DEMO_USER, "demo-test-password", "demo-test-token-0123456789")
    assert admin_can_log_in(label_studio.url, TEST_ADMIN) and not admin_can_log_in(label_studio.url, creds)
    said: list[str] = []
    server = start_verified(LocalLabelStudio(tmp_path / "data", creds, port=label_studio.port), say=said.append)
    try:
        assert server.port != label_studio.port and server_is_ours(server)
        assert said == [f"the server answering on port {label_studio.port} is not the demo's Label Studio (the demo's "
                        f"admin cannot log in); using port {server.port}"]
    finally:
        server.stop()
    assert label_studio.running and admin_can_log_in(label_studio.url, TEST_ADMIN)  # the other server is untouched
