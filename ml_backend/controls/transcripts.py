"""TextArea on Audio → a transcript from a Whisper checkpoint the user brings (ASR_MODEL_PATH; no weights ship).

A task's audio is fetched and decoded (`ml_backend.audio`), cut into windows the model hears at once
(Whisper: 30 s; a word across a cut may be split), transcribed in batches of BATCH_SIZE windows, and the
windows' texts joined. The transcript's score is its geometric-mean token probability under the model.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import threading

import numpy as np
from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend import stats, weights
from ml_backend.active_learning.versions import ServingRun
from ml_backend.controls.base import ControlModel, NotServable, TaskOutcome
from ml_backend.regions import textarea
from ml_backend.settings import BackendSettings

log = logging.getLogger(__name__)
AUDIO_TAGS = ("Audio", "AudioPlus")
# decoded batches alive at once per process (at most BATCH_SIZE clips of MAX_AUDIO_SECONDS at 16 kHz, 4 bytes a
# sample, each): the memory bound does not grow with the number of concurrent requests
BATCHES_IN_FLIGHT = 2
_batch_slots = threading.BoundedSemaphore(BATCHES_IN_FLIGHT)


def windows(samples: np.ndarray, size: int) -> list[np.ndarray]:
    """`samples` cut into consecutive pieces of at most `size` (the last one shorter); none when empty."""
    return [samples[start:start + size] for start in range(0, len(samples), max(1, size))]


def transcript_score(logprobs: list[float]) -> float:
    """exp(mean token log-probability): the geometric mean of the chosen tokens' probabilities, in (0, 1]
    (0.0 without tokens). Lower = the model is less sure of its transcript = label sooner."""
    return math.exp(sum(logprobs) / len(logprobs)) if logprobs else 0.0


def joined(texts: list[str]) -> str:
    """The windows' texts as one transcript (empty ones left out)."""
    return " ".join(t.strip() for t in texts if t.strip())


class SpeechTranscriber(ControlModel):
    kind = "transcribe"
    served_as = "TextArea on Audio (speech-to-text, Whisper)"
    serves_from = "ASR_MODEL_PATH: a Whisper checkpoint directory the user brings (no speech weights ship; " \
                  "not served without it)"
    trains = "no"
    score_definition = ("exp of the mean log-probability of the transcript's tokens, end-of-text included (the "
                        "geometric-mean token probability, in (0, 1]); 0 when the audio cannot be read")

    @classmethod
    def is_control_matched(cls, control: ControlTag, settings: BackendSettings) -> bool:
        return control.tag == "TextArea" and control.objects[0].tag in AUDIO_TAGS

    def __init__(self, control: ControlTag, settings: BackendSettings, run: ServingRun | None = None) -> None:
        super().__init__(control, settings, run)
        where = f"TextArea '{self.from_name}' on Audio"
        path = settings.asr_model_path
        if not path:
            raise NotServable(f"{where}: no speech-to-text model configured (ASR_MODEL_PATH: a Whisper checkpoint "
                              "directory; no ASR weights ship)")
        if importlib.util.find_spec("soundfile") is None:
            raise NotServable(f"{where}: decoding audio needs soundfile (pip install 'labelops[backend]')")
        from ml_backend.speech import language_token, load_whisper

        try:
            self.speech = weights.cached("asr", path, load_whisper)
        except ValueError as exc:
            raise NotServable(f"{where}: ASR_MODEL_PATH={path!r}: {exc}") from None
        if settings.asr_language:
            try:
                language_token(self.speech, settings.asr_language)
            except ValueError as exc:
                raise NotServable(f"{where}: ASR_LANGUAGE={settings.asr_language!r}: {exc}") from None

    @property
    def version(self) -> str:
        return self.speech.tag

    def predict_tasks(self, tasks: list[dict]) -> list[TaskOutcome]:
        """BATCH_SIZE tasks at a time: fetch and decode their audio, transcribe their windows, score."""
        outcomes = [TaskOutcome() for _ in tasks]
        bs = max(1, self.settings.batch_size)
        for start in range(0, len(tasks), bs):
            with _batch_slots:
                self._predict_batch(tasks[start:start + bs], outcomes[start:start + bs])
        return outcomes

    def _predict_batch(self, tasks: list[dict], outcomes: list[TaskOutcome]) -> None:
        from ml_backend.audio import fetch_all
        from ml_backend.speech import transcribe

        fetched = fetch_all(tasks, self.value_key, self.settings, self.speech.sampling_rate, self.project_id)
        pieces: list[tuple[int, np.ndarray]] = []
        for i, f in enumerate(fetched):
            outcomes[i].error = f.error
            if f.samples is not None:
                pieces += [(i, w) for w in windows(f.samples, self.speech.window_samples)]
        del fetched
        texts: list[list[str]] = [[] for _ in tasks]
        logprobs: list[list[float]] = [[] for _ in tasks]
        bs = max(1, self.settings.batch_size)
        try:
            for start in range(0, len(pieces), bs):
                chunk = pieces[start:start + bs]
                stats.bump("model_calls.transcribe")
                found = transcribe(self.speech, [w for _, w in chunk], self.settings.asr_language,
                                   self.settings.torch_threads)
                for (i, _), transcript in zip(chunk, found, strict=True):
                    texts[i].append(transcript.text)
                    logprobs[i] += transcript.logprobs
        except Exception as exc:  # a model failure answers empty results, never a 500
            log.exception("speech-to-text model call failed")
            for i in {i for i, _ in pieces}:
                outcomes[i].error = f"model error: {type(exc).__name__}"
            return
        for i in {i for i, _ in pieces}:
            score = transcript_score(logprobs[i])
            text = joined(texts[i])
            outcomes[i].regions = [textarea(self.from_name, self.to_name, text, score)] if text else []
            outcomes[i].uncertainty = round(score, 6)
