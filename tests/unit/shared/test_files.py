"""shared.files, attacked: hostile names, content that lies about its type."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from shared.files import (
    OCTET_STREAM,
    content_disposition,
    download_headers,
    safe_filename,
    sniff_type,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00\x30\x01\x00\x9d\x01\x2a"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/users')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"></svg>'


@pytest.mark.parametrize("raw,expected", [
    ('C:\\扫描\\盖章"合同\n.pdf', "盖章合同.pdf"),
    ("../../etc/passwd", "passwd"),
    ("\x00\n", "attachment"),
    (".htaccess", "htaccess"),
    ("..", "attachment"),
    ("...", "attachment"),
    ("  . hidden.txt  ", "hidden.txt"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override would show "exe.jpg"
    ("a\r\nSet-Cookie: x=1.txt", "aSet-Cookie x=1.txt"),
    ("report<script>.pdf", "reportscript.pdf"),
    ("tab\there.pdf", "tabhere.pdf"),
    ("odd\u3000 \u00a0 spaces.pdf", "odd spaces.pdf"),
    (None, "attachment"),
])
def test_safe_filename(raw, expected):
    assert safe_filename(raw) == expected


def test_long_names_keep_their_extension():
    name = safe_filename("长" * 400 + ".pdf")
    assert len(name) == 255 and name.endswith(".pdf")
    assert len(safe_filename("长" * 400)) == 255


@pytest.mark.parametrize("data,kind", [
    (PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp"), (PDF, "application/pdf"),
    (HTML, OCTET_STREAM), (SVG, OCTET_STREAM), (b"", OCTET_STREAM), (b"plain text", OCTET_STREAM),
    (b"  %PDF-1.4 but not at the start", OCTET_STREAM),
])
def test_sniffing_trusts_only_the_bytes(data, kind):
    assert sniff_type(data) == kind


def test_office_files_are_served_opaque():
    book = Workbook()
    out = io.BytesIO()
    book.save(out)
    assert sniff_type(out.getvalue()) == OCTET_STREAM


def test_content_disposition_is_rfc6266_and_cannot_break_the_header():
    value = content_disposition('合同 "final"\r\nX-Evil: 1;.pdf')
    assert "\r" not in value and "\n" not in value
    assert value.startswith('attachment; filename="')
    assert value.endswith("filename*=UTF-8''%E5%90%88%E5%90%8C%20finalX-Evil%201%3B.pdf")
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and ";" not in fallback and fallback.endswith(".pdf")


def test_download_headers_inline_only_for_safe_types():
    kind, headers = download_headers(HTML, "x.html", inline=True)
    assert kind == OCTET_STREAM and headers["Content-Disposition"].startswith("attachment;")
    assert headers["X-Content-Type-Options"] == "nosniff"
    kind, headers = download_headers(PNG, "x.png", inline=True)
    assert kind == "image/png" and headers["Content-Disposition"].startswith("inline;")
    kind, headers = download_headers(PNG, "x.png")
    assert headers["Content-Disposition"].startswith("attachment;")
