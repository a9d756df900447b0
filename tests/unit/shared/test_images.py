"""Uploaded pictures: shrunk into a square as JPEG, turned upright, metadata dropped; anything
that is not a picture (or a disguised one, or a decompression bomb) refused in plain words."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from shared.images import NotAPicture, resized_jpeg


def picture(size=(1600, 900), mode="RGB", fmt="PNG", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30) if mode == "RGB" else 0).save(
        out, fmt, **save)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("fmt,mode", [("PNG", "RGB"), ("PNG", "RGBA"), ("JPEG", "RGB"), ("WEBP", "RGB"),
                                      ("GIF", "P"), ("PNG", "L")])
def test_pictures_become_a_small_jpeg(fmt, mode):
    out = opened(resized_jpeg(picture(mode=mode, fmt=fmt), 512))
    assert out.format == "JPEG" and out.mode == "RGB"
    assert max(out.size) == 512 and out.size == (512, 288)


def test_small_pictures_are_not_enlarged_and_exif_is_dropped():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotated 90 degrees
    data = picture((200, 100), fmt="JPEG", exif=exif.tobytes())
    out = opened(resized_jpeg(data, 512))
    assert out.size == (100, 200)  # turned upright
    assert not out.getexif()


@pytest.mark.parametrize("data", [b"%PDF-1.4 not a picture", b"MZ\x90\x00 program", b"", b"\x89PNG\r\n\x1a\n broken",
                                  b"<svg xmlns='http://www.w3.org/2000/svg'/>"])
def test_what_is_not_a_picture_is_refused(data):
    with pytest.raises(NotAPicture):
        resized_jpeg(data)


def test_other_image_formats_and_bombs_are_refused():
    with pytest.raises(NotAPicture, match="BMP"):
        resized_jpeg(picture(fmt="BMP"))
    with pytest.raises(NotAPicture, match="too large"):
        resized_jpeg(picture((8000, 6000), mode="L"))
