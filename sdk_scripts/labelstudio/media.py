"""Task media (images) from a task's data value to bytes, from exactly the places a deployment allows.

One resolver for the backend (prediction, training) and the CLI. What a reference may be, and how it
is fetched:

* a Label Studio media path — `/data/upload/...`, `/data/local-files/?d=...`, `/storage-data/...`,
  `/tasks/<id>/resolve/?fileuri=...` (and `/presign/`), relative or on Label Studio's own origin —
  fetched from Label Studio with its API token. Nothing else on Label Studio's origin ever gets the
  token (no `/api/...`, no `..` tricks: the path is %-decoded and normalised first, `..` segments are
  refused, and what is sent is that path re-encoded, so a double-encoded `%252e%252e` stays a name);
* a cloud-storage URI (`s3://`, `gs://`, `azure-blob://`, ...) — resolved through Label Studio's
  resolve endpoint for the task (`/tasks/<id>/resolve/`, else `/projects/<id>/resolve/`), which
  answers with the bytes (storage with presigned URLs off) or a redirect to a presigned URL, which
  is fetched without the token;
* an `s3://` URI of a bucket in `s3_direct_buckets` — also when it comes as Label Studio's resolve path
  for it (`/tasks/<id>/resolve/?fileuri=<base64>`, as Label Studio's task API shows it) — read from S3
  itself with the reader's own credentials (`s3_direct.py`), Label Studio out of the image's path;
* `/data/local-files/?d=REL` (relative or on Label Studio's origin) read straight from disk when
  `local_files_root` is set, the file lies inside it and inside one of `allowed_local_dirs` (symlinks
  resolved), else fetched through Label Studio, which applies its own local-storage rules; an absolute
  or escaping `d` is refused either way;
* a local path (`/abs/path`, `file://`) inside one of `allowed_local_dirs`;
* an `http(s)` URL under one of `allowed_url_prefixes`, compared by scheme, host, port and whole path
  segments of the %-decoded path (`..` refused); URLs with user info (`http://a@b/`) are refused; the
  URL fetched is the one checked, rebuilt from its parsed parts; each redirect hop is checked again.

Every failure is a `MediaError` with one line saying why. Fetched bytes are capped at `max_bytes`.
An optional on-disk `MediaCache` (bounded in bytes, entries expire) keyed by the resolved object
(never by a presigned URL) keeps a training run from fetching an image twice.
"""

from __future__ import annotations

import base64
import hashlib
import os
import posixpath
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit

import httpx

STORAGE_SCHEMES = ("s3", "gs", "gcs", "azure-blob", "azure", "azure-spi", "azure-blob-spi", "minio")
_LS_MEDIA_PATH = re.compile(r"^/(data/upload/|data/local-files/?$|storage-data/|tasks/\d+/(resolve|presign)/?$|"
                            r"projects/\d+/(resolve|presign)/?$)")
_LS_RESOLVE_PATH = re.compile(r"^/(tasks|projects)/\d+/(resolve|presign)/?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def open_image(fp: object, *args: object, **kwargs: object):  # -> PIL.Image.Image
    """Pillow's own `Image.open`. ultralytics, once imported, replaces it with one that, on bytes Pillow cannot
    identify, tries to import (or install) pi-heif, turning "not an image" into a ModuleNotFoundError."""
    from PIL import Image

    opener = Image.open
    if opener.__module__ != "PIL.Image":
        opener = getattr(sys.modules.get("ultralytics.utils.patches"), "_image_open", opener)
    return opener(fp, *args, **kwargs)


class MediaError(ValueError):
    """A task's media reference cannot be fetched; the message says why in one line.

    `status`: the HTTP status the server answered, where one did."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotHttpUrl(MediaError):
    """The reference is not an absolute http(s) URL."""


@dataclass(frozen=True)
class MediaPolicy:
    """Where task media may come from, and the limits on fetching it."""

    label_studio_url: str = ""
    allowed_url_prefixes: tuple[str, ...] = ()
    allowed_local_dirs: tuple[str, ...] = ()
    local_files_root: str = ""
    max_bytes: int = 30_000_000
    timeout: float = 20.0
    max_redirects: int = 3
    # buckets whose `s3://` objects are read from S3 itself (boto3's credentials), not through Label Studio
    s3_direct_buckets: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Origin:
    scheme: str
    host: str
    port: int
    path: str


def _origin(url: str) -> _Origin:
    """Scheme, lower-case host, explicit port and path of an absolute http(s) URL (MediaError otherwise)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise MediaError(f"malformed URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise NotHttpUrl("not an http(s) URL")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise MediaError("URLs with user info (user@host) are refused")
    return _Origin(scheme, parts.hostname.lower().rstrip("."), port or _DEFAULT_PORTS[scheme], parts.path or "/")


def _clean_path(path: str) -> str:
    """The URL path with %-escapes decoded, refused when it climbs (`..`) or hides a scheme/host."""
    decoded = unquote(path)
    if "\\" in decoded or "\x00" in decoded or any(seg == ".." for seg in decoded.split("/")):
        raise MediaError("path with '..' or backslashes refused")
    normal = posixpath.normpath(decoded)
    return normal + ("/" if decoded.endswith("/") and normal != "/" else "")


def _quote_path(path: str) -> str:
    """A decoded path encoded again for the request line (`%` -> `%25`: one decoding gives `path` back)."""
    return quote(path, safe="/!$&'()*+,;=:@-._~")


def _local_files_rel(query: str) -> str:
    """The `d` of a `/data/local-files/?d=REL` query, refused when absolute or climbing out (`..`)."""
    rel = parse_qs(query).get("d", [""])[0]
    if not rel or rel.startswith(("/", "\\")) or "\x00" in rel or any(s == ".." for s in re.split(r"[/\\]", rel)):
        raise MediaError("local-files path must be relative to the document root, without '..'")
    return rel


def _under_prefix(url: _Origin, prefix: str) -> bool:
    """Whether `url` lies under `prefix`: same scheme, host and port, and whole segments of the decoded path."""
    try:
        allowed = _origin(prefix)
        path = _clean_path(url.path)
    except MediaError:
        return False
    if (url.scheme, url.host, url.port) != (allowed.scheme, allowed.host, allowed.port):
        return False
    base = allowed.path if allowed.path.endswith("/") else allowed.path + "/"
    return allowed.path in ("", "/") or path == allowed.path.rstrip("/") or path.startswith(base)


def _inside(path: Path, dirs: tuple[str, ...]) -> bool:
    real = Path(os.path.realpath(path))
    return any(real.is_relative_to(os.path.realpath(d)) for d in dirs if d)


def storage_uri(ref: str) -> bool:
    """Whether `ref` is a cloud-storage URI Label Studio resolves (`s3://bucket/key`, `gs://...`, ...)."""
    scheme, sep, _ = ref.partition("://")
    return bool(sep) and scheme.lower() in STORAGE_SCHEMES


@dataclass
class MediaCache:
    """Fetched media on disk under `root`, at most `max_bytes` in all, each entry for at most `ttl` seconds."""

    root: Path
    max_bytes: int = 1_000_000_000
    ttl: float = 3600.0
    _since_trim: int = field(default=0, repr=False)

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.root / digest[:2] / digest

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            if time.time() - path.stat().st_mtime > self.ttl:
                path.unlink(missing_ok=True)
                return None
            data = path.read_bytes()
        except OSError:
            return None
        os.utime(path, (time.time(), path.stat().st_mtime))  # atime: recently used (LRU), mtime: age (TTL)
        return data

    def put(self, key: str, data: bytes) -> None:
        if self.max_bytes <= 0 or len(data) > self.max_bytes:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
                tmp.write(data)
            os.replace(tmp.name, path)
        except OSError:
            return
        self._since_trim += len(data)
        if self._since_trim > self.max_bytes // 10:
            self.trim()

    def trim(self) -> None:
        """Drop expired entries, then the least recently used until the cache fits `max_bytes`."""
        self._since_trim = 0
        now, entries = time.time(), []
        for path in self.root.glob("*/*"):
            try:
                st = path.stat()
            except OSError:
                continue
            if now - st.st_mtime > self.ttl:
                path.unlink(missing_ok=True)
            else:
                entries.append((st.st_atime, st.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size


AuthHeaders = Callable[[], Mapping[str, str]]


class MediaResolver:
    """Fetches task media under a `MediaPolicy`; `auth()` gives Label Studio's Authorization header (or {})."""

    def __init__(self, policy: MediaPolicy, auth: AuthHeaders | None = None, cache: MediaCache | None = None,
                 http: httpx.Client | None = None) -> None:
        self.policy = policy
        self._auth = auth or (lambda: {})
        self.cache = cache
        self._http = http or httpx.Client(timeout=policy.timeout, follow_redirects=False)
        self._ls = _origin(policy.label_studio_url) if policy.label_studio_url else None
        self._s3 = None
        if policy.s3_direct_buckets:
            from sdk_scripts.labelstudio.s3_direct import S3Reader

            self._s3 = S3Reader(policy.s3_direct_buckets, policy.timeout)

    def fetch(self, ref: object, task_id: object = None, project_id: object = None) -> bytes:
        """The bytes behind a task's media reference (MediaError with the reason when there are none)."""
        if not isinstance(ref, str) or not ref.strip():
            raise MediaError("missing media reference in task data")
        ref = ref.strip()
        if storage_uri(ref):
            return self._storage(ref, task_id, project_id)
        local = self._local_file(ref)
        if local is not None:
            return self._read_file(local)
        if ref.startswith("/"):
            return self._ls_path(ref)
        try:
            url = _origin(ref)
        except NotHttpUrl:
            raise MediaError("not a Label Studio media path, cloud-storage URI, http(s) URL or local path") from None
        if self._ls is not None and (url.scheme, url.host, url.port) == (self._ls.scheme, self._ls.host,
                                                                          self._ls.port):
            split = urlsplit(ref)
            relative = split.path[len(self._ls.path.rstrip("/")):] + (f"?{split.query}" if split.query else "")
            local = self._local_files_file(relative)
            if local is not None:
                return self._read_file(local)
            return self._ls_path(relative)
        return self._cached(f"url:{ref}", lambda: self._from_allowed_url(ref))

    def direct_uri(self, ref: str) -> str | None:
        """The `s3://` URI read from S3 itself for a reference (the URI, or Label Studio's resolve path naming
        it), or None when the reference goes elsewhere (no bucket listed, another bucket, not a storage URI)."""
        if self._s3 is None:
            return None
        if storage_uri(ref):
            return ref if self._s3.reads(ref) else None
        split = urlsplit(ref)
        try:
            path = _clean_path(split.path)
        except MediaError:
            return None
        if split.scheme or split.netloc or not _LS_RESOLVE_PATH.match(path):
            return None
        uri = _decode_fileuri(parse_qs(split.query).get("fileuri", [""])[0])
        return uri if self._s3.reads(uri) else None

    # -- places ----------------------------------------------------------------------------------

    def _cached(self, key: str, fetch: Callable[[], bytes]) -> bytes:
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        data = fetch()
        if self.cache is not None:
            self.cache.put(key, data)
        return data

    def _storage(self, uri: str, task_id: object, project_id: object) -> bytes:
        s3 = self._s3 if self._s3 is not None and self._s3.reads(uri) else None
        return self._cached(f"storage:{uri}", lambda: s3.read(uri, self.policy.max_bytes) if s3 is not None
                            else self._from_storage(uri, task_id, project_id))

    def _ls_path(self, path_and_query: str) -> bytes:
        """A Label Studio media path (relative): a resolve path of a directly read S3 object goes to S3."""
        uri = self.direct_uri(path_and_query)
        if uri is not None:
            return self._storage(uri, None, None)
        return self._cached(f"ls:{self._ls_media_path(path_and_query)}",
                            lambda: self._from_label_studio(path_and_query))

    def _local_files_file(self, ref: str) -> Path | None:
        """The file on disk for a `/data/local-files/?d=REL` reference when it is read from disk, else None."""
        p = self.policy
        split = urlsplit(ref)
        if split.path.rstrip("/") != "/data/local-files" or split.netloc or split.scheme:
            return None
        rel = _local_files_rel(split.query)
        if not p.local_files_root:
            return None  # Label Studio serves it
        path = Path(p.local_files_root, rel)
        if not _inside(path, (p.local_files_root,)) or not _inside(path, p.allowed_local_dirs):
            raise MediaError("local-files path outside ALLOWED_LOCAL_DIRS")
        return path

    def _local_file(self, ref: str) -> Path | None:
        """A file to read from disk for `ref`, or None when `ref` is not one (MediaError when refused)."""
        p = self.policy
        split = urlsplit(ref)
        if split.path.rstrip("/") == "/data/local-files" and not split.netloc:
            return self._local_files_file(ref)
        if ref.startswith("file://"):
            ref = unquote(split.path)
        elif not ref.startswith("/") or ref.startswith(("/data/", "/storage-data/", "/tasks/", "/projects/")):
            return None
        if not p.allowed_local_dirs:
            raise MediaError("local paths are not allowed (ALLOWED_LOCAL_DIRS is empty)")
        path = Path(ref)
        if not _inside(path, p.allowed_local_dirs):
            raise MediaError("local path outside ALLOWED_LOCAL_DIRS")
        return path

    def _read_file(self, path: Path) -> bytes:
        try:
            real = Path(os.path.realpath(path))
            if not _inside(real, self.policy.allowed_local_dirs):  # the file opened is the one checked
                raise MediaError("local path outside ALLOWED_LOCAL_DIRS")
            if not real.is_file():
                raise MediaError("no such file")
            if real.stat().st_size > self.policy.max_bytes:
                raise MediaError(f"file larger than {self.policy.max_bytes} bytes")
            with real.open("rb") as fh:
                return fh.read(self.policy.max_bytes + 1)[: self.policy.max_bytes]
        except OSError as exc:
            raise MediaError(f"cannot read file ({type(exc).__name__})") from None

    def _ls_media_path(self, path_and_query: str) -> str:
        """The normalised Label Studio media path (with query), or MediaError when it is not one."""
        if self._ls is None:
            raise MediaError("Label Studio URL not configured (LABEL_STUDIO_URL) for a Label Studio path")
        split = urlsplit(path_and_query)
        if split.scheme or split.netloc:
            raise MediaError("not a Label Studio media path")
        path = _clean_path(split.path)
        if not _LS_MEDIA_PATH.match(path):
            raise MediaError("not a Label Studio media path (/data/upload/, /data/local-files/, /storage-data/, "
                             "/tasks/<id>/resolve/)")
        if path.startswith("/data/local-files"):
            _local_files_rel(split.query)
        return _quote_path(path) + (f"?{split.query}" if split.query else "")

    def _from_label_studio(self, path_and_query: str) -> bytes:
        path = self._ls_media_path(path_and_query)
        base = self.policy.label_studio_url.rstrip("/")
        return self._get(base + path, with_auth=True)

    def _from_storage(self, uri: str, task_id: object, project_id: object) -> bytes:
        encoded = base64.urlsafe_b64encode(uri.encode("utf-8")).decode("ascii")
        if _is_id(task_id):
            path = f"/tasks/{task_id}/resolve/?fileuri={encoded}"
        elif _is_id(project_id):
            path = f"/projects/{project_id}/resolve/?fileuri={encoded}"
        else:
            raise MediaError("a cloud-storage URI needs the task or project id to be resolved by Label Studio")
        try:
            return self._from_label_studio(path)
        except MediaError as exc:
            if exc.status == 404:
                raise MediaError("Label Studio could not resolve the storage URI (404: no source storage of "
                                 "the project matches its bucket, or the object is missing)") from None
            raise

    def _from_allowed_url(self, url: str) -> bytes:
        target = _origin(url)
        _clean_path(target.path)  # MediaError for '..'
        if not any(_under_prefix(target, prefix) for prefix in self.policy.allowed_url_prefixes):
            raise MediaError("URL not allowed by ALLOWED_URL_PREFIXES")
        # fetch what was checked: the URL rebuilt from its parsed parts (no parser differences with httpx)
        return self._get(urlunsplit(urlsplit(url)._replace(fragment="")), with_auth=False, check_hops=True)

    # -- HTTP ------------------------------------------------------------------------------------

    def _get(self, url: str, *, with_auth: bool, check_hops: bool = False) -> bytes:
        """GET with redirects followed by hand: the token goes to the first (Label Studio) hop only.

        `check_hops`: every hop must be under ALLOWED_URL_PREFIXES (a Label Studio redirect goes to the
        storage Label Studio presigned, which is allowed as such).
        """
        headers = dict(self._auth()) if with_auth else {}
        for _ in range(self.policy.max_redirects + 1):
            try:
                with self._http.stream("GET", url, headers=headers) as resp:
                    if resp.is_redirect:
                        location = resp.headers.get("location", "")
                        if with_auth and "/user/login" in location:
                            raise MediaError("Label Studio answered with its login page: it did not accept the API "
                                             "token for media")
                        url = str(resp.url.join(location))
                        if check_hops and not any(_under_prefix(_origin(url), p)
                                                  for p in self.policy.allowed_url_prefixes):
                            raise MediaError("redirected to a URL not allowed by ALLOWED_URL_PREFIXES")
                        _origin(url)  # an http(s) URL without user info
                        headers = {}
                        continue
                    if resp.status_code in (401, 403) and headers:
                        raise MediaError(f"HTTP {resp.status_code} from Label Studio: it refused the API token "
                                         "(LABEL_STUDIO_API_KEY) for media", status=resp.status_code)
                    if resp.status_code != 200:
                        raise MediaError(f"HTTP {resp.status_code} fetching media", status=resp.status_code)
                    return _read_capped(resp, self.policy.max_bytes)
            except httpx.HTTPError as exc:
                raise MediaError(f"fetching media failed ({type(exc).__name__})") from None
        raise MediaError(f"more than {self.policy.max_redirects} redirects")


def _is_id(value: object) -> bool:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _decode_fileuri(value: str) -> str:
    """The storage URI in a resolve path's `fileuri`, decoded as Label Studio decodes it (base64, else %-escapes)."""
    try:
        return base64.urlsafe_b64decode(value.encode()).decode()
    except ValueError:  # binascii.Error, UnicodeDecodeError
        return unquote(value)


def _read_capped(resp: httpx.Response, limit: int) -> bytes:
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise MediaError(f"media larger than {limit} bytes")
    chunks, total = [], 0
    for chunk in resp.iter_bytes(65536):
        total += len(chunk)
        if total > limit:
            raise MediaError(f"media larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
