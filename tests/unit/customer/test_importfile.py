"""Reading and validating import files (no database)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from services.customer.domain.importfile import (
    FileProblem,
    ImportRow,
    read_rows,
    validate_row,
)
from shared.tabular import decode_text

HEADER = "name,industry,phone,address,category,contact_name,contact_phone,contact_email\n"


def test_encodings():
    text = HEADER + "上海华东机电有限公司,制造,,,,,,\n"
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("gbk")):
        rows = list(read_rows(data))
        assert rows == [(2, {"name": "上海华东机电有限公司", "industry": "制造", "phone": "", "address": "",
                             "category": "", "contact_name": "", "contact_phone": "", "contact_email": ""})]
    assert decode_text("€".encode("gb18030")) == "€"


def test_row_numbers_skip_blank_lines_and_chinese_header():
    data = "客户名称,联系人,多余列\nA公司,张三,x\n\n,,\nB公司,,\n".encode("gbk")
    rows = list(read_rows(data))
    assert [(n, r["name"], r["contact_name"]) for n, r in rows] == [(2, "A公司", "张三"), (5, "B公司", "")]


def test_header_without_name_is_a_file_problem():
    with pytest.raises(FileProblem):
        list(read_rows(b"foo,bar\n1,2\n"))
    with pytest.raises(FileProblem):
        list(read_rows(b""))


def test_xlsx_numbers_become_text():
    book = Workbook()
    book.active.append(["name", "phone"])
    book.active.append(["X公司", 13800138000])
    out = io.BytesIO()
    book.save(out)
    assert list(read_rows(out.getvalue(), "a.xlsx")) == [(2, {"name": "X公司", "phone": "13800138000"})]
    with pytest.raises(FileProblem):
        list(read_rows(b"PK\x03\x04 broken", "a.xlsx"))


@pytest.mark.parametrize("values,message", [
    ({"name": ""}, "name is required"),
    ({"name": "!!!"}, "letters or digits"),
    ({"name": "x" * 301}, "longer than 300"),
    ({"name": "A", "contact_name": "B", "contact_email": "bad"}, "e-mail"),
    ({"name": "A", "contact_phone": "138"}, "without contact_name"),
    ({"name": "A", "phone": "n/a"}, "no digits"),
])
def test_bad_rows(values, message):
    result = validate_row(7, values)
    assert isinstance(result, str) and message in result


def test_good_row_has_keys():
    row = validate_row(3, {"name": "ＡＣＭＥ Co., Ltd.", "phone": "+86 138 0013 8000", "contact_name": "王"})
    assert isinstance(row, ImportRow)
    assert (row.row, row.name_key, row.phone_key, row.contact_name) == (3, "acme", "13800138000", "王")
