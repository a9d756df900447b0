"""Files users upload and download again (no framework imports).

- `safe_filename`: the name we store: the last path part, without control or format
  characters (bidi overrides included), quotes or characters Windows refuses, no leading
  dots, at most 255 characters (the extension kept).
- `sniff_type`: the type decided from the bytes (puremagic), never from the uploader's
  header or the name's extension; only PNG, JPEG, GIF, WebP (not SVG) and PDF keep their
  type, anything else is `application/octet-stream`.
- `download_headers`: what a file is sent back with: its sniffed type (or the one
  shared.doctypes decided at upload), `nosniff`,
  `Content-Disposition: attachment` (inline only for the safe types, when asked) with the
  name as RFC 6266 `filename*=UTF-8''...` and an ASCII fallback, and no caching.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

OCTET_STREAM = "application/octet-stream"
SAFE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
MAX_NAME_LENGTH = 255
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_DROPPED_CHARS = frozenset('"<>:|?*')
_MAX_EXTENSION = 16


def safe_filename(name: str | None, *, default: str = "attachment", max_length: int = MAX_NAME_LENGTH) -> str:
    """A file name safe to store and to send back in a header."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    cleaned = "".join(ch for ch in base
                      if unicodedata.category(ch) not in _DROPPED_CATEGORIES and ch not in _DROPPED_CHARS)
    cleaned = " ".join(cleaned.split())  # any run of blanks (tabs, odd spaces) becomes one space
    cleaned = cleaned.lstrip(". ").rstrip(". ")
    if len(cleaned) > max_length:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and stem and len(ext) <= _MAX_EXTENSION:
            cleaned = stem[: max_length - len(ext) - 1].rstrip(". ") + "." + ext
        else:
            cleaned = cleaned[:max_length].rstrip(". ")
    return cleaned or default


def sniff_type(data: bytes) -> str:
    """The MIME type read from the content when it is a safe image or a PDF, else
    application/octet-stream."""
    import puremagic

    if not data:
        return OCTET_STREAM
    try:
        kind = puremagic.from_string(data, mime=True)
    except (puremagic.PureError, ValueError, IndexError):
        return OCTET_STREAM
    return kind if kind in SAFE_TYPES else OCTET_STREAM


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """`attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>` (RFC 6266/8187)."""
    name = safe_filename(filename)
    fallback = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\;%' else "_" for ch in name)
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_headers(data: bytes, filename: str, *, inline: bool = False,
                     content_type: str | None = None) -> tuple[str, dict[str, str]]:
    """(Content-Type, other headers) to send an uploaded file back with. `inline` is honoured
    only for the safe types. content_type: a type decided from the bytes at upload by a
    stricter rule (shared.doctypes), used instead of sniffing again."""
    kind = content_type or sniff_type(data)
    return kind, {
        "Content-Disposition": content_disposition(filename, inline=inline and kind in SAFE_TYPES),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }


def export_headers(filename: str) -> dict[str, str]:
    """Headers for a generated download (an export): attachment, nosniff, no caching."""
    return {"Content-Disposition": content_disposition(filename), "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store"}
