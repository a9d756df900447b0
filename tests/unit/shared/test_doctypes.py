"""Which files may be kept as documents (shared.doctypes): decided from the bytes; programs
refused whatever their name; the name made to agree with the content."""

from __future__ import annotations

import pytest

from shared.doctypes import RefusedType, document_type, stored_name
from tests.unit.shared import doc_samples as s


@pytest.mark.parametrize(("data", "name", "kind", "content_type"), [
    (s.PDF, "报价.pdf", "pdf", "application/pdf"),
    (s.PNG, "logo.png", "png", "image/png"),
    (s.JPEG, "照片.jpg", "jpeg", "image/jpeg"),
    (s.docx(), "方案.docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (s.xlsx(), "清单.xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (s.ole(), "旧合同.doc", "doc", "application/msword"),
    (s.ole(), "旧报表.xls", "xls", "application/vnd.ms-excel"),
    (s.zip_of({"图纸/a.pdf": s.PDF, "说明.txt": "见图纸"}), "资料.zip", "zip", "application/zip"),
    ("会议纪要\n第一项".encode(), "纪要.txt", "text", "text/plain; charset=utf-8"),
    ("名称,电话\n华东机电,021\n".encode("gb18030"), "客户.csv", "text", "text/csv; charset=gb18030"),
    ("\ufeffa,b\n1,2\n".encode(), "bom.csv", "text", "text/csv; charset=utf-8"),
    ("notes".encode("utf-16"), "u16.txt", "text", "text/plain; charset=utf-16"),
])
def test_accepted_kinds(data, name, kind, content_type):
    found = document_type(data, name)
    assert (found.kind, found.content_type) == (kind, content_type)


@pytest.mark.parametrize(("data", "name", "why"), [
    (s.PE, "发票.pdf", "Windows program"),
    (s.PE, "setup.exe", "Windows program"),
    (s.ELF, "report.docx", "Linux program"),
    (s.MACHO, "photo.jpg", "macOS program"),
    (b"\xca\xfe\xba\xbe\x00\x00\x00\x34", "a.txt", "Java program"),
    (s.SCRIPT, "readme.txt", "script"),
    (s.ole(0x000C1084), "合同.doc", "installers"),
    (s.ole(), "mail.msg", ".doc, .xls or .ppt"),
    (s.docx(macros=True), "宏.docx", "macros"),
    (s.zip_of({"资料/setup.exe": b"anything"}), "资料.zip", r"holds a program \(setup\.exe\)"),
    (s.zip_of({"tool.bin.dat": s.ELF}), "资料.zip", "holds a program"),
    (s.zip_of({"a.txt": "x", "run.PS1": "Get-Item"}), "a.zip", "holds a program"),
    (b"PK\x03\x04garbage", "broken.zip", "damaged"),
    (bytes(range(256)) * 4, "data.bin", "not accepted"),
    (b"abc\x00def", "nul.txt", "not accepted"),
    (b"", "empty.pdf", "empty"),
])
def test_refused_whatever_the_name(data, name, why):
    with pytest.raises(RefusedType, match=why):
        document_type(data, name)


@pytest.mark.parametrize(("data", "name", "stored"), [
    (s.PDF, "../../etc/报价.pdf", "报价.pdf"),
    (s.PDF, "..\\..\\Windows\\system32\\合同.PDF", "合同.PDF"),
    (s.PDF, "invoice.exe", "invoice.exe.pdf"),
    (s.PDF, "\u202egnp.pdf", "gnp.pdf"),
    (s.PDF, "noextension", "noextension.pdf"),
    (s.PDF, "", "document.pdf"),
    (s.PDF, "...", "document.pdf"),
    (b"@echo off\r\ndel *.*\r\n", "run.bat", "run.bat.txt"),
    (b"<html><script>alert(1)</script></html>", "page.html", "page.html.txt"),
    (s.JPEG, "a.jpeg", "a.jpeg"),
    (s.PNG, "a.jpg", "a.jpg.png"),
    (s.PDF, "x" * 300 + ".pdf", "x" * 251 + ".pdf"),
])
def test_names_are_neutralised(data, name, stored):
    assert stored_name(name, document_type(data, name)) == stored
