"""Hostile XLSX files for tests: a workbook with one part rewritten (XML bomb, external
entity), a zip bomb, a sparse sheet claiming a million rows."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_part(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one part replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info))
        dst.writestr(name, content)
    return out.getvalue()


def _sheet(doctype: str, cell_text: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet {NS}><sheetData>'
            f'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
            f'<row r="2"><c r="A2" t="inlineStr"><is><t>{cell_text}</t></is></c></row>'
            f'</sheetData></worksheet>').encode()


def billion_laughs(header: list[str]) -> bytes:
    """Entities that expand to 10^9 'lol's inside the first data cell."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    return with_part(workbook([header]), SHEET, _sheet(f"<!DOCTYPE worksheet [{entities}]>", "&lol9;"))


def external_entity(header: list[str], target: str = "file:///etc/passwd") -> bytes:
    return with_part(workbook([header]), SHEET,
                     _sheet(f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "{target}">]>', "&xxe;"))


def internal_entity(header: list[str], text: str) -> bytes:
    """A harmless-looking internal entity: plain ElementTree expands it, defusedxml refuses."""
    return with_part(workbook([header]), SHEET,
                     _sheet(f'<!DOCTYPE worksheet [<!ENTITY co "{text}">]>', "&co;"))


def zip_bomb(header: list[str], unzipped_bytes: int) -> bytes:
    """A workbook with an extra part of zeros that deflates to almost nothing."""
    return with_part(workbook([header]), "xl/media/padding.bin", b"\0" * unzipped_bytes)


def sparse_rows(header: list[str], last_row: int = 1_048_576) -> bytes:
    """A header and one cell at the sheet's very last row: readers that fill the gap
    iterate a million empty rows."""
    body = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><dimension ref="A1:XFD{last_row}"/>'
            f'<sheetData><row r="1">'
            + "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(header))
            + f'</row><row r="{last_row}"><c r="A{last_row}" t="inlineStr"><is><t>late</t></is></c></row>'
            f'</sheetData></worksheet>').encode()
    return with_part(workbook([header]), SHEET, body)
