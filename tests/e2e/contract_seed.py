"""Records of every kind made through the public API, so that contract tests reach the
success answers of the operations on one record (a random id only ever gets a 404).

`seed(admin)` returns {(path template, parameter): id} for the merged document's paths
(`/api/v1/customers/{cid}` ...), plus the plain parameter names as a fallback."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from shared.testing.fixtures import eventually
from shared.testing.suite import ApiClient


def _made(response: Any, what: str) -> dict[str, Any]:
    assert response.status_code in (200, 201, 202), f"{what}: {response.status_code} {response.text[:300]}"
    return response.json()


def seed(admin: ApiClient) -> dict[Any, str]:
    tag = uuid.uuid4().hex[:6]
    rep = admin.create_user("sales")
    ids: dict[Any, str] = {"user_id": rep.user["id"], "uid": rep.user["id"], "admin_id": admin.user["id"]}

    customer = _made(admin.post("/customers", json={"name": f"契约测试机电有限公司{tag}", "phone": "021-5555 0101",
                                                    "owner_id": rep.user["id"]}), "customer")
    ids["cid"] = customer["id"]
    _made(admin.post(f"/customers/{customer['id']}/shares", json={"user_id": admin.user["id"]}), "share")
    ids["contact_id"] = _made(admin.post(f"/customers/{customer['id']}/contacts",
                                         json={"name": "王经理", "phone": "13800000000"}), "contact")["id"]
    _made(admin.put(f"/contacts/{ids['contact_id']}/photo", files={"file": ("wang.png", _png(), "image/png")}),
          "contact photo")
    activity = _made(admin.post("/activities", json={"customer_id": customer["id"], "kind": "visit",
                                                     "summary": "拜访采购部"}), "activity")
    ids["activity_id"] = activity["id"]
    _made(admin.post(f"/activities/{activity['id']}/comments", json={"text": "跟进报价"}), "comment")
    ids["complaint_id"] = _made(admin.post("/complaints", json={
        "customer_id": customer["id"], "subject": "包装破损", "assignee_id": rep.user["id"]}), "complaint")["id"]
    ids["campaign_id"] = _made(admin.post("/campaigns", json={
        "name": f"契约测试展会{tag}", "kind": "exhibition", "starts_on": "2027-09-16", "ends_on": "2027-09-20",
        "budget": "50000.00"}), "campaign")["id"]
    # a well-formed unsubscribe link of no mailing (a real one only reaches a recipient's mailbox): 404
    ids[("/api/v1/campaigns/unsubscribe/{token}", "token")] = "eyJlIjoiYUBiLmNuIn0." + "A" * 43
    ids["lead_id"] = _made(admin.post("/leads", json={"name": "李四", "company": f"苏州精工{tag}"}), "lead")["id"]
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    ids["plan_id"] = _made(rep.post("/work-plans", json={"week_start": monday.isoformat(), "plan": "拜访三家客户"}),
                           "work plan")["id"]

    product = _made(admin.post("/products", json={"sku": f"CT-{tag}", "name": f"离心泵 {tag}", "unit": "台",
                                                  "list_price": "100.00", "cost_price": "60.00"}), "product")
    ids["product_id"] = product["id"]
    _made(admin.put(f"/products/{product['id']}/picture", files={"file": ("pump.png", _png(), "image/png")}),
          "product picture")
    warehouse = _made(admin.post("/warehouses", json={"code": f"CT{tag}", "name": f"契约仓 {tag}"}), "warehouse")
    ids["warehouse_id"] = warehouse["id"]
    lines = [{"product_id": product["id"], "quantity": 20}]
    ids[("/api/v1/stock/receipts/{doc_id}", "doc_id")] = _made(admin.post("/stock/receipts", json={
        "warehouse_id": warehouse["id"], "lines": lines}), "receipt")["id"]
    other = _made(admin.post("/warehouses", json={"code": f"CU{tag}", "name": f"二号仓 {tag}"}), "warehouse")
    ids[("/api/v1/stock/transfers/{doc_id}", "doc_id")] = _made(admin.post("/stock/transfers", json={
        "from_warehouse_id": warehouse["id"], "to_warehouse_id": other["id"],
        "lines": [{"product_id": product["id"], "quantity": 1}]}), "transfer")["id"]
    ids[("/api/v1/stock/adjustments/{doc_id}", "doc_id")] = _made(admin.post("/stock/adjustments", json={
        "warehouse_id": other["id"], "lines": [{"product_id": product["id"], "counted": 1}], "reason": "盘点"}),
        "adjustment")["id"]
    supplier = _made(admin.post("/suppliers", json={"name": f"供应商 {tag}", "prices": [
        {"product_id": product["id"], "price": "50.00"}]}), "supplier")
    ids["supplier_id"] = supplier["id"]
    ids["po_id"] = _made(admin.post("/purchase-orders", json={
        "supplier_id": supplier["id"], "warehouse_id": warehouse["id"],
        "lines": [{"product_id": product["id"], "quantity": 5}]}), "purchase order")["id"]
    ids["loan_id"] = _made(admin.post("/loans", json={"customer_id": customer["id"], "warehouse_id": warehouse["id"],
                                                      "lines": [{"product_id": product["id"], "quantity": 1}]}),
                           "loan")["id"]
    ids["requisition_id"] = _made(admin.post("/requisitions", json={
        "warehouse_id": warehouse["id"], "purpose": "展会样机",
        "lines": [{"product_id": product["id"], "quantity": 1}]}), "requisition")["id"]

    def order_made() -> dict[str, Any] | None:
        r = admin.post("/orders", json={"customer_id": customer["id"], "warehouse_id": warehouse["id"],
                                        "lines": [{"product_id": product["id"], "quantity": 2}]})
        return r.json() if r.status_code == 201 else None

    order = eventually(order_made, timeout=30)  # the product and stock copies arrive by events
    ids["order_id"] = order["id"]
    eventually(lambda: admin.get(f"/orders/{order['id']}").json()["status"] == "confirmed", timeout=30)
    ids["shipment_id"] = _made(admin.post("/shipments", json={
        "order_id": order["id"], "warehouse_id": warehouse["id"],
        "lines": [{"product_id": product["id"], "quantity": 1}]}), "shipment")["id"]
    ids["quote_id"] = _made(admin.post("/quotes", json={
        "customer_id": customer["id"], "valid_until": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "lines": [{"product_id": product["id"], "quantity": 1}]}), "quote")["id"]
    ids["opp_id"] = _made(admin.post("/opportunities", json={"customer_id": customer["id"], "name": "年度采购",
                                                             "amount": "1000.00", "stage": "qualification"}), "opportunity")["id"]
    contract = _made(admin.post("/contracts", json={"order_id": order["id"]}), "contract")
    ids["contract_id"] = contract["id"]
    ids["attachment_id"] = _made(admin.post(f"/contracts/{contract['id']}/attachments", files={
        "file": ("scan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}), "attachment")["id"]
    ids["invoice_id"] = _made(admin.post("/invoices", json={"order_id": order["id"], "amount": "10.00"}),
                              "invoice")["id"]
    ids["payment_id"] = _made(admin.post("/payments", json={
        "customer_id": customer["id"], "order_id": order["id"], "amount": "10.00", "method": "bank_transfer"}),
        "payment")["id"]
    ids["expense_id"] = _made(rep.post("/expenses", json={"amount": "88.00", "category": "招待",
                                                          "description": "客户午餐"}), "expense")["id"]
    csv = "name,phone\n" + f"导入测试公司{tag},021-5555 0199\n"
    ids["job_id"] = _made(admin.post("/imports/customers", files={
        "file": ("customers.csv", csv.encode(), "text/csv")}), "customer import")["id"]
    products_csv = f"sku,name,unit,list_price\nCTI-{tag},导入泵 {tag},台,10.00\n"
    ids["import_id"] = _made(admin.post("/products/imports", files={
        "file": ("products.csv", products_csv.encode(), "text/csv")}), "product import")["id"]
    ids["owner_id"] = rep.user["id"]  # a sales target's rep (/sales-targets/{owner_id}/{month})
    ids["month"] = dt.date.today().strftime("%Y-%m")
    _made(admin.put(f"/sales-targets/{rep.user['id']}/{ids['month']}", json={"amount": "50000.00"}), "sales target")
    ids["inquiry_id"] = _made(admin.post("/purchase-inquiries", json={
        "warehouse_id": warehouse["id"], "supplier_ids": [supplier["id"]],
        "lines": [{"product_id": product["id"], "quantity": 3}]}), "purchase inquiry")["id"]
    # the calendar feed is read by its secret token (the fuzzer's DELETE /calendar/feed may end it: 404)
    ids[("/api/v1/calendar/feed/{token}.ics", "token")] = _made(admin.post("/calendar/feed"), "calendar feed")["token"]
    return ids


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def path_value(ids: dict[Any, str], path: str, name: str) -> str | None:
    """The seeded id for a path parameter (by path first, then by name)."""
    return ids.get((path, name)) or ids.get(name)
