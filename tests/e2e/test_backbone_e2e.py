"""End to end, through the gateway only: a write in each service appears in tracking's
record with the user who made it, and the suite answers readiness."""

from __future__ import annotations

import requests

from shared.testing.fixtures import eventually


def test_gateway_ready_when_every_service_is(suite):
    r = requests.get(f"{suite.url}/readyz", timeout=10)
    assert r.status_code == 200, r.text


def test_customer_created_appears_in_its_timeline_with_the_actor(admin):
    rep = admin.create_user("sales")
    r = rep.post("/customers", json={"name": "杭州西湖茶业有限公司", "industry": "茶叶"})
    assert r.status_code == 201, r.text
    customer = r.json()

    def timeline():
        t = rep.get("/timeline", params={"customer_id": customer["id"]})
        assert t.status_code == 200, t.text
        types = [e["type"] for e in t.json()["items"]]
        return t.json()["items"] if "customer.customer.created" in types else None

    items = eventually(timeline, timeout=15)
    created = next(e for e in items if e["type"] == "customer.customer.created")
    assert created["actor_id"] == rep.user["id"]
    assert created["service"] == "customer"
    assert "杭州西湖茶业" in (created.get("summary_zh") or created["summary"])


def test_another_rep_cannot_see_that_timeline(admin):
    owner = admin.create_user("sales")
    other = admin.create_user("sales")
    customer = owner.post("/customers", json={"name": "宁波港口物流股份有限公司"}).json()
    def owner_sees_it() -> bool:
        r = owner.get("/timeline", params={"customer_id": customer["id"]})
        return r.status_code == 200 and r.json()["total"] > 0

    eventually(owner_sees_it, timeout=15)
    r = other.get("/timeline", params={"customer_id": customer["id"]})
    assert r.status_code == 404
    assert r.json()["error"]["code"]


def test_a_product_created_in_inventory_reaches_tracking_audit(admin):
    r = admin.post("/products", json={"sku": "E2E-PUMP-1", "name": "端到端测试泵", "unit": "台",
                                      "list_price": "100.00", "safety_stock": 2})
    assert r.status_code == 201, r.text
    product = r.json()

    def audited():
        a = admin.get("/audit", params={"type": "inventory.product.created"})
        assert a.status_code == 200, a.text
        return any(e.get("event_id") and product["id"] in str(e) for e in a.json()["items"])

    eventually(audited, timeout=15)
