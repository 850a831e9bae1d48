"""The backend's media resolver for its settings: one per process and size cap, shared by images and audio.

Where media may come from, and with which credentials, is `sdk_scripts.labelstudio.media` (one resolver for
the backend and the CLI). Here: that resolver built from `BackendSettings` (Label Studio's token from a
`LabelStudioClient`, so personal access tokens work; the bounded on-disk `MediaCache`), with the byte cap
of the media kind asking (MAX_IMAGE_BYTES, MAX_AUDIO_BYTES).
"""

from __future__ import annotations

import threading
from pathlib import Path

from ml_backend.settings import BackendSettings
from sdk_scripts.labelstudio.media import MediaCache, MediaPolicy, MediaResolver

_resolvers: dict[tuple, MediaResolver] = {}
_resolvers_lock = threading.Lock()


def _auth(settings: BackendSettings):  # -> Callable[[], Mapping[str, str]]
    if not settings.label_studio_url or not settings.label_studio_api_key:
        return lambda: {}
    from sdk_scripts.labelstudio.client import LabelStudioClient
    from sdk_scripts.labelstudio.connection import Connection

    client = LabelStudioClient(Connection(settings.label_studio_url.rstrip("/"), settings.label_studio_api_key),
                               timeout=settings.fetch_timeout, retries=1)
    return client.auth_headers


def resolver(settings: BackendSettings, max_bytes: int | None = None) -> MediaResolver:
    """The process's media resolver for these settings and byte cap (default MAX_IMAGE_BYTES): one HTTP
    connection pool and one cache per combination."""
    cap = settings.max_image_bytes if max_bytes is None else max_bytes
    key = (settings.label_studio_url, settings.label_studio_api_key, tuple(settings.allowed_url_prefixes),
           tuple(settings.allowed_local_dirs), settings.local_files_root, tuple(settings.media_s3_direct_buckets), cap,
           settings.fetch_timeout, settings.media_cache_dir(), settings.media_cache_bytes, settings.media_cache_ttl)
    with _resolvers_lock:
        if key not in _resolvers:
            policy = MediaPolicy(label_studio_url=settings.label_studio_url.rstrip("/"),
                                 allowed_url_prefixes=tuple(settings.allowed_url_prefixes),
                                 allowed_local_dirs=tuple(settings.allowed_local_dirs),
                                 local_files_root=settings.local_files_root, max_bytes=cap,
                                 timeout=settings.fetch_timeout,
                                 s3_direct_buckets=tuple(settings.media_s3_direct_buckets))
            cache = (MediaCache(Path(settings.media_cache_dir()), settings.media_cache_bytes, settings.media_cache_ttl)
                     if settings.media_cache_bytes > 0 else None)
            _resolvers[key] = MediaResolver(policy, auth=_auth(settings), cache=cache)
        return _resolvers[key]


def sniff(data: bytes) -> str:
    """What undecodable bytes look like, for a reason line (an HTML page, JSON, empty, their first bytes)."""
    head = data[:64].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if head.startswith((b"{", b"[")):
        return "JSON"
    if not data:
        return "empty"
    return f"{len(data)} bytes, starts {data[:8].hex()}"
