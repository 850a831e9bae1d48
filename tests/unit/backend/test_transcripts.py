"""TextArea on Audio served from a Whisper checkpoint (a tiny random one built here): audio decoding and its
limits, the transcript's score, /setup and /predict in-process, and every bad input answered without a 500."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import numpy as np
import pytest
from flask.testing import FlaskClient

from ml_backend.audio import decode, resample
from ml_backend.controls.transcripts import SpeechTranscriber, joined, transcript_score, windows
from ml_backend.regions import textarea
from ml_backend.server import create_app
from ml_backend.settings import BackendSettings
from ml_backend.speech import kept_tokens, load_whisper, transcribe
from sdk_scripts.label_config_library import read_config, render_config
from tests.support.speech import audio_bytes, noise, save_tiny_whisper, tone

AUDIO_CONFIG = render_config(read_config("audio_transcription"), {})
RATE = 16_000


@pytest.fixture(scope="module")
def tiny_whisper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_whisper(tmp_path_factory.mktemp("asr") / "tiny-whisper")


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Audio files of every kind a task may point at, in one allowed directory."""
    root = tmp_path_factory.mktemp("audio")
    files = {"tone.wav": audio_bytes(tone(2.0, 44_100, channels=2), 44_100),
             "noise.flac": audio_bytes(noise(1.5), fmt="FLAC"),
             "noise.ogg": audio_bytes(noise(1.0, 22_050, seed=1), 22_050, fmt="OGG"),
             "long.wav": audio_bytes(noise(35.0, seed=2)),
             "first30.wav": audio_bytes(noise(35.0, seed=2)[:30 * RATE]),
             "last5.wav": audio_bytes(noise(35.0, seed=2)[30 * RATE:]),
             "page.wav": b"<!DOCTYPE html><html><body>Sign in</body></html>",
             # 4 s, but 1.5 MB: 48 kHz stereo 32-bit float
             "big.wav": audio_bytes(tone(4.0, 48_000, channels=2), 48_000, subtype="FLOAT")}
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


def _client(model: Path | str, media: Path, **settings: object) -> FlaskClient:
    values: dict[str, object] = {"asr_model_path": str(model), "model_dir": str(media.parent / "models"),
                                 "media_cache_bytes": 0, "allowed_local_dirs": [str(media)],
                                 "max_audio_seconds": 40.0, "max_audio_bytes": 1_000_000, **settings}
    return create_app(BackendSettings(**values)).test_client()  # type: ignore[arg-type]


# -- pure logic ------------------------------------------------------------------------------------


def test_transcript_score_is_the_geometric_mean_token_probability() -> None:
    assert transcript_score([math.log(0.5), math.log(0.5)]) == pytest.approx(0.5)
    assert transcript_score([math.log(0.9), math.log(0.1)]) == pytest.approx(math.sqrt(0.09))
    assert transcript_score([0.0]) == 1.0 and transcript_score([]) == 0.0
    assert "geometric-mean token probability" in SpeechTranscriber.score_definition


def test_windows_cut_at_the_model_window_and_kept_tokens_stop_after_end_of_text() -> None:
    assert [len(w) for w in windows(np.zeros(70), 30)] == [30, 30, 10] and windows(np.zeros(0), 30) == []
    assert kept_tokens([5, 6, 0, 0, 0], [-1.0, -2.0, -0.5, -9.0, -9.0], eos=0) == ([5, 6, 0], [-1.0, -2.0, -0.5])
    assert kept_tokens([5, 6], [-1.0, -2.0], eos=0) == ([5, 6], [-1.0, -2.0])  # cut off by the token limit
    assert joined([" hello ", "", "world"]) == "hello world"


def test_textarea_result_is_label_studios_format() -> None:
    region = textarea("transcription", "audio", "hello world", 0.4321234)
    assert {k: v for k, v in region.items() if k != "id"} == {
        "from_name": "transcription", "to_name": "audio", "type": "textarea", "value": {"text": ["hello world"]},
        "score": 0.432123}


# -- decoding ----------------------------------------------------------------------------------------


def test_decode_mixes_channels_and_resamples_to_the_model_rate() -> None:
    samples = decode(audio_bytes(tone(2.0, 44_100, hz=1000.0, channels=2), 44_100), RATE, 600)
    assert samples.dtype == np.float32 and samples.shape == (2 * RATE,)
    spectrum = np.abs(np.fft.rfft(samples))
    assert np.argmax(spectrum) * RATE / len(samples) == pytest.approx(1000.0, abs=1.0)  # the tone is kept
    assert decode(audio_bytes(noise(1.0, 22_050), 22_050, fmt="OGG"), RATE, 600).shape == (RATE,)
    assert decode(audio_bytes(noise(0.5), fmt="FLAC"), RATE, 600).shape == (RATE // 2,)
    assert resample(np.ones(48_000, dtype=np.float32), 48_000, RATE).shape == (RATE,)


@pytest.mark.parametrize(("data", "reason"), [
    (b"<!DOCTYPE html><html>login</html>", "not an audio file soundfile can read (an HTML page)"),
    (b"", "not an audio file soundfile can read (empty)"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not an audio file soundfile can read"),
    (audio_bytes(noise(3.0)), "audio too long (3.0 s > MAX_AUDIO_SECONDS=2)"),
])
def test_decode_refuses_what_is_not_audio_or_too_long(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match="^" + reason.replace("(", r"\(").replace(")", r"\)")):
        decode(data, RATE, max_seconds=2)


# -- the model -----------------------------------------------------------------------------------------


def test_transcripts_keep_a_log_probability_per_token(tiny_whisper: Path) -> None:
    speech = load_whisper(str(tiny_whisper))
    assert (speech.sampling_rate, speech.window_samples, speech.multilingual) == (RATE, 30 * RATE, False)
    found = transcribe(speech, [noise(1.0)[:, 0], tone(2.0)[:, 0]])
    assert len(found) == 2
    for transcript in found:
        assert transcript.text and 0 < len(transcript.logprobs) <= 12
        assert all(lp <= 0 for lp in transcript.logprobs) and 0 < transcript_score(transcript.logprobs) <= 1
    assert speech.tag.startswith("tiny-whisper-") and load_whisper(str(tiny_whisper)).tag == speech.tag


def test_recorded_log_probabilities_are_transformers_transition_scores(tiny_whisper: Path) -> None:
    """What the backend records per step is what `compute_transition_scores` gives from `output_scores`."""
    speech = load_whisper(str(tiny_whisper))
    clips = [noise(1.0, seed=11)[:, 0], noise(0.5, seed=12)[:, 0]]
    features = speech.processor.feature_extractor(clips, sampling_rate=RATE, return_tensors="pt")
    out = speech.model.generate(features.input_features, return_dict_in_generate=True, output_scores=True,
                                num_beams=1, do_sample=False)
    steps = speech.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
    eos = speech.model.generation_config.eos_token_id
    for transcript, tokens, expected in zip(transcribe(speech, clips), out.sequences[:, -steps.shape[1]:].tolist(),
                                            steps.tolist(), strict=True):
        kept, logprobs = kept_tokens(tokens, expected, eos)
        assert transcript.logprobs == pytest.approx(logprobs, abs=1e-5) and len(kept) == len(transcript.logprobs)


def test_setup_serves_the_transcription_and_skips_the_comment(tiny_whisper: Path, media: Path) -> None:
    resp = _client(tiny_whisper, media).post("/setup", json={"project": "1.1", "schema": AUDIO_CONFIG})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["model_version"] == f"labelops-{load_whisper(str(tiny_whisper)).tag}"
    assert [(c["control"], c["kind"]) for c in body["controls"]] == [("transcription", "transcribe")]
    assert body["controls"][0]["score"] == SpeechTranscriber.score_definition
    assert "TextArea 'comment': skipped (SKIP_CONTROLS)" in body["skipped_controls"]
    assert "Rating 'quality' on Audio: no model for this tag type" in body["skipped_controls"]


def _corrupt(kind: str, good: Path, tmp: Path) -> Path:
    """A model directory broken one way."""
    bad = tmp / f"bad-{kind}"
    if kind == "missing":
        return bad
    bad.mkdir()
    for file in good.iterdir():
        (bad / file.name).write_bytes(file.read_bytes())
    if kind == "no-config":
        (bad / "config.json").unlink()
    elif kind == "bert":
        config = json.loads((bad / "config.json").read_text())
        (bad / "config.json").write_text(json.dumps(config | {"model_type": "bert"}))
    elif kind == "truncated":
        weights = bad / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:5000])
    elif kind == "no-tokenizer":
        (bad / "tokenizer.json").unlink()
    return bad


@pytest.mark.parametrize(("kind", "cause"), [
    ("missing", "not a directory"), ("no-config", "no config.json"),
    ("bert", "config.json is a 'bert' model, not a Whisper checkpoint"),
    ("truncated", "cannot load it ("), ("no-tokenizer", "its tokenizer does not fit the model")])
def test_setup_400_names_the_control_and_the_broken_model(kind: str, cause: str, tiny_whisper: Path, media: Path,
                                                          tmp_path: Path) -> None:
    bad = _corrupt(kind, tiny_whisper, tmp_path)
    resp = _client(bad, media).post("/setup", json={"schema": AUDIO_CONFIG})
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert f"TextArea 'transcription' on Audio: ASR_MODEL_PATH={str(bad)!r}: {cause}" in error, error


def test_without_a_model_the_tag_is_not_served_and_says_why(media: Path) -> None:
    resp = _client("", media).post("/setup", json={"schema": AUDIO_CONFIG})
    assert resp.status_code == 400
    assert ("TextArea 'transcription' on Audio: no speech-to-text model configured (ASR_MODEL_PATH: a Whisper "
            "checkpoint directory; no ASR weights ship)") in resp.get_json()["error"]


def test_a_language_the_checkpoint_lacks_is_refused_and_one_it_has_is_served(media: Path, tmp_path: Path) -> None:
    english = save_tiny_whisper(tmp_path / "english")
    multilingual = save_tiny_whisper(tmp_path / "multilingual", multilingual=True)
    for model, language, cause in [(english, "de", "the checkpoint is English-only"),
                                   (multilingual, "fr", "the checkpoint has no language 'fr'")]:
        resp = _client(model, media, asr_language=language).post("/setup", json={"schema": AUDIO_CONFIG})
        assert resp.status_code == 400
        assert f"TextArea 'transcription' on Audio: ASR_LANGUAGE='{language}': {cause}" in resp.get_json()["error"]
    tasks = [{"id": 1, "data": {"audio": str(media / "noise.flac")}}]
    resp = _client(multilingual, media, asr_language="de").post("/predict", json={"tasks": tasks,
                                                                                 "label_config": AUDIO_CONFIG})
    assert resp.status_code == 200 and resp.get_json()["results"][0]["result"][0]["type"] == "textarea"


def test_predict_transcribes_good_audio_and_answers_bad_audio_empty(tiny_whisper: Path, media: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    names = ["tone.wav", "noise.flac", "noise.ogg", "long.wav", "page.wav", "big.wav", "gone.wav"]
    tasks = [{"id": i, "data": {"audio": str(media / name)}} for i, name in enumerate(names, 1)]
    tasks += [{"id": 8, "data": {"audio": "/etc/hostname"}}, {"id": 9, "data": {}}]
    client = _client(tiny_whisper, media, max_audio_seconds=30.0, max_audio_bytes=1_200_000)
    with caplog.at_level(logging.WARNING, logger="ml_backend.model"):
        resp = client.post("/predict", json={"tasks": tasks, "label_config": AUDIO_CONFIG, "project": "1.1"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    version = f"labelops-{load_whisper(str(tiny_whisper)).tag}"
    assert body["model_version"] == version
    results = body["results"]
    assert len(results) == len(tasks)
    for prediction in results[:3]:
        (region,) = prediction["result"]
        assert (region["from_name"], region["to_name"], region["type"]) == ("transcription", "audio", "textarea")
        (text,) = region["value"]["text"]
        assert isinstance(text, str) and text
        assert 0 < region["score"] <= 1 and prediction["score"] == region["score"]
        assert prediction["model_version"] == version
    for prediction in results[3:]:
        assert prediction == {"result": [], "score": 0.0, "model_version": version}
    log = caplog.text
    for task_id, reason in [(4, "audio too long (35.0 s > MAX_AUDIO_SECONDS=30)"),
                            (5, "not an audio file soundfile can read (an HTML page)"),
                            (6, "file larger than 1200000 bytes"), (7, "no such file"),
                            (8, "local path outside ALLOWED_LOCAL_DIRS"), (9, "missing media reference in task data")]:
        assert f"task {task_id}, control 'transcription': no prediction: {reason}" in log, log


def test_audio_longer_than_a_window_is_transcribed_window_by_window(tiny_whisper: Path, media: Path) -> None:
    tasks = [{"id": i, "data": {"audio": str(media / name)}}
             for i, name in enumerate(["long.wav", "first30.wav", "last5.wav"], 1)]
    resp = _client(tiny_whisper, media, max_audio_bytes=1_200_000).post(
        "/predict", json={"tasks": tasks, "label_config": AUDIO_CONFIG})
    whole, first, last = ([r["value"]["text"][0] for r in p["result"]] for p in resp.get_json()["results"])
    assert whole == [joined(first + last)]
    speech = load_whisper(str(tiny_whisper))
    samples = decode((media / "long.wav").read_bytes(), RATE, 600)
    both = transcribe(speech, windows(samples, speech.window_samples))
    expected = transcript_score(both[0].logprobs + both[1].logprobs)
    assert resp.get_json()["results"][0]["score"] == pytest.approx(expected, abs=1e-5)
