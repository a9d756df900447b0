"""Reading product import files and checking rows, without I/O."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from services.inventory.domain.importing import ImportFileError, check_row, read_rows


def test_csv_with_bom_and_chinese_headers():
    text = "编码,名称,规格,单位,售价\nA1,水泵,,台,12.5\n,,,,\n"
    rows = read_rows("x.csv", text.encode("utf-8-sig"))
    assert rows == [{"sku": "A1", "name": "水泵", "spec": "", "unit": "台", "list_price": "12.5"}]


def test_gbk_csv_is_accepted():
    rows = read_rows("x.csv", "sku,name,unit,list_price\nB1,阀门,个,3\n".encode("gbk"))
    assert rows[0]["name"] == "阀门"


def test_xlsx():
    wb = Workbook()
    wb.active.append(["sku", "name", "unit", "list_price", "safety_stock"])
    wb.active.append(["C1", "电机", "台", 99.9, 5])
    buf = io.BytesIO()
    wb.save(buf)
    assert read_rows("x.XLSX", buf.getvalue())[0]["safety_stock"] == 5


@pytest.mark.parametrize("name,content", [("x.csv", b""), ("x.csv", b"a,b\n1,2\n"), ("x.xlsx", b"not a zip"),
                                          ("x.csv", b"\xff\xfe\x00\xd8")])
def test_bad_files(name, content):
    with pytest.raises(ImportFileError):
        read_rows(name, content)


def test_check_row():
    ok, msg = check_row({"sku": " A ", "name": "泵", "unit": "台", "list_price": "1.005", "safety_stock": "3"})
    assert msg is None and ok["sku"] == "A" and ok["list_price"] == Decimal("1.01") and ok["safety_stock"] == 3
    assert check_row({"sku": "A", "name": "泵", "unit": "台"})[1] == "missing list_price"
    assert "list_price" in check_row({"sku": "A", "name": "泵", "unit": "台", "list_price": "x"})[1]
    assert "safety_stock" in check_row({"sku": "A", "name": "泵", "unit": "台", "list_price": "1",
                                        "safety_stock": "-2"})[1]
