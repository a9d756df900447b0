"""Purchase inquiries (询价单) over HTTP: ask three suppliers, record their offers (one partial,
one replaced), compare them, order from the cheapest complete one (a purchase order to the
inquiry's warehouse, the prices kept as the supplier's purchase prices), the inquiry closed;
roles and bad input."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.integration


def supplier(client) -> str:
    r = client.post("/suppliers", json={"name": f"询价供应商 {uuid.uuid4().hex[:8]}"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_ask_compare_and_order_from_the_cheapest_complete_offer(world, keeper, clients):
    pump, valve = world.product(), world.product()
    wh = world.warehouse()
    a, b, c = supplier(keeper), supplier(keeper), supplier(keeper)
    r = keeper.post("/purchase-inquiries", json={
        "warehouse_id": wh, "supplier_ids": [a, b, c], "note": "月底前到货", "reply_by": "2026-12-10",
        "lines": [{"product_id": pump, "quantity": 10}, {"product_id": valve, "quantity": 4}]})
    assert r.status_code == 201, r.get_json()
    inquiry = r.get_json()
    iid = inquiry["id"]
    assert (inquiry["status"], inquiry["suppliers_asked"], inquiry["suppliers_replied"]) == ("open", 3, 0)
    assert {x["product_id"]: x["quantity"] for x in inquiry["lines"]} == {pump: 10, valve: 4}
    assert inquiry["cheapest_supplier_id"] is None

    def offer(sid, prices, note=None):
        r = keeper.post(f"/purchase-inquiries/{iid}/offers", json={"supplier_id": sid, "note": note, "lines": [
            {"product_id": p, "unit_price": v, "lead_days": d} for p, v, d in prices]})
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    offer(a, [(pump, "100.00", 10), (valve, "20.00", 30)])
    offer(b, [(pump, "80.00", 7)], note="阀门缺货")
    offer(c, [(pump, "99.00", 5), (valve, "30.00", 5)])
    got = offer(c, [(pump, "95.00", 5), (valve, "25.00", 5)])  # C sharpens its offer: the new one replaces it
    assert got["suppliers_replied"] == 3
    assert [s["supplier_id"] for s in got["suppliers"]] == [c, a, b]
    best, second, partial = got["suppliers"]
    assert (best["total"], best["complete"], best["cheapest"], best["lead_days"]) == ("1050.00", True, True, 5)
    assert (second["total"], second["cheapest"]) == ("1080.00", False)
    assert (partial["total"], partial["complete"], partial["priced_lines"], partial["reply_note"]) == (
        "800.00", False, 1, "阀门缺货")
    assert got["cheapest_supplier_id"] == c
    assert clients.as_new("manager").get(f"/purchase-inquiries/{iid}").status_code == 200  # readers see it

    refused = keeper.post(f"/purchase-inquiries/{iid}/order", json={"supplier_id": b})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "offer_incomplete"
    assert refused.get_json()["error"]["details"]["unpriced"] == [valve]
    po = keeper.post(f"/purchase-inquiries/{iid}/order", json={"supplier_id": c})
    assert po.status_code == 201, po.get_json()
    po = po.get_json()
    assert (po["supplier_id"], po["warehouse_id"], po["total"], po["status"]) == (c, wh, "1050.00", "open")
    assert {x["product_id"]: (x["quantity"], x["unit_price"]) for x in po["lines"]} == {
        pump: (10, "95.00"), valve: (4, "25.00")}
    prices = {p["product_id"]: p["price"] for p in keeper.get(f"/suppliers/{c}").get_json()["prices"]}
    assert prices == {pump: "95.00", valve: "25.00"}

    closed = keeper.get(f"/purchase-inquiries/{iid}").get_json()
    assert (closed["status"], closed["purchase_order_id"], closed["ordered_supplier_id"]) == ("ordered", po["id"], c)
    for again in (keeper.post(f"/purchase-inquiries/{iid}/order", json={"supplier_id": a}),
                  keeper.post(f"/purchase-inquiries/{iid}/offers", json={"supplier_id": a, "lines": [
                      {"product_id": pump, "unit_price": "1.00"}]}),
                  keeper.post(f"/purchase-inquiries/{iid}/cancel")):
        assert again.status_code == 409 and again.get_json()["error"]["code"] == "illegal_transition"
    listed = keeper.get("/purchase-inquiries", query_string={"supplier_id": c, "status": "ordered"}).get_json()
    assert iid in [x["id"] for x in listed["items"]]


def test_bad_inquiries_and_who_may_write(world, keeper, clients):
    pump = world.product()
    wh = world.warehouse()
    a, outsider = supplier(keeper), supplier(keeper)
    base = {"warehouse_id": wh, "supplier_ids": [a], "lines": [{"product_id": pump, "quantity": 2}]}
    for bad, field in [({**base, "lines": []}, "lines"), ({**base, "supplier_ids": []}, "supplier_ids"),
                       ({**base, "supplier_ids": [a, a]}, "supplier_ids"),
                       ({**base, "supplier_ids": [str(uuid.uuid4())]}, "supplier_ids"),
                       ({**base, "lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}]}, "lines"),
                       ({**base, "lines": [{"product_id": pump, "quantity": 1}, {"product_id": pump, "quantity": 2}]},
                        "lines"),
                       ({**base, "lines": [{"product_id": pump, "quantity": 0}]}, "lines"),
                       ({**base, "warehouse_id": str(uuid.uuid4())}, "warehouse_id")]:
        r = keeper.post("/purchase-inquiries", json=bad)
        assert r.status_code == 422, (bad, r.get_json())
        assert field in r.get_json()["error"]["details"], r.get_json()
    for role in ("sales", "manager", "finance"):
        assert clients.as_new(role).post("/purchase-inquiries", json=base).status_code == 403
    assert clients.as_new("sales").get("/purchase-inquiries").status_code == 403

    iid = keeper.post("/purchase-inquiries", json=base).get_json()["id"]
    r = keeper.post(f"/purchase-inquiries/{iid}/offers", json={"supplier_id": outsider, "lines": [
        {"product_id": pump, "unit_price": "1.00"}]})
    assert r.status_code == 422 and "supplier_id" in r.get_json()["error"]["details"]
    r = keeper.post(f"/purchase-inquiries/{iid}/offers", json={"supplier_id": a, "lines": [
        {"product_id": world.product(), "unit_price": "1.00"}]})
    assert r.status_code == 422 and "lines" in r.get_json()["error"]["details"]
    r = keeper.post(f"/purchase-inquiries/{iid}/offers", json={"supplier_id": a, "lines": [
        {"product_id": pump, "unit_price": "-1"}]})
    assert r.status_code == 422
    nothing = keeper.post(f"/purchase-inquiries/{iid}/order", json={"supplier_id": a})
    assert nothing.status_code == 409 and nothing.get_json()["error"]["code"] == "offer_incomplete"
    assert keeper.get(f"/purchase-inquiries/{uuid.uuid4()}").status_code == 404
    assert keeper.get("/purchase-inquiries", query_string={"status": "maybe"}).status_code == 422
    cancelled = keeper.post(f"/purchase-inquiries/{iid}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"


def test_pickers_search_warehouses_and_suppliers_by_part_of_their_names(world, keeper):
    tag = uuid.uuid4().hex[:8]
    wh = keeper.post("/warehouses", json={"code": f"PK{tag}", "name": f"拣选仓{tag}"}).get_json()["id"]
    sid = keeper.post("/suppliers", json={"name": f"鼎盛五金{tag}"}).get_json()["id"]
    for q in (f"PK{tag}".lower(), f"拣选仓{tag}"):
        assert [w["id"] for w in keeper.get("/warehouses", query_string={"q": q}).get_json()["items"]] == [wh]
    assert [s["id"] for s in keeper.get("/suppliers", query_string={"q": f"五金{tag}"}).get_json()["items"]] == [sid]
    assert keeper.get("/suppliers", query_string={"q": "%"}).get_json()["total"] == 0 or all(
        "%" in s["name"] for s in keeper.get("/suppliers", query_string={"q": "%"}).get_json()["items"])
