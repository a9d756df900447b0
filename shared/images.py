"""Pictures people upload (a contact's photo, later a product's): read with Pillow whatever the
file is named, refused unless it is a JPEG, PNG, WebP or GIF, turned upright (EXIF), shrunk to
fit a square and stored as one JPEG, so what is kept is small and never the original's
metadata (GPS positions in phone photos) or a script disguised as an image."""

from __future__ import annotations

import io

from marshmallow import Schema, fields
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
MAX_PIXELS = 40_000_000  # a decompression bomb (a tiny file that opens as a huge image) is refused


class NotAPicture(ValueError):
    """The bytes are not a picture we take; the message says why, in plain words."""


def resized_jpeg(data: bytes, max_side: int = 512, quality: int = 85) -> bytes:
    """The picture shrunk to fit max_side x max_side (never enlarged), as JPEG bytes."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
        if kind not in ACCEPTED:
            raise NotAPicture(f"a {kind or 'unknown'} file is not accepted; use JPEG, PNG, WebP or GIF")
        if width * height > MAX_PIXELS:
            raise NotAPicture(f"the picture is too large ({width} x {height} pixels)")
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            picture = ImageOps.exif_transpose(image)
            picture.thumbnail((max_side, max_side))
            if picture.mode in ("RGBA", "LA", "P"):
                picture = picture.convert("RGBA")
                canvas = Image.new("RGB", picture.size, "white")
                canvas.paste(picture, mask=picture.getchannel("A"))
                picture = canvas
            elif picture.mode != "RGB":
                picture = picture.convert("RGB")
            out = io.BytesIO()
            picture.save(out, "JPEG", quality=quality, optimize=True)
            return out.getvalue()
    except NotAPicture:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise NotAPicture("the file is not a picture (JPEG, PNG, WebP or GIF) or it is damaged") from exc


def picture_upload(max_bytes: int, side: int) -> bytes:
    """The multipart `file` of the request as a resized JPEG: 413 past max_bytes, 422
    not_a_picture (with the reason) for anything else than a JPEG, PNG, WebP or GIF."""
    from shared.errors import ValidationFailed
    from shared.uploads import read_upload

    data, _name = read_upload(max_bytes, what="the picture")
    try:
        return resized_jpeg(data, side)
    except NotAPicture as exc:
        raise ValidationFailed("not a picture", code="not_a_picture", details={"file": [str(exc)]}) from None


class PictureUpload(Schema):
    """The multipart body of a picture upload (for the OpenAPI document)."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                               "description": "JPEG, PNG, WebP or GIF, up to 10 MB"})
