"""Images fetched into an export: safe unique file names, what is not an image, what cannot be fetched."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from sdk_scripts.errors import LabelopsError
from sdk_scripts.formats.images import fetch_images, file_name
from sdk_scripts.labelstudio.media import MediaError
from tests.support.formats import record


@pytest.mark.parametrize(("ref", "fmt", "name"), [
    ("/data/upload/3/ab12-cat.png", "PNG", "7-ab12-cat.png"),
    ("/data/local-files/?d=photos/dog%20one.jpeg", "JPEG", "7-dog_one.jpg"),
    ("s3://bucket/a/b/c.webp", "WEBP", "7-c.webp"),
    ("https://host/x/../../etc/passwd", None, "7-passwd.img"),
    ("/data/upload/1/", "PNG", "7-1.png"),
    ("/data/upload/1/..png", "PNG", "7-image.png"),
])
def test_file_names_are_the_task_and_a_safe_base_name(ref: str, fmt: str | None, name: str) -> None:
    assert file_name(7, ref, fmt) == name


def test_what_cannot_be_fetched_or_is_no_image_is_left_out_with_its_reason(tmp_path: Path) -> None:
    png = io.BytesIO()
    Image.new("RGB", (5, 4)).save(png, "PNG")
    blobs = {"/ok.png": png.getvalue(), "/text.png": b"hello"}

    def fetch(ref: str, task: int) -> bytes:
        if ref not in blobs:
            raise MediaError("HTTP 403 from Label Studio: it refused the API token", status=403)
        return blobs[ref]

    records = [record(1, {"image": "/ok.png"}, []), record(2, {"image": "/text.png"}, []),
               record(3, {"image": "/gone.png"}, []), record(4, {"img": "/ok.png"}, [])]
    fetched, left_out = fetch_images(fetch, records, "image", tmp_path)
    assert list(fetched) == [1] and (fetched[1].width, fetched[1].height) == (5, 4)
    assert fetched[1].path == tmp_path / "1-ok.png" and fetched[1].path.read_bytes() == blobs["/ok.png"]
    assert [(i.task, i.reason) for i in left_out] == [
        (2, "image not fetched: not an image (UnidentifiedImageError)"),
        (3, "image not fetched: HTTP 403 from Label Studio: it refused the API token"),
        (4, "image not fetched: no image reference in task data 'image'")]
    with pytest.raises(LabelopsError, match="needs Label Studio to fetch them from"):
        fetch_images(None, records, "image", tmp_path)
