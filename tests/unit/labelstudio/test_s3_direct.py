"""Direct S3 reads (`MEDIA_S3_DIRECT_BUCKETS`): which references go to S3 itself, the byte cap, the errors.

Against real sockets, no mocks: moto's S3 server in a thread on loopback (boto3 finds it through
`AWS_ENDPOINT_URL_S3`, as a MinIO user's backend would), a stdlib server answering what S3 answers without
permission (403 AccessDenied), and a stdlib stand-in for Label Studio's media paths that records every request,
so a reference that still goes through Label Studio shows up there and a direct read does not.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from ml_backend.media import resolver
from ml_backend.settings import BackendSettings
from sdk_scripts.devserver.ports import free_port
from sdk_scripts.labelstudio.media import MediaCache, MediaError, MediaPolicy, MediaResolver

KEY, SECRET = "labelops-unit-key", "labelops-unit-secret-0123456789"
BUCKET, OTHER = "direct-images", "via-label-studio"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # 1032 bytes


def resolve_path(uri: str, task: int = 7) -> str:
    """Label Studio's resolve path for a storage URI, as its task API shows storage URIs."""
    return f"/tasks/{task}/resolve/?fileuri={base64.urlsafe_b64encode(uri.encode()).decode()}"


class Recorder:
    """A stdlib HTTP server answering every GET with `status` and `body`; records the paths asked."""

    def __init__(self, status: int = 200, body: bytes = b"from label studio", content_type: str = "image/png"):
        self.paths: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                owner.paths.append(self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    s3 = boto3.client("s3", endpoint_url=url, aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                      region_name="us-east-1")
    for bucket in (BUCKET, OTHER):
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="shapes/a b.png", Body=PNG)
    yield url
    server.stop()


@pytest.fixture
def aws_env(s3_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """boto3's standard chain pointed at the loopback server, nothing read from this machine's own AWS files."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    return s3_server


@pytest.fixture
def label_studio() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.close()


def _resolver(ls: Recorder, buckets: tuple[str, ...] = (BUCKET,), **policy) -> MediaResolver:
    return MediaResolver(MediaPolicy(label_studio_url=ls.url, s3_direct_buckets=buckets, **policy))


def test_only_s3_uris_of_listed_buckets_go_direct(label_studio: Recorder) -> None:
    direct = _resolver(label_studio)
    uri = f"s3://{BUCKET}/shapes/a b.png"
    assert direct.direct_uri(uri) == uri
    assert direct.direct_uri(f"S3://{BUCKET}/x.png") == f"S3://{BUCKET}/x.png"
    for ref in (f"s3://{OTHER}/x.png", f"s3://{BUCKET}.evil/x.png", f"gs://{BUCKET}/x.png",
                f"azure-blob://{BUCKET}/x.png", f"http://{BUCKET}/x.png", "/data/upload/1/x.png", "s3:/x"):
        assert direct.direct_uri(ref) is None, ref
    # Label Studio's resolve path for an object of a listed bucket: the object, for tasks and projects alike
    assert direct.direct_uri(resolve_path(uri)) == uri
    assert direct.direct_uri(resolve_path(uri).replace("/resolve/", "/presign/")) == uri
    assert direct.direct_uri(resolve_path(uri).replace("/tasks/", "/projects/")) == uri
    assert direct.direct_uri(f"/tasks/7/resolve/?fileuri=s3%3A%2F%2F{BUCKET}%2Fk.png") == f"s3://{BUCKET}/k.png"
    for ref in (resolve_path(f"s3://{OTHER}/x.png"), "/tasks/7/resolve/", "/tasks/7/resolve/?fileuri=",
                resolve_path(uri).replace("/tasks/7/", "/tasks/7/../../api/"),
                resolve_path(uri).replace("/resolve/", "/annotations/")):
        assert direct.direct_uri(ref) is None, ref
    # off (no bucket listed): nothing goes direct, whatever the bucket
    assert _resolver(label_studio, ()).direct_uri(uri) is None
    assert _resolver(label_studio, ()).direct_uri(resolve_path(uri)) is None


def test_listed_bucket_read_from_s3_others_through_label_studio(aws_env: str, label_studio: Recorder) -> None:
    r = _resolver(label_studio)
    uri = f"s3://{BUCKET}/shapes/a b.png"
    assert r.fetch(uri, task_id=7) == PNG
    assert r.fetch(resolve_path(uri)) == PNG  # as the task API shows it
    assert r.fetch(label_studio.url + resolve_path(uri)) == PNG  # absolute, on Label Studio's origin
    assert label_studio.paths == []
    # a bucket not listed: Label Studio's resolve endpoint for the task, exactly as without the setting
    other = f"s3://{OTHER}/shapes/a b.png"
    assert r.fetch(other, task_id=7) == b"from label studio"
    assert r.fetch(resolve_path(other, 8)) == b"from label studio"
    assert label_studio.paths == [resolve_path(other), resolve_path(other, 8)]


def test_byte_cap_and_cache(aws_env: str, label_studio: Recorder, tmp_path: Path) -> None:
    uri = f"s3://{BUCKET}/shapes/a b.png"
    assert _resolver(label_studio, max_bytes=len(PNG)).fetch(uri) == PNG
    with pytest.raises(MediaError, match=rf"^S3 object {uri}: larger than {len(PNG) - 1} bytes$"):
        _resolver(label_studio, max_bytes=len(PNG) - 1).fetch(uri)
    # the on-disk cache, keyed by the storage URI: the resolve-path form of the same object is a hit
    s3 = boto3.client("s3")
    s3.put_object(Bucket=BUCKET, Key="shapes/cached.png", Body=PNG[:100])
    cached = MediaResolver(MediaPolicy(label_studio_url=label_studio.url, s3_direct_buckets=(BUCKET,)),
                           cache=MediaCache(tmp_path / "cache"))
    assert cached.fetch(f"s3://{BUCKET}/shapes/cached.png") == PNG[:100]
    s3.delete_object(Bucket=BUCKET, Key="shapes/cached.png")
    assert cached.fetch(resolve_path(f"s3://{BUCKET}/shapes/cached.png")) == PNG[:100]
    assert label_studio.paths == []


def test_errors_name_the_uri_and_the_cause_never_the_credentials(aws_env: str, label_studio: Recorder,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    r = _resolver(label_studio)
    with pytest.raises(MediaError) as missing:
        r.fetch(f"s3://{BUCKET}/shapes/missing.png", task_id=7)
    assert str(missing.value) == (f"S3 object s3://{BUCKET}/shapes/missing.png not read: NoSuchKey (HTTP 404: The "
                                  "specified key does not exist.)") and missing.value.status == 404
    with pytest.raises(MediaError, match="^S3 URI s3://direct-images/: no bucket or no object key$"):
        r.fetch(f"s3://{BUCKET}/")
    assert label_studio.paths == []  # failures of a listed bucket never fall back to Label Studio

    denied = Recorder(403, b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>Access "
                           b"Denied</Message><RequestId>1</RequestId></Error>", "application/xml")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", denied.url)
    try:
        with pytest.raises(MediaError) as refused:
            _resolver(label_studio).fetch(f"s3://{BUCKET}/shapes/a b.png")
    finally:
        denied.close()
    assert str(refused.value) == (f"S3 object s3://{BUCKET}/shapes/a b.png not read: AccessDenied (HTTP 403: "
                                  "Access Denied)") and refused.value.status == 403

    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{free_port()}")  # nothing listens
    with pytest.raises(MediaError, match=rf"^S3 object s3://{BUCKET}/k.png not read: EndpointConnectionError "
                                         r"\(Could not connect to the endpoint URL: "):
        _resolver(label_studio, timeout=2).fetch(f"s3://{BUCKET}/k.png")

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(MediaError) as anonymous:
        _resolver(label_studio).fetch(f"s3://{BUCKET}/k.png")
    assert str(anonymous.value) == (f"S3 object s3://{BUCKET}/k.png not read: NoCredentialsError (Unable to locate "
                                    "credentials)")
    for err in (missing, refused, anonymous):
        assert KEY not in str(err.value) and SECRET not in str(err.value)


def test_backend_setting_reaches_the_resolver() -> None:
    settings = BackendSettings.load({"MEDIA_S3_DIRECT_BUCKETS": f" {BUCKET}, Legacy_Bucket ,",
                                     "MEDIA_CACHE_BYTES": "0"})
    assert settings.media_s3_direct_buckets == [BUCKET, "Legacy_Bucket"]
    assert resolver(settings).policy.s3_direct_buckets == (BUCKET, "Legacy_Bucket")
    assert resolver(settings).direct_uri(f"s3://{BUCKET}/x.png") == f"s3://{BUCKET}/x.png"
    assert BackendSettings.load({}).media_s3_direct_buckets == []
    assert resolver(BackendSettings.load({"MEDIA_CACHE_BYTES": "0"})).direct_uri(f"s3://{BUCKET}/x.png") is None
    for wrong in (f"s3://{BUCKET}", f"{BUCKET}/shapes", "a b"):
        with pytest.raises(ValueError, match=f"^MEDIA_S3_DIRECT_BUCKETS: '{wrong}' is not an S3 bucket name"):
            BackendSettings.load({"MEDIA_S3_DIRECT_BUCKETS": wrong})
