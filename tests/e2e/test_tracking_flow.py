"""Tracking through the gateway: one customer's timeline across customer, sales,
inventory and billing; audit; reports and notifications; visibility per role."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def team(admin):
    manager = admin.create_user("manager")
    return {"manager": manager, "rep": admin.create_user("sales", manager_id=manager.user["id"]),
            "other": admin.create_user("sales"), "finance": admin.create_user("finance"),
            "warehouse": admin.create_user("warehouse")}


@pytest.fixture(scope="module")
def product(admin):
    tag = uuid.uuid4().hex[:8]
    prod = admin.post("/products", json={"sku": f"TRK-{tag}", "name": f"跟踪测试 {tag}", "unit": "台",
                                         "list_price": "100.00"})
    assert prod.status_code == 201, prod.text
    wh = admin.post("/warehouses", json={"code": f"WT{tag}", "name": f"跟踪仓 {tag}"})
    assert wh.status_code == 201, wh.text
    r = admin.post("/stock/receipts", json={"warehouse_id": wh.json()["id"],
                                            "lines": [{"product_id": prod.json()["id"], "quantity": 50}]})
    assert r.status_code == 201, r.text
    return prod.json()["id"]


@pytest.fixture(scope="module")
def story(team, product):
    """The rep's customer with a confirmed order, an invoice and a payment."""
    rep, finance = team["rep"], team["finance"]
    c = rep.post("/customers", json={"name": f"跟踪客户 {uuid.uuid4().hex[:10]}"})
    assert c.status_code == 201, c.text
    cid = c.json()["id"]

    def order():
        r = rep.post("/orders", json={"customer_id": cid, "lines": [
            {"product_id": product, "quantity": 2, "unit_price": "100.00", "tax_rate": "13"}]})
        return r.json() if r.status_code == 201 else None

    o = eventually(order, timeout=30)
    inv = eventually(lambda: (lambda r: r if r.status_code == 201 else None)(
        finance.post("/invoices", json={"order_id": o["id"], "amount": o["gross"]})), timeout=30)
    assert inv.status_code == 201
    pay = finance.post("/payments", json={"customer_id": cid, "order_id": o["id"], "amount": "100.00",
                                          "method": "bank_transfer"})
    assert pay.status_code == 201, pay.text
    return {"customer_id": cid, "order": o}


def test_timeline_spans_all_services_newest_first(team, story):
    rep = team["rep"]

    def services():
        r = rep.get("/timeline", params={"customer_id": story["customer_id"], "per_page": 200})
        assert r.status_code == 200, r.text
        got = {i["service"] for i in r.json()["items"]}
        return r.json() if {"customer", "sales", "inventory", "billing"} <= got else None

    body = eventually(services, timeout=30)
    times = [i["occurred_at"] for i in body["items"]]
    assert times == sorted(times, reverse=True)
    entry = body["items"][0]
    assert set(entry) >= {"occurred_at", "type", "actor_id", "summary", "event_id", "service"}
    placed = [i for i in body["items"] if i["type"] == "sales.order.created"]
    assert placed and placed[0]["actor_id"] == rep.user["id"]
    assert rep.user["full_name"] in placed[0]["summary_zh"]
    # keyset paging gives the same entries
    first = rep.get("/timeline", params={"customer_id": story["customer_id"], "per_page": 2}).json()
    assert first["next_cursor"]
    second = rep.get("/timeline", params={"customer_id": story["customer_id"], "per_page": 2,
                                          "before": first["next_cursor"]}).json()
    full = [i["event_id"] for i in rep.get("/timeline", params={"customer_id": story["customer_id"],
                                                               "per_page": 200}).json()["items"]]
    at = full.index(first["items"][-1]["event_id"])  # newer events may have arrived on top meanwhile
    assert [i["event_id"] for i in second["items"]] == full[at + 1:at + 3]


def test_timeline_visibility(team, story):
    cid = story["customer_id"]
    eventually(lambda: team["manager"].get("/timeline", params={"customer_id": cid}).status_code == 200,
               timeout=20)
    assert team["other"].get("/timeline", params={"customer_id": cid}).status_code == 404
    fin = eventually(lambda: team["finance"].get("/timeline", params={"customer_id": cid}).json()["items"],
                     timeout=20)
    assert {i["service"] for i in fin} == {"billing"}
    assert team["rep"].get("/timeline").status_code == 422


def test_reports_and_audit(team, story, admin):
    rep, other = team["rep"], team["other"]
    oid = story["order"]["id"]
    eventually(lambda: rep.get(f"/orders/{oid}").json()["status"] == "confirmed", timeout=60)

    def mine():
        items = rep.get("/reports/sales-performance").json()["items"]
        return items if items and Decimal(items[0]["paid"]) >= Decimal("100.00") else None

    rows = eventually(mine, timeout=30)
    assert [r["owner_id"] for r in rows] == [rep.user["id"]]
    assert Decimal(rows[0]["revenue"]) >= Decimal(story["order"]["gross"])
    assert rep.user["id"] not in {r["owner_id"] for r in other.get("/reports/sales-performance").json()["items"]}
    assert admin.get("/reports/sales-performance", params={"from": "garbage"}).status_code == 422
    for path in ("/reports/product-sales", "/reports/customer-trend", "/reports/funnel", "/reports/profit",
                 "/reports/receivables-by-owner"):
        r = rep.get(path)
        assert r.status_code == 200 and "items" in r.json(), path
    audit = admin.get("/audit", params={"actor_id": rep.user["id"]}).json()
    assert audit["items"] and {i["actor_id"] for i in audit["items"]} == {rep.user["id"]}
    assert other.get("/audit", params={"actor_id": rep.user["id"]}).json()["items"] == []


def test_complaint_assignee_is_notified(team, story):
    rep, other = team["rep"], team["other"]
    r = rep.post("/complaints", json={"customer_id": story["customer_id"], "subject": "包装破损",
                                      "assignee_id": team["manager"].user["id"]})
    assert r.status_code == 201, r.text

    def notified():
        items = team["manager"].get("/notifications").json()["items"]
        return [i for i in items if i["kind"] == "complaint_assigned"]

    [note] = eventually(notified, timeout=30)
    assert "包装破损" in note["message_zh"] and note["read"] is False
    r = team["manager"].post(f"/notifications/{note['id']}/read")
    assert r.status_code == 200 and r.json()["read"] is True
    assert other.post(f"/notifications/{note['id']}/read").status_code == 404
