"""Sales through the gateway: a customer made in the customer service reaches sales by
events; orders settle through the saga with inventory; approval; quotes with a PDF;
opportunities and the pipeline; visibility across reps and roles."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def team(admin):
    manager = admin.create_user("manager")
    return {"manager": manager, "rep": admin.create_user("sales", manager_id=manager.user["id"]),
            "other": admin.create_user("sales"), "warehouse": admin.create_user("warehouse")}


@pytest.fixture(scope="module")
def stocked(admin):
    tag = uuid.uuid4().hex[:8]
    prod = admin.post("/products", json={"sku": f"SAL-{tag}", "name": f"离心泵 {tag}", "unit": "台",
                                         "list_price": "100.00"})
    assert prod.status_code == 201, prod.text
    wh = admin.post("/warehouses", json={"code": f"WS{tag}", "name": f"销售仓 {tag}"})
    assert wh.status_code == 201, wh.text
    r = admin.post("/stock/receipts", json={"warehouse_id": wh.json()["id"],
                                            "lines": [{"product_id": prod.json()["id"], "quantity": 10}]})
    assert r.status_code == 201, r.text
    return prod.json()["id"]


@pytest.fixture(scope="module")
def customer(team):
    name = f"上海华东机电设备有限公司{uuid.uuid4().hex[:6]}"
    r = team["rep"].post("/customers", json={"name": name})
    assert r.status_code == 201, r.text
    return {"id": r.json()["id"], "name": name}


def create_order(client, customer_id, product_id, **line):
    def attempt():
        r = client.post("/orders", json={"customer_id": customer_id,
                                         "lines": [{"product_id": product_id, "quantity": 2, **line}]})
        return r.json() if r.status_code == 201 else None  # 422 until the copies have arrived

    return eventually(attempt, timeout=20)


def status_of(client, order_id):
    return client.get(f"/orders/{order_id}").json()["status"]


def test_order_is_confirmed_through_the_saga_and_visible_to_the_right_people(team, stocked, customer):
    rep = team["rep"]
    order = create_order(rep, customer["id"], stocked, discount_pct="10", tax_rate="13")
    assert (order["net"], order["tax"], order["gross"]) == ("180.00", "23.40", "203.40")
    eventually(lambda: status_of(rep, order["id"]) == "confirmed", timeout=20)
    assert team["other"].get(f"/orders/{order['id']}").status_code == 404
    assert order["id"] not in [o["id"] for o in team["other"].get("/orders").json()["items"]]
    assert team["manager"].get(f"/orders/{order['id']}").status_code == 200
    assert team["warehouse"].get(f"/orders/{order['id']}").status_code == 200
    r = rep.post(f"/orders/{order['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert team["warehouse"].get(f"/orders/{order['id']}").status_code == 404


def test_discount_approval_by_the_manager(team, stocked, customer):
    rep = team["rep"]
    order = create_order(rep, customer["id"], stocked, discount_pct="45")
    assert order["status"] == "pending_approval"
    assert rep.post(f"/orders/{order['id']}/approve").status_code == 403
    r = team["manager"].post(f"/orders/{order['id']}/approve")
    assert r.status_code == 200 and r.json()["status"] == "pending"
    eventually(lambda: status_of(rep, order["id"]) == "confirmed", timeout=20)


def test_quote_pdf_and_conversion(team, stocked, customer):
    rep = team["rep"]
    valid = (datetime.now(UTC).date() + timedelta(days=7)).isoformat()
    r = rep.post("/quotes", json={"customer_id": customer["id"], "valid_until": valid, "lines": [
        {"product_id": stocked, "quantity": 3, "unit_price": "100.00", "discount_pct": 10, "tax_rate": 13}]})
    assert r.status_code == 201, r.text
    quote = r.json()
    assert quote["gross"] == "305.10"
    pdf = rep.get(f"/quotes/{quote['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"].startswith("application/pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert customer["name"] in text
    assert rep.post(f"/quotes/{quote['id']}/status", json={"status": "accepted"}).status_code == 409
    assert rep.post(f"/quotes/{quote['id']}/status", json={"status": "sent"}).status_code == 200
    conv = rep.post(f"/quotes/{quote['id']}/convert")
    assert conv.status_code == 201 and conv.json()["quote_id"] == quote["id"]
    assert team["other"].get(f"/quotes/{quote['id']}").status_code == 404


def test_opportunity_pipeline(team, customer):
    rep = team["rep"]
    r = rep.post("/opportunities", json={"customer_id": customer["id"], "name": "年度框架协议",
                                         "amount": "1000.00", "stage": "proposal"})
    assert r.status_code == 201, r.text
    pipe = rep.get("/opportunities/pipeline", params={"owner_id": rep.user["id"]}).json()
    proposal = next(s for s in pipe["items"] if s["stage"] == "proposal")
    assert proposal["count"] >= 1 and proposal["weighted_amount"] != "0.00"
    assert team["other"].get(f"/opportunities/{r.json()['id']}").status_code == 404


def test_converted_lead_becomes_an_opportunity_in_sales(team):
    rep = team["rep"]
    lead = rep.post("/leads", json={"name": "李四", "company": f"苏州精工科技有限公司{uuid.uuid4().hex[:6]}"})
    assert lead.status_code == 201, lead.text
    conv = rep.post(f"/leads/{lead.json()['id']}/convert",
                    json={"opportunity": {"name": "精工 首单", "amount": "80000.00"}})
    assert conv.status_code == 200, conv.text
    opp_id = conv.json()["opportunity_id"]
    assert opp_id

    def arrived():
        r = rep.get(f"/opportunities/{opp_id}")
        return r.json() if r.status_code == 200 else None

    opp = eventually(arrived, timeout=20)
    assert opp["name"] == "精工 首单" and opp["amount"] == "80000.00"
    assert opp["customer_id"] == conv.json()["customer_id"]


def test_four_eyes_and_the_effective_discount(team, stocked, customer):
    """Issue 11.3: the manager's own 90% order waits for another approver; a unit price of
    0.01 on a 100.00 product is held like a discount."""
    manager, rep = team["manager"], team["rep"]
    own = create_order(manager, customer["id"], stocked, discount_pct="90")
    assert own["status"] == "pending_approval" and own["created_by"] == manager.user["id"]
    refused = manager.post(f"/orders/{own['id']}/approve")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert status_of(rep, own["id"]) == "pending_approval"
    cheap = create_order(rep, customer["id"], stocked, unit_price="0.01")
    assert cheap["status"] == "pending_approval" and cheap["lines"][0]["discount_pct"] == "0"
    assert rep.post(f"/orders/{cheap['id']}/approve").status_code == 403
    for order in (own, cheap):
        assert rep.post(f"/orders/{order['id']}/cancel").status_code == 200


def test_owner_id_only_names_someone_the_caller_may_assign_to(team, customer):
    """Issue 11.3: a rep plants a won deal in another team's rep's funnel, or names no user."""
    rep, other = team["rep"], team["other"]
    body = {"customer_id": customer["id"], "name": "栽赃的赢单", "amount": "999999.00", "stage": "won"}
    planted = rep.post("/opportunities", json={**body, "owner_id": other.user["id"]})
    assert planted.status_code == 403, planted.text
    nobody = rep.post("/opportunities", json={**body, "owner_id": str(uuid.uuid4())})
    assert nobody.status_code == 422 and "owner_id" in nobody.json()["error"]["details"]
    pipe = other.get("/opportunities/pipeline", params={"owner_id": other.user["id"]}).json()
    assert next(s for s in pipe["items"] if s["stage"] == "won")["count"] == 0
    mine = team["manager"].post("/opportunities", json={**body, "stage": "proposal", "owner_id": rep.user["id"]})
    assert mine.status_code == 201 and mine.json()["owner_id"] == rep.user["id"]
