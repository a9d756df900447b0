"""Assignment grants in sales (shared.visibility): the copy of a grant (from
customer.assignment.* events, through sales's real handlers) lets the assignee READ the
customer's opportunities, quotes, orders and contracts, never change them or create new
ones, and not count them in the pipeline; the revocation takes it away; a stale or
redelivered grant event changes nothing."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.sales.test_visibility import ids, make_records, reads, writes

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def records(world) -> dict:
    return make_records(world)


def grant_event(world, *, record_id: str, user_id: str, users: list[str], seq: int, revoked: bool = False) -> None:
    world.feed(f"customer.assignment.{'revoked' if revoked else 'granted'}", {
        "record_type": "complaint", "record_id": record_id, "customer_id": world.customers["rep1"],
        "label": "到货包装破损", "user_id": user_id, "user_name": "李娜", "users": users,
    }, aggregate_type="assignment", aggregate_id=record_id, seq=seq)


LISTS = (("/orders", "order"), ("/quotes", "quote"), ("/opportunities", "opportunity"), ("/contracts", "contract"))


def test_the_assignee_reads_but_never_writes_then_loses_it(world, records):
    rep2 = world.client("rep2")
    me = world.users["rep2"]["id"]
    complaint_id = str(uuid.uuid4())
    grant_event(world, record_id=complaint_id, user_id=me, users=[me], seq=1)

    for path in reads(records):
        assert rep2.get(path).status_code == 200, path
    for path, key in LISTS:
        assert records[key]["id"] in ids(rep2, path), path
        assert rep2.get(path, query_string={"customer_id": world.customers["rep1"]}).json["total"] >= 1
    # read-only: every write is still refused as for someone who does not see it
    for path, body in writes(records):
        assert rep2.post(path, json=body).status_code == 404, path
    opp = records["opportunity"]
    assert rep2.patch(f"/opportunities/{opp['id']}", json={"stage": "won"}).status_code == 404
    pid = world.product()
    r = rep2.post("/orders", json={"customer_id": world.customers["rep1"], "lines": [{"product_id": pid, "quantity": 1}]})
    assert r.status_code == 422 and "customer_id" in r.json["error"]["details"]
    r = rep2.post("/opportunities", json={"customer_id": world.customers["rep1"], "name": "x", "amount": "1.00",
                                          "stage": "prospecting"})
    assert r.status_code == 422
    # a team's figures are not opened by a grant
    pipeline = rep2.get("/opportunities/pipeline").json
    assert all(s["count"] == 0 for s in pipeline["items"])
    assert world.client("rep1").get(f"/orders/{records['order']['id']}").json["status"] == "confirmed"

    # revoked (reassigned to someone else): gone everywhere
    other = str(uuid.uuid4())
    grant_event(world, record_id=complaint_id, user_id=me, users=[other], seq=2, revoked=True)
    for path in reads(records):
        assert rep2.get(path).status_code == 404, path
    for path, key in LISTS:
        assert records[key]["id"] not in ids(rep2, path)
    # the earlier grant delivered again (a new event id, an old sequence): ignored
    grant_event(world, record_id=complaint_id, user_id=me, users=[me], seq=1)
    assert rep2.get(f"/orders/{records['order']['id']}").status_code == 404


def test_a_grant_to_a_warehouse_user_opens_the_customers_orders_to_read(world, records):
    wh = world.client("warehouse")
    assert wh.get(f"/orders/{records['pending_order']['id']}").status_code == 404  # not to ship
    me = world.users["warehouse"]["id"]
    grant_event(world, record_id=str(uuid.uuid4()), user_id=me, users=[me], seq=1)
    assert wh.get(f"/orders/{records['pending_order']['id']}").status_code == 200
    assert records["pending_order"]["id"] in ids(wh, "/orders")
    assert wh.get(f"/quotes/{records['quote']['id']}").status_code == 200
    assert wh.get(f"/opportunities/{records['opportunity']['id']}").status_code == 200
    assert wh.post(f"/orders/{records['order']['id']}/cancel").status_code == 403
