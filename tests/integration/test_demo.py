"""`make demo`: its projects' setup on the session server, and the whole command on a server of its own."""

from __future__ import annotations

import re

import pytest
from label_studio_sdk.label_interface import LabelInterface

from sdk_scripts.demo import images, text
from sdk_scripts.demo.loop import samples_dir
from sdk_scripts.demo.run import main as demo_main
from sdk_scripts.demo.server import DEMO_USER, admin_can_log_in, demo_credentials, server_is_ours, start_verified
from sdk_scripts.devserver.label_studio import LocalLabelStudio
from sdk_scripts.devserver.ports import free_port
from sdk_scripts.devserver.users import AdminCredentials
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.connection import Connection
from tests.support.labelstudio import TEST_ADMIN


def test_demo_setup_is_a_three_annotator_emotion_project_and_idempotent(ls_client) -> None:
    sample_count = sum(1 for line in (samples_dir() / "emotion_tasks.jsonl").read_text().splitlines() if line)
    first = text.set_up_text_project(ls_client)
    second = text.set_up_text_project(ls_client)
    assert first.project["id"] == second.project["id"]
    assert (first.imported, second.imported, second.present) == (sample_count, 0, sample_count)
    project = ls_client.project(first.project["id"])
    assert project["maximum_annotations"] == 3 and project["overlap_cohort_percentage"] == 100
    assert "joy" in LabelInterface(project["label_config"]).get_control("emotion").labels
    assert sum(1 for _ in ls_client.iter_tasks(project["id"], with_annotations=False)) == sample_count
    ls_client.delete_project(project["id"])


@pytest.mark.api_feature
def test_demo_image_setup_uploads_each_drawn_image_once(ls_client, tmp_path) -> None:
    first = images.set_up_image_project(ls_client, tmp_path)
    second = images.set_up_image_project(ls_client, tmp_path)
    assert first.project["id"] == second.project["id"]
    assert (first.uploaded, second.uploaded, second.present) == (images.IMAGES, 0, images.IMAGES)
    project = ls_client.project(first.project["id"])
    assert project["maximum_annotations"] == 3
    assert LabelInterface(project["label_config"]).get_control("label").labels == ["Circle", "Square", "Triangle"]
    names = sorted(images.uploaded_name(t) for t in ls_client.iter_tasks(project["id"], with_annotations=False))
    assert names == [f"shapes_{i:02d}.png" for i in range(images.IMAGES)]
    ls_client.delete_project(project["id"])


@pytest.mark.sqlite_only
def test_demo_command_starts_its_own_server_and_prints_the_login(tmp_path, capsys) -> None:
    demo_dir = tmp_path / "demo"
    code = demo_main(["--demo-dir", str(demo_dir), "--port", "0", "--no-wait"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "log in as admin@labelops.local" in out
    # the text project: the sample texts, an earlier round imported with its annotations, live annotations
    assert "text project 1 'labelops demo - emotions': 3 annotators per task, 24 tasks imported" in out
    assert "earlier round: 126 labelled texts imported with 378 annotations" in out
    assert "150 tasks pre-annotated (0 already were)" in out and "backend   http://127.0.0.1:" in out
    # all but the last 6 sample tasks, by three named annotators; the 6 are left for people
    assert "3 simulated annotators made 54 annotations" in out
    # Label Studio started training as the annotations came in, and the project follows the newest version
    trained = re.search(r"training run\(s\), started by Label Studio every 18 annotations .*project now on "
                        r"(labelops-p1-v\d+) \(emotion from (\d+) labelled texts\)", out)
    assert trained and int(trained.group(2)) > 126, out
    # zero-shot vs the trained version on the same held-out texts: the model got better
    figures = re.search(r"held-out texts \(42, never imported\): accuracy zero-shot (\d\.\d\d) \(labelops-minilm-zs\) "
                        rf"-> trained (\d\.\d\d) \({trained.group(1)}\)", out)
    assert figures and float(figures.group(2)) > float(figures.group(1)) + 0.1, out
    assert f"6 tasks left to label, each pre-filled by the served version {trained.group(1)}" in out, out
    # the image project: uploaded shapes, the shipped detector's boxes, three annotators, review, report
    assert "image project 3 'labelops demo - shapes': 3 annotators per image, 12 images uploaded" in out
    boxes = re.search(r"12 images pre-annotated \(0 already were\): (\d+) boxes on 12 images", out)
    assert boxes and int(boxes.group(1)) >= 12, out
    assert "3 simulated annotators made 27 annotations (boxes)" in out
    assert re.search(r"review project 4: [1-9]\d* images need review", out), out
    assert "3 images left to label, each pre-filled with the detector's boxes (labelops-shapes_yolo11n-" in out
    # who to log in as for each role, and with which password
    for line in ("log in as annotator1@labelops.local  (annotator Amira Haddad: the tasks left in projects 1 and 3",
                 "log in as annotator3@labelops.local  (annotator Chen Wei",
                 "log in as reviewer@labelops.local  (reviewer Rosa Lindqvist: projects 2 and 4"):
        assert line in out, line
    assert "review project 2: " in out and "/projects/2/data" in out and "/projects/4/data" in out
    assert f"quality report: {demo_dir / 'report.html'}" in out
    assert "Quality report: labelops demo - emotions" in (demo_dir / "report.html").read_text()
    assert f"quality report: {demo_dir / 'report-shapes.html'}" in out
    assert "Quality report: labelops demo - shapes" in (demo_dir / "report-shapes.html").read_text()
    credentials = demo_dir / "credentials.toml"
    assert credentials.stat().st_mode & 0o077 == 0
    token = credentials.read_text().split('token = "')[1].split('"')[0]
    password = credentials.read_text().split('password = "')[1].split('"')[0]
    assert token not in out and f"  password  {password}  (every demo user" in out
    # what Label Studio holds (the demo's server, started again on its data): the detector's boxes on every image
    with LocalLabelStudio(demo_dir / "label-studio-data", demo_credentials(demo_dir), port=free_port()) as server:
        client = LabelStudioClient(Connection(server.url, server.admin_token))
        version = client.project(3)["model_version"]
        assert version.startswith("labelops-shapes_yolo11n-")
        tasks = list(client.iter_tasks(3))
        served = [next(p for p in t["predictions"] if p["model_version"] == version) for t in tasks]
        assert len(served) == 12 and all(p["result"] for p in served)
        assert {r["type"] for p in served for r in p["result"]} == {"rectanglelabels"}
        assert sum(len(t["annotations"]) for t in tasks) == 27
        assert client.project(4)["title"].startswith("labelops demo - shapes") and client.project(4)["task_number"]


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
