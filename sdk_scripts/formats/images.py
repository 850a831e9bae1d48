"""Task images fetched into an export directory through the one media resolver; those that fail are listed."""

from __future__ import annotations

import io
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from sdk_scripts.errors import LabelopsError
from sdk_scripts.formats.base import Fetch, LeftOut
from sdk_scripts.labelstudio.media import open_image

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "BMP": ".bmp", "TIFF": ".tif", "WEBP": ".webp"}


@dataclass(frozen=True)
class FetchedImage:
    """An image written into the export: its file, size in pixels."""

    path: Path
    width: int
    height: int


def _base_name(ref: str) -> str:
    """The file name a media reference ends in (`/data/upload/3/ab12-cat.png` -> `ab12-cat.png`, a local-files
    `?d=dir/x.jpg` -> `x.jpg`, `s3://bucket/k/y.png` -> `y.png`)."""
    parts = urlsplit(ref)
    local = parse_qs(parts.query).get("d")
    path = local[0] if local else unquote(parts.path)
    return posixpath.basename(path.rstrip("/"))


def file_name(task: int, ref: str, image_format: str | None) -> str:
    """`<task>-<name>`: unique in the export, traceable to its task, safe on any filesystem."""
    stem, dot, ext = _base_name(ref).rpartition(".")
    if not dot:
        stem, ext = _base_name(ref), ""
    stem = _UNSAFE.sub("_", stem).strip("._")[:80] or "image"
    suffix = _EXTENSIONS.get(image_format or "", "." + _UNSAFE.sub("", ext)[:5].lower() if ext else ".img")
    return f"{task}-{stem}{suffix}"


def _decode(blob: bytes) -> tuple[str | None, int, int]:
    """(PIL format, width, height) of image bytes; ValueError when they are not an image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with open_image(io.BytesIO(blob)) as img:
            img.verify()
        with open_image(io.BytesIO(blob)) as img:
            return img.format, img.width, img.height
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not an image ({type(exc).__name__})") from None


def fetch_image(fetch: Fetch, record: dict, key: str, folder: Path) -> FetchedImage:
    """Fetch the record's image (task data `key`) into `folder`; ValueError with the reason when it fails."""
    from sdk_scripts.labelstudio.media import MediaError

    ref = (record.get("data") or {}).get(key)
    if not isinstance(ref, str) or not ref.strip():
        raise ValueError(f"no image reference in task data {key!r}")
    try:
        blob = fetch(ref, record["task"])
    except (MediaError, LabelopsError) as exc:
        raise ValueError(str(exc)) from None
    image_format, width, height = _decode(blob)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(record["task"], ref, image_format)
    path.write_bytes(blob)
    return FetchedImage(path, width, height)


def fetch_images(fetch: Fetch | None, records: list[dict], key: str,
                 folder: Path) -> tuple[dict[int, FetchedImage], list[LeftOut]]:
    """{task: fetched image} and the tasks whose image could not be fetched (each with its reason)."""
    if fetch is None:
        raise LabelopsError("this format writes the images: it needs Label Studio to fetch them from")
    fetched: dict[int, FetchedImage] = {}
    left_out: list[LeftOut] = []
    for record in records:
        try:
            fetched[record["task"]] = fetch_image(fetch, record, key, folder)
        except ValueError as exc:
            left_out.append(LeftOut(record["task"], f"image not fetched: {exc}"))
    return fetched, left_out
