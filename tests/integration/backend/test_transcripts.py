"""Real Label Studio + real backend: an audio_transcription project gets transcripts from a tiny Whisper.

The checkpoint is built on the fly (random weights, Whisper's architecture and files): its transcripts are
noise, so the test checks their shape, their score and the round trip through Label Studio, not their words.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from sdk_scripts.devserver.backend import LocalBackend
from sdk_scripts.label_config_library import read_config, render_config
from tests.support.backends import NETGUARD_DIR
from tests.support.labelstudio import auth_headers, unique_title
from tests.support.speech import audio_bytes, noise, save_tiny_whisper, tone

# a feature driven through the API like the tests the PostgreSQL run keeps: nothing database-specific here
pytestmark = pytest.mark.api_feature


def _ls(label_studio, method: str, path: str, **kwargs) -> dict:
    resp = httpx.request(method, f"{label_studio.url}{path}", timeout=120,
                         headers=auth_headers(label_studio.url, label_studio.admin_token), **kwargs)
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def test_audio_transcription_gets_transcripts_through_label_studio(label_studio, ls_client, run_cli,
                                                                   tmp_path: Path) -> None:
    model = save_tiny_whisper(tmp_path / "tiny-whisper")
    config = render_config(read_config("audio_transcription"), {})
    pid = ls_client.create_project(title=unique_title("asr"), label_config=config)["id"]
    files = {"tone.wav": audio_bytes(tone(2.0, 44_100, channels=2), 44_100),
             "noise.wav": audio_bytes(noise(1.5)),
             "long.wav": audio_bytes(noise(12.0, seed=5)),
             "broken.wav": b"<!DOCTYPE html><html><body>not audio</body></html>"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    uploaded = dict(zip(files, ls_client.upload_files(pid, [str(tmp_path / name) for name in files]), strict=True))
    # a local-files storage: a FLAC under Label Studio's document root, imported by a storage sync and fetched
    # by the backend through Label Studio (the backend is not told the document root)
    local_dir = Path(label_studio.extra_env["LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT"]) / f"asr-p{pid}"
    local_dir.mkdir()
    (local_dir / "local.flac").write_bytes(audio_bytes(noise(1.0, 22_050, seed=7), 22_050, fmt="FLAC"))
    storage = _ls(label_studio, "POST", "/api/storages/localfiles/", json={
        "project": pid, "title": "local", "path": str(local_dir), "regex_filter": r".*\.flac", "use_blob_urls": True})
    _ls(label_studio, "POST", f"/api/storages/localfiles/{storage['id']}/sync")
    refs = {t["id"]: t["data"]["audio"] for t in ls_client.iter_tasks(pid)}
    [local] = [task for task, ref in refs.items() if ref.startswith("/data/local-files/?d=")]

    (tmp_path / "net.log").write_text("")
    env = {"ASR_MODEL_PATH": str(model), "MAX_AUDIO_SECONDS": "10", "LABEL_STUDIO_URL": label_studio.url,
           "LABEL_STUDIO_API_KEY": label_studio.admin_token, "LABELOPS_CACHE_DIR": str(tmp_path / "cache"),
           "YOLO_CONFIG_DIR": str(tmp_path / "ultralytics"), "MODEL_DIR": str(tmp_path / "models"),
           "PYTHONPATH": os.pathsep.join([NETGUARD_DIR, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "NETGUARD_LOG": str(tmp_path / "net.log")}
    backend = LocalBackend(env=env, log_path=tmp_path / "backend.log").start()
    try:
        connected = run_cli("backend", "connect", pid, backend.url)
        assert connected.code == 0, connected.err
        setup = httpx.post(f"{backend.url}/setup", json={"schema": config}, timeout=60).json()
        version = setup["model_version"]
        assert version.startswith("labelops-tiny-whisper-") and ls_client.project(pid)["model_version"] == version
        assert [(c["control"], c["kind"]) for c in setup["controls"]] == [("transcription", "transcribe")]
        ls_client.retrieve_predictions(pid)
        predictions = {p["task"]: p for p in ls_client.predictions(pid)}
    finally:
        backend.stop()
    assert sorted(predictions) == sorted(refs)

    good = [uploaded["tone.wav"], uploaded["noise.wav"], local]
    for task in good:
        pred = predictions[task]
        (region,) = pred["result"]
        assert (region["from_name"], region["to_name"], region["type"]) == ("transcription", "audio", "textarea")
        (text,) = region["value"]["text"]
        assert isinstance(text, str) and text.strip() == text and text
        assert pred["model_version"] == version and 0 < pred["score"] <= 1
        assert region["score"] == pytest.approx(pred["score"])
    for name in ("long.wav", "broken.wav"):
        pred = predictions[uploaded[name]]
        assert (pred["result"], pred["score"], pred["model_version"]) == ([], 0.0, version)
    log = (tmp_path / "backend.log").read_text()
    assert (f"task {uploaded['long.wav']}, control 'transcription': no prediction: audio too long "
            "(12.0 s > MAX_AUDIO_SECONDS=10)") in log
    assert (f"task {uploaded['broken.wav']}, control 'transcription': no prediction: not an audio file soundfile "
            "can read (an HTML page)") in log
    assert (tmp_path / "net.log").read_text() == "" and label_studio.admin_token not in log

    # the round trip: an annotator keeps the pre-filled transcript; Label Studio stores it as the annotation
    task = uploaded["tone.wav"]
    kept = predictions[task]["result"]
    ls_client.create_annotation(task, [{k: v for k, v in kept[0].items() if k != "score"}])
    [annotation] = ls_client.task(task)["annotations"]
    assert [(r["type"], r["value"]) for r in annotation["result"]] == [("textarea", kept[0]["value"])]
