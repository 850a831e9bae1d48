"""Fetching task images concurrently: Label Studio URLs with the API token, allowed http(s) URLs and local paths.

Each fetch returns either a decoded RGB PIL image or a reason string; nothing raises for a bad task.
"""

from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import requests
from PIL import Image

from ml_backend.settings import BackendSettings


@dataclass
class Fetched:
    """A decoded image, or why there is none."""

    image: Image.Image | None = None
    error: str = ""


def _read_limited(resp: requests.Response, limit: int) -> bytes:
    chunks, total = [], 0
    for chunk in resp.iter_content(65536):
        total += len(chunk)
        if total > limit:
            raise ValueError(f"image larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _local_path(url: str, s: BackendSettings) -> Path | None:
    """A local file the settings allow, for `/data/local-files/?d=...` or a plain path."""
    if url.startswith("/data/local-files"):
        rel = parse_qs(urlparse(url).query).get("d", [""])[0]
        root = os.environ.get("LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT", "")
        candidate = Path(root, unquote(rel)) if root else None
        if candidate and candidate.is_file():
            return candidate
        return None
    if url.startswith("file://"):
        url = unquote(urlparse(url).path)
    if url.startswith("/") and not url.startswith("/data/"):
        path = Path(url).resolve()
        if any(path.is_relative_to(Path(d).resolve()) for d in s.allowed_local_dirs):
            return path
    return None


def download(url: str, s: BackendSettings) -> bytes:
    """The bytes behind a task's image reference, from the places the settings allow (raises ValueError)."""
    local = _local_path(url, s)
    if local is not None:
        if local.stat().st_size > s.max_image_bytes:
            raise ValueError(f"image larger than {s.max_image_bytes} bytes")
        return local.read_bytes()
    headers = {}
    if url.startswith("/data/"):
        if not s.label_studio_url:
            raise ValueError("Label Studio URL not configured (LABEL_STUDIO_URL) for a /data/ path")
        url = s.label_studio_url.rstrip("/") + url
        headers["Authorization"] = f"Token {s.label_studio_api_key}"
    elif url.startswith(("http://", "https://")):
        ls = s.label_studio_url.rstrip("/")
        if ls and url.startswith(ls + "/"):
            headers["Authorization"] = f"Token {s.label_studio_api_key}"
        elif not any(url.startswith(p) for p in s.allowed_url_prefixes):
            raise ValueError("URL not allowed by ALLOWED_URL_PREFIXES")
    else:
        raise ValueError("not a Label Studio URL, allowed http(s) URL or allowed local path")
    with requests.get(url, headers=headers, timeout=s.fetch_timeout, stream=True) as resp:
        if resp.status_code != 200:
            raise ValueError(f"HTTP {resp.status_code} fetching image")
        return _read_limited(resp, s.max_image_bytes)


def fetch_one(url: object, s: BackendSettings) -> Fetched:
    """Fetch and decode one image; a reason instead of an exception on any failure."""
    if not isinstance(url, str) or not url.strip():
        return Fetched(error="missing image reference in task data")
    try:
        data = download(url.strip(), s)
    except Exception as exc:  # one bad task must not fail the batch
        return Fetched(error=f"{type(exc).__name__}: {exc}"[:300])
    try:
        with Image.open(io.BytesIO(data)) as probe:
            w, h = probe.size
            if w * h > s.max_image_pixels:
                return Fetched(error=f"image too large ({w}x{h} > {s.max_image_pixels} pixels)")
            img = probe.convert("RGB")
        return Fetched(image=img)
    except Image.DecompressionBombError:
        return Fetched(error="image too large (decompression bomb guard)")
    except Exception as exc:
        return Fetched(error=f"not a decodable image ({type(exc).__name__})")


def fetch_all(urls: list[object], s: BackendSettings) -> list[Fetched]:
    """Fetch images concurrently (FETCH_WORKERS threads), in input order."""
    if not urls:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(s.fetch_workers, len(urls)))) as pool:
        return list(pool.map(lambda u: fetch_one(u, s), urls))
