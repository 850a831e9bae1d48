"""An S3-compatible server on a free loopback port (moto's `moto_server`), for the benchmarks."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from sdk_scripts.devserver.ports import free_port

# moto accepts any credentials; Label Studio's S3 storage and boto3 need some
KEY, SECRET, REGION = "labelops-bench-key", "labelops-bench-secret", "us-east-1"


class LocalS3:
    """`with LocalS3(log_path) as s3:` — `s3.url` (the endpoint), `s3.client()` (boto3), stopped on exit."""

    def __init__(self, log_path: Path, timeout: float = 60.0) -> None:
        self.port = free_port()
        self.log_path = Path(log_path)
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LocalS3:
        # `moto_server`, run as a module: works in any venv, with or without the console script
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                httpx.get(self.url, timeout=2)
                return self
            except httpx.HTTPError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"moto_server did not start; see {self.log_path}") from None
                time.sleep(0.2)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def client(self):  # -> botocore S3 client
        import boto3

        return boto3.client("s3", endpoint_url=self.url, aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                            region_name=REGION)

    def storage_fields(self, bucket: str, prefix: str) -> dict:
        """The fields of a Label Studio S3 source storage reading `bucket/prefix` here, with presigned URLs."""
        return {"bucket": bucket, "prefix": prefix, "use_blob_urls": True, "presign": True, "presign_ttl": 15,
                "aws_access_key_id": KEY, "aws_secret_access_key": SECRET, "region_name": REGION,
                "s3_endpoint": self.url}
