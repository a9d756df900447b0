"""Which files may be kept as documents, decided from their bytes (no framework imports).

The rule (README of the customer service, "Documents"):

1. Programs are refused whatever their name: Windows (PE, `MZ`), Linux (ELF), macOS (Mach-O,
   also universal binaries) and Java class files, Android DEX, WebAssembly, scripts starting
   with `#!`, Windows installers (MSI/MSP/MST: OLE files with the installer's class id), and
   Office files with macros (`vbaProject.bin` inside a docx/xlsx/pptx), since those run code.
2. Only these contents are accepted (anything else is refused, so the list is an allow-list,
   not a deny-list): PDF; PNG, JPEG, GIF, WebP images; Word, Excel, PowerPoint (docx, xlsx,
   pptx and the old doc, xls, ppt); plain text (txt, csv, tsv, md, log) in UTF-8, UTF-16 with
   a byte-order mark or GB18030; zip archives without a program inside (by member name or by
   a member's first bytes; members are not unpacked further).
3. The type is the content's; the name only has to agree with it: a name whose extension is
   not one of the content's gets the content's extension added (`发票.exe` holding a PDF is
   kept as `发票.exe.pdf`, `run.bat` holding text as `run.bat.txt`), so what a user downloads
   opens in the program for what it really is. Old Office files (one container format for
   three programs) must be named .doc, .xls or .ppt.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass

from shared.files import safe_filename, sniff_type


class RefusedType(ValueError):
    """A file that may not be kept; the message says why, in words for the uploader."""


@dataclass(frozen=True)
class DocumentType:
    kind: str
    content_type: str
    extensions: tuple[str, ...]  # the first one is added to a name that has none of them


PDF = DocumentType("pdf", "application/pdf", ("pdf",))
_IMAGES = {
    "image/png": DocumentType("png", "image/png", ("png",)),
    "image/jpeg": DocumentType("jpeg", "image/jpeg", ("jpg", "jpeg", "jpe")),
    "image/gif": DocumentType("gif", "image/gif", ("gif",)),
    "image/webp": DocumentType("webp", "image/webp", ("webp",)),
}
_OOXML = "application/vnd.openxmlformats-officedocument."
DOCX = DocumentType("docx", _OOXML + "wordprocessingml.document", ("docx",))
XLSX = DocumentType("xlsx", _OOXML + "spreadsheetml.sheet", ("xlsx",))
PPTX = DocumentType("pptx", _OOXML + "presentationml.presentation", ("pptx",))
_OLE_BY_EXTENSION = {
    "doc": DocumentType("doc", "application/msword", ("doc",)),
    "xls": DocumentType("xls", "application/vnd.ms-excel", ("xls",)),
    "ppt": DocumentType("ppt", "application/vnd.ms-powerpoint", ("ppt",)),
}
ZIP = DocumentType("zip", "application/zip", ("zip",))
TEXT_EXTENSIONS = ("txt", "csv", "tsv", "md", "log")

# Program files by their first bytes.
_PROGRAM_MAGIC = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xfe\xed\xfa\xce", "a macOS program"), (b"\xfe\xed\xfa\xcf", "a macOS program"),
    (b"\xce\xfa\xed\xfe", "a macOS program"), (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java program"),
    (b"dex\n", "an Android program"),
    (b"\x00asm", "a WebAssembly program"),
    (b"#!", "a script"),
)
# Names of programs and scripts inside an archive.
PROGRAM_EXTENSIONS = frozenset({
    "exe", "dll", "com", "scr", "pif", "cpl", "sys", "msi", "msp", "mst", "bat", "cmd", "ps1", "psm1",
    "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "lnk", "reg", "jar", "apk", "app", "dmg", "pkg",
    "deb", "rpm", "sh", "bash", "run", "bin", "elf", "so", "dylib", "py", "pl", "rb", "php",
})
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_INSTALLER_CLSIDS = frozenset({0x000C1084, 0x000C1086, 0x000C1082})  # MSI, MSP, MST
_CLSID_TAIL = bytes.fromhex("00000000c000000000000046")
_MAX_ZIP_MEMBERS = 5000
_TEXT_SAMPLE = 64 * 1024


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def _program(data: bytes) -> str | None:
    for magic, what in _PROGRAM_MAGIC:
        if data.startswith(magic):
            return what
    return None


def _ole_type(data: bytes, name: str) -> DocumentType:
    if _ole_installer(data):
        raise RefusedType("Windows installers are not accepted")
    found = _OLE_BY_EXTENSION.get(extension(name))
    if found is None:
        raise RefusedType("an old Office file must be named .doc, .xls or .ppt")
    return found


def _ole_installer(data: bytes) -> bool:
    """Whether the OLE file's root entry carries a Windows installer's class id."""
    try:
        shift = struct.unpack_from("<H", data, 30)[0]
        first_dir = struct.unpack_from("<I", data, 48)[0]
        if not 7 <= shift <= 16:
            return False
        root = (first_dir + 1) << shift
        clsid = data[root + 0x50: root + 0x60]
    except struct.error:
        return False
    return len(clsid) == 16 and clsid[4:] == _CLSID_TAIL and struct.unpack_from("<I", clsid)[0] in _INSTALLER_CLSIDS


def _zip_type(data: bytes) -> DocumentType:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise RefusedType("a damaged zip file") from None
    if len(members) > _MAX_ZIP_MEMBERS:
        raise RefusedType(f"a zip file with more than {_MAX_ZIP_MEMBERS} files")
    names = {m.filename for m in members}
    if "[Content_Types].xml" in names:
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise RefusedType("Office files with macros are not accepted")
        for prefix, kind in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
            if any(n.startswith(prefix) for n in names):
                return kind
    for member in members:
        if member.is_dir():
            continue
        if extension(member.filename.rsplit("/", 1)[-1]) in PROGRAM_EXTENSIONS:
            raise RefusedType(f"the zip file holds a program ({safe_filename(member.filename)})")
        if member.flag_bits & 0x1:
            continue  # encrypted: only its name can be checked
        try:
            with archive.open(member) as f:
                head = f.read(8)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError):
            raise RefusedType("a damaged zip file") from None
        if _program(head) or head.startswith(_OLE_MAGIC) and _ole_installer(archive.read(member)[:1 << 20]):
            raise RefusedType(f"the zip file holds a program ({safe_filename(member.filename)})")
    return ZIP


def _text_charset(data: bytes) -> str | None:
    """The text's encoding when the bytes are text (no NULs or stray control characters)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            sample = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
        return "utf-16" if _printable(sample) else None
    if b"\x00" in data:
        return None
    for charset in ("utf-8", "gb18030"):
        try:
            sample = data[:_TEXT_SAMPLE].decode("utf-8-sig" if charset == "utf-8" else charset)
        except UnicodeDecodeError as exc:
            # a multi-byte character cut by the sample's end is fine
            if exc.start < len(data[:_TEXT_SAMPLE]) - 4 or len(data) <= _TEXT_SAMPLE:
                continue
            sample = data[:exc.start].decode(charset, errors="strict")
        return charset if _printable(sample) else None
    return None


def _printable(text: str) -> bool:
    return not any(ord(ch) < 32 and ch not in "\t\n\r\f\v\x1b" for ch in text[:_TEXT_SAMPLE])


def document_type(data: bytes, filename: str) -> DocumentType:
    """The content's type when it may be kept; RefusedType otherwise."""
    if not data:
        raise RefusedType("the file is empty")
    program = _program(data)
    if program:
        raise RefusedType(f"programs are not accepted: this file is {program}")
    sniffed = sniff_type(data)
    if sniffed == "application/pdf":
        return PDF
    if sniffed in _IMAGES:
        return _IMAGES[sniffed]
    if data.startswith(_OLE_MAGIC):
        return _ole_type(data, filename)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_type(data)
    charset = _text_charset(data)
    if charset:
        mime = "text/csv" if extension(filename) == "csv" else "text/plain"
        return DocumentType("text", f"{mime}; charset={charset}", TEXT_EXTENSIONS)
    raise RefusedType("this kind of file is not accepted (PDF, images, Office files, text and zip are)")


def stored_name(filename: str, kind: DocumentType) -> str:
    """The sanitised name, ending in one of the content's extensions (added when missing)."""
    name = safe_filename(filename, default="document")
    if extension(name) in kind.extensions:
        return name
    suffix = "." + kind.extensions[0]
    return safe_filename(name, max_length=255 - len(suffix)) + suffix
