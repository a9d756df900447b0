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
    assert rows == [(2, {"sku": "A1", "name": "水泵", "spec": "", "unit": "台", "list_price": "12.5"})]


def test_row_numbers_are_the_spreadsheets_and_nul_is_dropped():
    text = "sku,name,unit,list_price\n\n,,,\nA\x001,泵,台,1\n"
    assert read_rows("x.csv", text.encode()) == [(4, {"sku": "A1", "name": "泵", "unit": "台", "list_price": "1"})]


def test_gbk_csv_is_accepted():
    rows = read_rows("x.csv", "sku,name,unit,list_price\nB1,阀门,个,3\n".encode("gbk"))
    assert rows[0][1]["name"] == "阀门"


def test_xlsx():
    wb = Workbook()
    wb.active.append(["sku", "name", "unit", "list_price", "safety_stock"])
    wb.active.append(["C1", "电机", "台", 99.9, 5])
    buf = io.BytesIO()
    wb.save(buf)
    assert read_rows("x.XLSX", buf.getvalue())[0][1] == {"sku": "C1", "name": "电机", "unit": "台",
                                                         "list_price": "99.9", "safety_stock": "5"}


@pytest.mark.parametrize("name,content", [("x.csv", b""), ("x.csv", b"a,b\n1,2\n"), ("x.xlsx", b"not a zip"),
                                          ("x.csv", b"\xff\xfe\x00\xd8")])
def test_bad_files(name, content):
    with pytest.raises(ImportFileError):
        read_rows(name, content)


def test_check_row():
    ok, msg = check_row({"sku": " A ", "name": "泵", "unit": "台", "list_price": "1.5", "safety_stock": "3"})
    assert msg is None and ok["sku"] == "A" and ok["list_price"] == Decimal("1.50") and ok["safety_stock"] == 3
    # the API's money rule: more than two decimal places is refused, never rounded
    assert check_row({"sku": "A", "name": "泵", "unit": "台", "list_price": "1.005"})[1] == \
        "list_price must have at most 2 decimal places"
    assert "cost_price" in check_row({"sku": "A", "name": "泵", "unit": "台", "list_price": "1",
                                      "cost_price": "1e30"})[1]
    assert "safety_stock" in check_row({"sku": "A", "name": "泵", "unit": "台", "list_price": "1",
                                        "safety_stock": "Infinity"})[1]
    assert check_row({"sku": "A", "name": "泵", "unit": "台"})[1] == "missing list_price"
    assert "list_price" in check_row({"sku": "A", "name": "泵", "unit": "台", "list_price": "x"})[1]
    assert "safety_stock" in check_row({"sku": "A", "name": "泵", "unit": "台", "list_price": "1",
                                        "safety_stock": "-2"})[1]


def test_product_headers_in_chinese_and_english_are_recognised():
    from services.inventory.domain.importing import open_products
    from shared.import_mapping import detect
    assert detect(["产品编号", "品名", "型号", "单位", "单价", "成本", "安全库存", "备注"], "products") == {
        "产品编号": "sku", "品名": "name", "型号": "spec", "单位": "unit", "单价": "list_price",
        "成本": "cost_price", "安全库存": "safety_stock", "备注": None}
    assert detect(["SKU", "Product Name", "Spec", "Unit", "List Price", "Cost"], "products") == {
        "SKU": "sku", "Product Name": "name", "Spec": "spec", "Unit": "unit", "List Price": "list_price",
        "Cost": "cost_price"}
    assert detect(["货号", "产品名称", "规格", "单位", "售价"], "products")["货号"] == "sku"
    opened = open_products("x.csv", "货号,产品名称,单位,价格\nG1,阀,个,2\n".encode("gbk"))
    assert opened.rows == [(2, ["G1", "阀", "个", "2"])]
    assert opened.values(opened.rows[0][1]) == {"sku": "G1", "name": "阀", "unit": "个", "list_price": "2"}


def test_caller_mapping_and_what_each_mode_needs():
    from services.inventory.domain.importing import open_products
    from shared.import_mapping import MappingProblem
    content = "代码,售价,备注\nA1,3,x\n".encode()
    with pytest.raises(ImportFileError):  # create needs sku, name, unit and list_price
        open_products("x.csv", content, mapping={"代码": "sku", "售价": "list_price"})
    opened = open_products("x.csv", content, mapping={"代码": "sku", "售价": "list_price", "备注": None},
                           mode="upsert", match_on="sku")
    assert opened.fields == {"sku", "list_price"}
    with pytest.raises(MappingProblem):
        open_products("x.csv", content, mapping={"代码": "category"}, mode="upsert")
    with pytest.raises(MappingProblem):
        open_products("x.csv", content, mapping={"no such column": "sku"}, mode="upsert")


def test_a_change_carries_only_non_blank_cells():
    assert check_row({"sku": "A", "list_price": "9.9", "name": " "}, new=False) == (
        {"sku": "A", "list_price": Decimal("9.90")}, None)
    assert "list_price" in check_row({"sku": "A", "list_price": "-1"}, new=False)[1]


# ---- undo rules ----------------------------------------------------------------------------

def test_prior_values_keep_only_what_the_change_replaces():
    from decimal import Decimal

    from services.inventory.domain.importing import prior_values, restored

    current = {"id": "x", "sku": "A1", "name": "泵", "spec": None, "unit": "台", "list_price": Decimal("100.00"),
               "cost_price": None, "safety_stock": 3, "active": True}
    change = {"name": "泵", "list_price": Decimal("150.00"), "spec": "S2", "active": False}
    prior = prior_values(current, change)
    assert prior == {"list_price": "100.00", "spec": None}  # the unchanged name and `active` are left out
    assert restored(prior) == {"list_price": Decimal("100.00"), "spec": None}
    assert restored({"cost_price": None, "id": "y"}) == {"cost_price": None}


def test_undo_refusal_names_products_and_reasons():
    from services.inventory.domain.importing import MAX_REPORTED, undo_refusal

    assert undo_refusal([]) is None
    message, listed = undo_refusal([("B2", "order"), ("A1", "stock"), ("A1", "purchase")])
    assert "2 of its products" in message and "A1, B2" in message and "nothing was undone" in message
    assert listed == [{"sku": "A1", "code": "purchase", "reason": "it is on a purchase order"}, {"sku": "A1", "code": "stock", "reason": "stock has moved"},
                      {"sku": "B2", "code": "order", "reason": "an order reserved it"}]
    many = [(f"S{i:03}", "changed") for i in range(40)]
    message, listed = undo_refusal(many)
    assert len(listed) == MAX_REPORTED and "and 35 more" in message
