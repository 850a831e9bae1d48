"""open_image is Pillow's own Image.open even after ultralytics has patched it (no pi-heif detour)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, UnidentifiedImageError

from sdk_scripts.labelstudio.media import open_image


def test_bytes_that_are_no_image_raise_pillows_error_after_ultralytics_patched_image_open() -> None:
    import ultralytics.utils.patches  # noqa: F401  (replaces PIL.Image.open)

    assert Image.open.__module__ != "PIL.Image", "ultralytics no longer patches Image.open: drop open_image"
    with pytest.raises(UnidentifiedImageError):
        open_image(io.BytesIO(b"hello, not an image"))
    png = io.BytesIO()
    Image.new("RGB", (3, 2)).save(png, "PNG")
    with open_image(io.BytesIO(png.getvalue())) as image:
        assert image.size == (3, 2)
