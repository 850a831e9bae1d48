"""Task images for the backend: fetched through the shared media resolver, decoded small, one batch at a time.

Where an image may come from, and with which credentials, is `sdk_scripts.labelstudio.media`; the backend's
resolver for its settings (token, bounded on-disk cache) is `ml_backend.media`. Here: decoding with the
pixel and size guards, and downscaling right after decoding (boxes and polygons are in percent of the
image, so the model sees the same picture at a fraction of the memory). Each fetch returns a decoded
RGB image or a reason string; nothing raises for a bad task.

Memory: one full-size decode at a time per process (at most MAX_IMAGE_PIXELS x 4 bytes, plus the small
copy), downscaled in its own mode before the RGB conversion; on glibc the process shares MALLOC_ARENAS
malloc arenas among its threads, so what one decode frees is reused by the next (see docs/security.md
for the measured bound).
"""

from __future__ import annotations

import ctypes
import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from ml_backend.media import resolver, sniff
from ml_backend.settings import BackendSettings
from sdk_scripts.labelstudio.media import MediaError, open_image


@dataclass
class Fetched:
    """A decoded image, or why there is none."""

    image: Image.Image | None = None
    error: str = ""


# modes Pillow resizes with any filter; palette and bilevel images are converted to RGB first
_RESIZABLE_MODES = ("RGB", "RGBA", "RGBX", "L", "LA", "I", "F")
# decoding holds the full-size picture for a moment: one at a time per process
_decode_slots = threading.BoundedSemaphore(1)
_M_ARENA_MAX = -8  # glibc mallopt parameter
MALLOC_ARENAS = 1


def _share_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """glibc: at most `arenas` malloc arenas in this process, shared by all its threads.

    glibc gives threads that allocate their own arena (up to 8 per core), and an arena keeps what a decoded
    image freed for the next allocation of its own threads: with fetch threads taking turns at decoding,
    every arena grows to hold full-size pictures (measured: 12 decodes of a 36-megapixel PNG on 8 threads
    held 1.2 GB at the end, 0.4-0.6 GB with one or two arenas). No-op (False) on other C libraries.
    """
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        return bool(ctypes.CDLL(None).mallopt(_M_ARENA_MAX, arenas))
    except (ValueError, OSError, AttributeError):  # not glibc
        return False


_share_malloc_arenas()


def download(ref: object, settings: BackendSettings, task_id: object = None, project_id: object = None) -> bytes:
    """The bytes behind a task's image reference, from the places the settings allow (raises MediaError)."""
    return resolver(settings).fetch(ref, task_id=task_id, project_id=project_id)


def decode(data: bytes, settings: BackendSettings, max_side: int | None = None) -> Image.Image:
    """An RGB image from bytes, at most `max_side` pixels on its longer side (ValueError with the reason)."""
    with _decode_slots:
        try:
            with open_image(io.BytesIO(data)) as probe:
                w, h = probe.size
                if w * h > settings.max_image_pixels:
                    raise ValueError(f"image too large ({w}x{h} > {settings.max_image_pixels} pixels)")
                side = max_side or settings.max_decoded_side
                if side and max(w, h) > side:
                    probe.draft("RGB", (side, side))  # JPEG: decode at a reduced scale directly
                    # downscale first, in the file's own mode where resizing it is exact (no full-size RGB copy)
                    img = probe if probe.mode in _RESIZABLE_MODES else probe.convert("RGB")
                    img.thumbnail((side, side), Image.Resampling.BILINEAR)
                    img = img.convert("RGB")
                else:
                    img = probe.convert("RGB")
            img.info["original_size"] = (w, h)  # regions report the size Label Studio shows
            return img
        except Image.DecompressionBombError:
            raise ValueError("image too large (decompression bomb guard)") from None
        except UnidentifiedImageError:
            raise ValueError(f"not an image file ({sniff(data)})") from None
        except ValueError:
            raise
        except Exception as exc:  # a truncated or damaged file
            raise ValueError(f"damaged image ({type(exc).__name__}: {str(exc)[:120]})") from None


def fetch_one(ref: object, settings: BackendSettings, task_id: object = None, project_id: object = None) -> Fetched:
    """Fetch and decode one image; a reason instead of an exception on any failure."""
    try:
        data = download(ref, settings, task_id=task_id, project_id=project_id)
    except MediaError as exc:
        return Fetched(error=str(exc)[:300])
    except Exception as exc:  # one bad task must not fail the batch
        return Fetched(error=f"{type(exc).__name__}: {exc}"[:300])
    try:
        return Fetched(image=decode(data, settings))
    except ValueError as exc:
        return Fetched(error=str(exc))


def fetch_all(tasks: list[dict], value_key: str, settings: BackendSettings, project_id: object = None
              ) -> list[Fetched]:
    """Fetch and decode the images of `tasks` (FETCH_WORKERS threads), in input order."""
    if not tasks:
        return []

    def one(task: dict) -> Fetched:
        data = task.get("data") if isinstance(task, dict) else None
        ref = data.get(value_key) if isinstance(data, dict) else None
        return fetch_one(ref, settings, task_id=task.get("id") if isinstance(task, dict) else None,
                         project_id=project_id)

    with ThreadPoolExecutor(max_workers=max(1, min(settings.fetch_workers, len(tasks)))) as pool:
        return list(pool.map(one, tasks))
