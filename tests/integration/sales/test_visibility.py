"""Who sees what in sales: a rep never sees another rep's customer's records through any
path (404, not 403); a manager sees the team's; warehouse sees orders to ship; finance
reads orders; admin sees all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.sales.conftest import WAREHOUSE

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def records(world) -> dict:
    return make_records(world)


def make_records(world) -> dict:
    """One of each record on rep1's customer."""
    rep1 = world.client("rep1")
    cid = world.customers["rep1"]
    pid = world.product()
    out = {
        "order": rep1.post("/orders", json={"customer_id": cid, "lines": [{"product_id": pid, "quantity": 1}]}).json,
        "quote": rep1.post("/quotes", json={
            "customer_id": cid, "valid_until": (datetime.now(UTC).date() + timedelta(days=5)).isoformat(),
            "lines": [{"product_id": pid, "quantity": 1, "unit_price": "9.00", "tax_rate": 13}]}).json,
        "opportunity": rep1.post("/opportunities", json={"customer_id": cid, "name": "机密商机", "amount": "1.00",
                                                         "stage": "proposal"}).json,
    }
    pending = rep1.post("/orders", json={"customer_id": cid, "lines": [{"product_id": pid, "quantity": 1}]}).json
    out["pending_order"] = pending
    out["contract"] = rep1.post("/contracts", json={"order_id": out["order"]["id"]}).json
    world.feed("inventory.stock.reserved", {"order_id": out["order"]["id"], "warehouse_id": WAREHOUSE,
                                            "lines": [{"product_id": pid, "quantity": 1}]})
    return out


def reads(records) -> list[str]:
    o, q, opp, c = records["order"], records["quote"], records["opportunity"], records["contract"]
    return [f"/orders/{o['id']}", f"/quotes/{q['id']}", f"/quotes/{q['id']}/pdf", f"/opportunities/{opp['id']}",
            f"/contracts/{c['id']}", f"/contracts/{c['id']}/pdf", f"/contracts/{c['id']}/attachments"]


def writes(records) -> list[tuple[str, dict]]:
    o, q, c = records["order"], records["quote"], records["contract"]
    return [(f"/orders/{o['id']}/cancel", {}), (f"/orders/{o['id']}/approve", {}), (f"/orders/{o['id']}/close", {}),
            (f"/quotes/{q['id']}/status", {"status": "sent"}), (f"/quotes/{q['id']}/copy", {}),
            (f"/quotes/{q['id']}/convert", {}), (f"/quotes/{q['id']}/send", {"to": ["a@b.cn"]}),
            (f"/contracts/{c['id']}/status", {"status": "signed"})]


def ids(client, path: str) -> set[str]:
    return {x["id"] for x in client.get(path, query_string={"per_page": 200}).json["items"]}


def test_another_rep_gets_404_on_every_read_and_write_and_sees_nothing_in_lists(world, records):
    rep2 = world.client("rep2")
    for path in reads(records):
        assert rep2.get(path).status_code == 404, path
    for path, body in writes(records):
        assert rep2.post(path, json=body).status_code == 404, path
    opp = records["opportunity"]
    assert rep2.patch(f"/opportunities/{opp['id']}", json={"stage": "won"}).status_code == 404
    for path, key in (("/orders", "order"), ("/quotes", "quote"), ("/opportunities", "opportunity"),
                      ("/contracts", "contract")):
        assert records[key]["id"] not in ids(rep2, path)
        # nor by asking for that customer
        assert rep2.get(path, query_string={"customer_id": world.customers["rep1"]}).json["total"] == 0
    pipeline = rep2.get("/opportunities/pipeline", query_string={"owner_id": world.users["rep1"]["id"]}).json
    assert all(s["count"] == 0 for s in pipeline["items"])
    # nothing was changed by those attempts
    assert world.client("rep1").get(f"/orders/{records['order']['id']}").json["status"] == "confirmed"


def test_shared_customer_is_visible_to_the_rep_it_is_shared_with(world, records):
    from shared.testing.clients import seed_customer

    cid = seed_customer(world.engine, world.users["rep1"]["id"], name="共享客户",
                        shared_with=[world.users["rep2"]["id"]])
    pid = world.product()
    o = world.client("rep1").post("/orders", json={"customer_id": cid, "lines": [{"product_id": pid, "quantity": 1}]})
    assert world.client("rep2").get(f"/orders/{o.json['id']}").status_code == 200


@pytest.mark.parametrize("who", ["manager", "top", "admin"])
def test_managers_above_and_admin_see_everything_of_the_rep(world, records, who):
    client = world.client(who)
    for path in reads(records):
        assert client.get(path).status_code == 200, (who, path)
    assert records["order"]["id"] in ids(client, "/orders")


def test_unrelated_manager_sees_nothing(world, records):
    for path in reads(records):
        assert world.client("boss").get(path).status_code == 404


def test_warehouse_sees_only_orders_to_ship_and_nothing_else(world, records):
    wh = world.client("warehouse")
    assert wh.get(f"/orders/{records['order']['id']}").status_code == 200   # confirmed
    assert wh.get(f"/orders/{records['pending_order']['id']}").status_code == 404
    listed = ids(wh, "/orders")
    assert records["order"]["id"] in listed and records["pending_order"]["id"] not in listed
    for path in reads(records)[1:]:
        assert wh.get(path).status_code == 404, path
    assert wh.post(f"/orders/{records['order']['id']}/cancel").status_code == 403


def test_finance_reads_orders_but_not_quotes_or_opportunities(world, records):
    fin = world.client("finance")
    assert fin.get(f"/orders/{records['pending_order']['id']}").status_code == 200
    assert fin.get(f"/quotes/{records['quote']['id']}").status_code == 404
    assert fin.get(f"/opportunities/{records['opportunity']['id']}").status_code == 404
    assert fin.post(f"/orders/{records['order']['id']}/cancel").status_code == 403


def test_requests_without_gateway_identity_are_401(world):
    r = world.app.test_client().get("/orders")
    assert r.status_code == 401 and r.json["error"]["code"] == "not_authenticated"
