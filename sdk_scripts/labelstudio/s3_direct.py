"""Objects of allow-listed S3 buckets read straight from S3 with the reader's own credentials, not via Label Studio.

Off unless buckets are listed (`MEDIA_S3_DIRECT_BUCKETS`). Credentials, region and endpoint come from boto3's
standard chain (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, `AWS_PROFILE`,
`AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` for MinIO and other S3-compatible servers, instance roles); they are
never in a message. Every failure is a `MediaError` naming the URI and the cause.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from sdk_scripts.labelstudio.media import MediaError

# one client per resolver, shared by its threads: the backend's FETCH_WORKERS per request times its concurrent
# requests (connections are opened only when needed)
POOL_CONNECTIONS = 64


def bucket_and_key(uri: str) -> tuple[str, str] | None:
    """(bucket, key) of an `s3://bucket/key` URI, as Label Studio's S3 storage writes it; None for other URIs."""
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme.lower() != "s3":
        return None
    bucket, _, key = rest.partition("/")
    return bucket, key


class S3Reader:
    """`get_object` on the listed buckets, at most `max_bytes` per object, one boto3 client made on first use."""

    def __init__(self, buckets: Iterable[str], timeout: float) -> None:
        self.buckets = frozenset(buckets)
        self.timeout = timeout
        self._client = None
        self._lock = threading.Lock()

    def reads(self, uri: str) -> bool:
        """Whether `uri` is an `s3://` URI of a listed bucket (read here, not through Label Studio)."""
        parts = bucket_and_key(uri)
        return parts is not None and parts[0] in self.buckets

    def _s3(self):  # -> botocore S3 client
        with self._lock:
            if self._client is None:
                try:
                    import boto3
                    from botocore.config import Config
                except ImportError:
                    raise MediaError("MEDIA_S3_DIRECT_BUCKETS needs boto3 (pip install 'labelops[backend]')") from None
                config = Config(connect_timeout=self.timeout, read_timeout=self.timeout,
                                max_pool_connections=POOL_CONNECTIONS, retries={"mode": "standard", "max_attempts": 2})
                self._client = boto3.session.Session().client("s3", config=config)
            return self._client

    def read(self, uri: str, max_bytes: int) -> bytes:
        """The object's bytes (MediaError when it is missing, refused, unreachable or over `max_bytes`)."""
        from botocore.exceptions import BotoCoreError, ClientError

        bucket, key = bucket_and_key(uri) or ("", "")
        if not bucket or not key:
            raise MediaError(f"S3 URI {uri}: no bucket or no object key")
        try:
            obj = self._s3().get_object(Bucket=bucket, Key=key)
            body = obj["Body"]
            try:
                if int(obj.get("ContentLength") or 0) > max_bytes:
                    raise MediaError(f"S3 object {uri}: larger than {max_bytes} bytes")
                data = body.read(max_bytes + 1)
            finally:
                body.close()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            raise MediaError(f"S3 object {uri} not read: {error.get('Code') or status} (HTTP {status}: "
                             f"{error.get('Message') or 'no message'})", status=status) from None
        except BotoCoreError as exc:  # no credentials, endpoint unreachable, timeout, bad bucket name
            raise MediaError(f"S3 object {uri} not read: {type(exc).__name__} ({exc})") from None
        if len(data) > max_bytes:
            raise MediaError(f"S3 object {uri}: larger than {max_bytes} bytes")
        return data
