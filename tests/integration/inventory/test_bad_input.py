"""Hostile input at inventory (issue 11.5): prices past NUMERIC(14,2) (also by rounding
up), dates and times out of range, NUL in text, filters and uploaded file names, deep
JSON and huge paging answer 4xx in the error body; a receipt that would push a stock
level past what an INTEGER holds is refused, not a 500."""

from __future__ import annotations

import io
import uuid

import pytest

pytestmark = pytest.mark.integration


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def product(admin, **changes):
    body = {"sku": f"BAD-{uuid.uuid4().hex[:8]}", "name": f"泵 {uuid.uuid4().hex[:6]}", "unit": "台",
            "list_price": "10.00", **changes}
    return admin.post("/products", json=body)


@pytest.mark.parametrize("price", ["1e30", 1e30, "1000000000000", "999999999999.995", "NaN"])
def test_prices_past_numeric_14_2_are_422(admin, price):
    assert "list_price" in error_of(product(admin, list_price=price), 422)["details"]


def test_nul_in_text_filters_and_file_names_is_422(admin):
    assert error_of(product(admin, name="泵\u0000"), 422)["details"] == {"name": ["must not contain NUL characters"]}
    assert "q" in error_of(admin.get("/products?q=%00"), 422)["details"]
    assert "region" in error_of(admin.get("/warehouses?region=a%00"), 422)["details"]
    r = admin.post("/products/imports", data={"file": (io.BytesIO(b"sku,name\n"), "p\x00.csv")},
                   content_type="multipart/form-data")
    assert "file" in error_of(r, 422)["details"]


def test_dates_and_times_out_of_range_are_422(admin, engine, customer_of):
    warehouse = admin.post("/warehouses", json={"code": f"B{uuid.uuid4().hex[:6]}", "name": "坏输入仓"}).get_json()
    pid = product(admin).get_json()["id"]
    customer = customer_of(str(uuid.uuid4()))
    r = admin.post("/loans", json={"customer_id": customer, "warehouse_id": warehouse["id"], "due_date": "9999-12-31",
                                   "lines": [{"product_id": pid, "quantity": 1}]})
    assert "due_date" in error_of(r, 422)["details"]
    supplier = admin.post("/suppliers", json={"name": f"供应商 {uuid.uuid4().hex[:6]}"}).get_json()
    po = admin.post("/purchase-orders", json={"supplier_id": supplier["id"], "warehouse_id": warehouse["id"],
                                              "lines": [{"product_id": pid, "quantity": 1, "unit_price": "5.00"}]})
    assert po.status_code == 201, po.get_json()
    po_id = po.get_json()["id"]
    assert "paid_at" in error_of(admin.post(f"/purchase-orders/{po_id}/payments", json={
        "amount": "1.00", "method": "bank", "paid_at": "0001-01-01T00:00:00+05:00"}), 422)["details"]
    assert "invoice_date" in error_of(admin.post(f"/purchase-orders/{po_id}/invoices", json={
        "number": "X1", "amount": "1.00", "invoice_date": "0001-01-01"}), 422)["details"]


def test_a_stock_level_past_integer_is_refused_not_a_500(admin):
    warehouse = admin.post("/warehouses", json={"code": f"B{uuid.uuid4().hex[:6]}", "name": "大仓"}).get_json()
    pid = product(admin).get_json()["id"]
    counted = admin.post("/stock/adjustments", json={"warehouse_id": warehouse["id"], "reason": "盘点",
                                                     "lines": [{"product_id": pid, "counted": 10**9}]})
    assert counted.status_code == 201, counted.get_json()
    lines = [{"product_id": pid, "quantity": 10**7}] * 115  # merged: 1.15e9 more, past 2^31 - 1
    r = admin.post("/stock/receipts", json={"warehouse_id": warehouse["id"], "lines": lines})
    assert 400 <= r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:300])
    assert set(r.get_json()["error"]) == {"code", "message", "details"}


def test_deep_json_and_huge_paging(admin):
    r = admin.post("/products", data=b"[" * 2000 + b"]" * 2000, content_type="application/json")
    assert error_of(r, 400)["code"] == "malformed_json"
    for path in ("/products", "/stock", "/suppliers", "/loans", "/alerts/low-stock"):
        error_of(admin.get(f"{path}?page=99999999999999999999"), 422)


def test_an_import_with_nul_in_its_cells_imports_without_them(admin):
    sku = f"NUL-{uuid.uuid4().hex[:6]}"
    data = f"sku,name,unit,list_price\n{sku}\x00,泵\x00{sku},台,1\x000\n".encode()
    r = admin.post("/products/imports", data={"file": (io.BytesIO(data), "p.csv")}, content_type="multipart/form-data")
    assert r.status_code == 201, r.get_data(as_text=True)[:300]
    assert r.get_json()["created"] == 1, r.get_json()
    [found] = admin.get("/products", query_string={"q": sku}).get_json()["items"]
    assert found["sku"] == sku and found["name"] == f"泵{sku}" and found["list_price"] == "10.00"


@pytest.mark.parametrize("price", ["12.345", 0.001, "-1.00"])
def test_prices_with_more_than_two_decimals_are_refused_never_rounded(admin, price):
    """One money rule for every service (shared.fields.Money): inventory used to round
    12.345 to 12.35 silently where billing and sales answered 422."""
    assert "list_price" in error_of(product(admin, list_price=price), 422)["details"]
    assert product(admin, list_price="12.3").get_json()["list_price"] == "12.30"


def test_an_upper_case_id_in_the_path_finds_the_record(admin):
    created = product(admin).get_json()
    assert admin.get(f"/products/{created['id'].upper()}").get_json()["id"] == created["id"]
    assert error_of(admin.get("/products/not-a-uuid"), 404)["code"] == "not_found"
