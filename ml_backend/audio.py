"""Task audio for the backend: fetched through the shared media resolver, decoded to mono at the model's rate.

Fetching is the images' (`ml_backend.media`: Label Studio uploads and local files, cloud storage through
`/tasks/<id>/resolve/`, the allow-lists, the on-disk cache), capped at MAX_AUDIO_BYTES. Decoding is
`soundfile` (libsndfile: WAV, FLAC, OGG/Vorbis, MP3 …): the duration is read from the file's header and
checked against MAX_AUDIO_SECONDS before anything is decoded, channels are averaged, and the samples are
resampled with a polyphase filter (`scipy.signal.resample_poly`). Each fetch returns the samples or a
reason string; nothing raises for a bad task. One decode at a time per process.
"""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from math import gcd

import numpy as np

from ml_backend.media import resolver, sniff
from ml_backend.settings import BackendSettings
from sdk_scripts.labelstudio.media import MediaError

_decode_slots = threading.BoundedSemaphore(1)


@dataclass
class Fetched:
    """Mono float32 samples at the requested rate, or why there are none."""

    samples: np.ndarray | None = None
    error: str = ""


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """`samples` at `rate` Hz brought to `target` Hz (polyphase FIR, scipy's anti-aliasing window)."""
    if rate == target:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    common = gcd(rate, target)
    return resample_poly(samples, target // common, rate // common).astype(np.float32)


def decode(data: bytes, rate: int, max_seconds: float) -> np.ndarray:
    """Mono float32 samples at `rate` Hz from an audio file's bytes (ValueError with the reason)."""
    import soundfile as sf

    try:
        info = sf.info(io.BytesIO(data))
    except Exception:  # libsndfile: "Format not recognised", truncated headers
        raise ValueError(f"not an audio file soundfile can read ({sniff(data)})") from None
    if info.frames <= 0 or info.samplerate <= 0:
        raise ValueError("audio file without samples")
    seconds = info.frames / info.samplerate
    if seconds > max_seconds:
        raise ValueError(f"audio too long ({seconds:.1f} s > MAX_AUDIO_SECONDS={max_seconds:g})")
    limit = int(max_seconds * info.samplerate) + 1  # a header that under-states the length does not get past
    with _decode_slots:
        try:
            samples, native = sf.read(io.BytesIO(data), frames=limit, dtype="float32", always_2d=True)
        except Exception as exc:  # damaged data after a valid header
            raise ValueError(f"damaged audio ({type(exc).__name__}: {str(exc)[:120]})") from None
        if len(samples) >= limit:
            raise ValueError(f"audio too long (> MAX_AUDIO_SECONDS={max_seconds:g})")
        if not len(samples):
            raise ValueError("audio file without samples")
        mono = samples.mean(axis=1)
        del samples
        return resample(mono, int(native), rate)


def fetch_one(ref: object, settings: BackendSettings, rate: int, task_id: object = None,
              project_id: object = None) -> Fetched:
    """Fetch and decode one task's audio; a reason instead of an exception on any failure."""
    try:
        data = resolver(settings, settings.max_audio_bytes).fetch(ref, task_id=task_id, project_id=project_id)
    except MediaError as exc:
        return Fetched(error=str(exc)[:300])
    except Exception as exc:  # one bad task must not fail the batch
        return Fetched(error=f"{type(exc).__name__}: {exc}"[:300])
    try:
        return Fetched(samples=decode(data, rate, settings.max_audio_seconds))
    except ValueError as exc:
        return Fetched(error=str(exc))


def fetch_all(tasks: list[dict], value_key: str, settings: BackendSettings, rate: int, project_id: object = None
              ) -> list[Fetched]:
    """Fetch and decode the audio of `tasks` (FETCH_WORKERS threads), in input order."""
    if not tasks:
        return []

    def one(task: dict) -> Fetched:
        data = task.get("data") if isinstance(task, dict) else None
        ref = data.get(value_key) if isinstance(data, dict) else None
        return fetch_one(ref, settings, rate, task_id=task.get("id") if isinstance(task, dict) else None,
                         project_id=project_id)

    with ThreadPoolExecutor(max_workers=max(1, min(settings.fetch_workers, len(tasks)))) as pool:
        return list(pool.map(one, tasks))
