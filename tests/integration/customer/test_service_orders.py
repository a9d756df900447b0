"""Service orders and repairs (issue 15.1) in the customer service: the flow with every
illegal move (409), visibility (a rep never sees another rep's customer's orders; the
assignee does), spare parts against the stock copy (409 insufficient_stock with the quantity
available; inventory's answer settles the line), feedback after done, and the overdue check
(once per due time, also with two checkers at once)."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid

import pytest
import sqlalchemy as sa

from services.customer.bootstrap import root
from services.customer.handlers import handler_table
from services.customer.overdue import announce_overdue
from shared.consumer import run_handlers_directly
from shared.envelope import Envelope
from shared.events.customer import SERVICE_ORDER_STATUSES
from shared.outbox import Outbox
from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration

_seq = itertools.count(1)
# the legal moves, written out (the rest are 409): the contract's chain, back from waiting for
# parts, straight to done, and a done order reopened
LEGAL = {("open", "in_progress"), ("in_progress", "waiting_parts"), ("in_progress", "done"),
         ("waiting_parts", "in_progress"), ("waiting_parts", "done"), ("done", "closed"), ("done", "in_progress")}
# how to bring a new order to each status by legal moves
PATHS = {"open": [], "in_progress": ["in_progress"], "waiting_parts": ["in_progress", "waiting_parts"],
         "done": ["in_progress", "done"], "closed": ["in_progress", "done", "closed"]}


def feed(engine, event_type: str, data: dict, aggregate_id: str | None = None) -> None:
    env = Envelope(event_type=event_type, aggregate_type="x", aggregate_id=aggregate_id or data.get("id") or "x",
                   aggregate_seq=next(_seq), data=data, producer=event_type.split(".")[0], region="cn-east")
    run_handlers_directly(engine, handler_table(), Outbox("customer", "cn-east"), [env])


def product(engine, name: str = "深沟球轴承") -> str:
    pid = str(uuid.uuid4())
    feed(engine, "inventory.product.created", {
        "id": pid, "sku": f"BRG-{pid[:6]}", "name": name, "spec": None, "unit": "个", "list_price": "20.00",
        "cost_price": None, "safety_stock": 0, "active": True})
    return pid


def stock(engine, product_id: str, warehouse_id: str, available: int) -> None:
    feed(engine, "inventory.stock.changed", {
        "product_id": product_id, "warehouse_id": warehouse_id, "on_hand": available, "reserved": 0,
        "available": available, "total_available": available}, aggregate_id=product_id)


def customer(client) -> dict:
    r = client.post("/customers", json={"name": f"华东机电{uuid.uuid4().hex[:8]}"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def service_order(client, customer_id: str, assignee_id: str, **extra) -> dict:
    body = {"customer_id": customer_id, "kind": "repair", "subject": "离心泵异响", "assignee_id": assignee_id,
            "serial_no": "PUMP-0042", **extra}
    r = client.post("/service-orders", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def ids(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def test_open_a_repair_order(people, engine):
    c = customer(people.sales)
    pid = product(engine, "离心泵")
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0)
    so = service_order(people.sales, c["id"], people.sales.user["id"], product_id=pid, priority="urgent",
                       due_at=due.isoformat(), description="运行时有异响")
    assert so["status"] == "open" and so["kind"] == "repair" and so["number"].startswith("SV-")
    assert so["product_id"] == pid and so["serial_no"] == "PUMP-0042" and so["priority"] == "urgent"
    assert dt.datetime.fromisoformat(so["due_at"]) == due and so["overdue"] is False and so["parts"] == []
    got = people.sales.get(f"/service-orders/{so['id']}").get_json()
    assert got["number"] == so["number"] and got["feedback"] is None
    types = [e["event_type"] for e in outbox_events(engine, "customer.service_order.created", so["id"])
             + outbox_events(engine, "customer.service_order.assigned", so["id"])]
    assert types == ["customer.service_order.created", "customer.service_order.assigned"]
    grant = outbox_events(engine, "customer.assignment.granted", so["id"])
    assert grant and grant[0]["data"]["record_type"] == "service_order" and grant[0]["customer_id"] == c["id"]
    # bad input: unknown product, bad kind, unknown assignee
    bad = people.sales.post("/service-orders", json={"customer_id": c["id"], "kind": "repair", "subject": "x",
                                                     "assignee_id": people.sales.user["id"],
                                                     "product_id": str(uuid.uuid4())})
    assert bad.status_code == 422 and "product_id" in bad.get_json()["error"]["details"]
    bad = people.sales.post("/service-orders", json={"customer_id": c["id"], "kind": "install", "subject": "x",
                                                     "assignee_id": people.sales.user["id"]})
    assert bad.status_code == 422 and "kind" in bad.get_json()["error"]["details"]
    bad = people.sales.post("/service-orders", json={"customer_id": c["id"], "kind": "service", "subject": "x",
                                                     "assignee_id": str(uuid.uuid4())})
    assert bad.status_code == 422 and "assignee_id" in bad.get_json()["error"]["details"]


@pytest.mark.parametrize("current,new", list(itertools.product(SERVICE_ORDER_STATUSES, SERVICE_ORDER_STATUSES)))
def test_every_move_of_the_flow(people, current, new):
    c = customer(people.sales)
    so = service_order(people.sales, c["id"], people.sales.user["id"])
    for step in PATHS[current]:
        r = people.sales.patch(f"/service-orders/{so['id']}", json={"status": step})
        assert r.status_code == 200, (step, r.get_json())
    r = people.sales.patch(f"/service-orders/{so['id']}", json={"status": new})
    if (current, new) in LEGAL:
        assert r.status_code == 200 and r.get_json()["status"] == new
    else:
        assert r.status_code == 409, (current, new)
        error = r.get_json()["error"]
        assert error["code"] == "illegal_transition" and error["details"] == {"from": current, "to": new}
        assert people.sales.get(f"/service-orders/{so['id']}").get_json()["status"] == current


def test_the_flow_records_its_times_and_a_closed_order_is_final(people, engine):
    c = customer(people.sales)
    so = service_order(people.sales, c["id"], people.sales.user["id"])
    path = f"/service-orders/{so['id']}"
    people.sales.patch(path, json={"status": "in_progress"})
    r = people.sales.patch(path, json={"resolution": "更换轴承", "time_spent_minutes": 90})
    assert r.status_code == 200 and r.get_json()["resolution"] == "更换轴承" and r.get_json()["time_spent_minutes"] == 90
    updated = outbox_events(engine, "customer.service_order.updated", so["id"])
    assert updated[-1]["data"]["changed"] == ["resolution", "time_spent_minutes"]
    done = people.sales.patch(path, json={"status": "done"}).get_json()
    assert done["done_at"] and done["status"] == "done"
    closed = people.sales.patch(path, json={"status": "closed"}).get_json()
    assert closed["closed_at"]
    for body in ({"resolution": "x"}, {"assignee_id": people.other.user["id"]}, {"time_spent_minutes": 5}):
        r = people.sales.patch(path, json=body)
        assert r.status_code == 409 and r.get_json()["error"]["code"] == "illegal_transition", body
    moves = [(e["data"]["previous_status"], e["data"]["status"])
             for e in outbox_events(engine, "customer.service_order.status_changed", so["id"])]
    assert moves == [("open", "in_progress"), ("in_progress", "done"), ("done", "closed")]


def test_visibility_a_rep_never_sees_another_reps_customers_orders_the_assignee_does(people):
    c = customer(people.sales)
    so = service_order(people.sales, c["id"], people.sales.user["id"])
    path = f"/service-orders/{so['id']}"
    # another manager's rep, finance and warehouse: 404 on every path, absent from lists
    for client in (people.other, people.finance, people.warehouse, people.manager2):
        assert client.get(path).status_code == 404
        assert so["id"] not in ids(client.get("/service-orders"))
        assert so["id"] not in ids(client.get(f"/service-orders?customer_id={c['id']}"))
        assert client.patch(path, json={"status": "in_progress"}).status_code == 404
        assert client.post(f"{path}/parts", json={"product_id": str(uuid.uuid4()), "warehouse_id": str(uuid.uuid4()),
                                                  "quantity": 1}).status_code == 404
        assert client.get(f"{path}/parts").status_code == 404
    # the rep's manager and the admin see it
    assert people.manager.get(path).status_code == 200 and people.admin.get(path).status_code == 200
    # assigned to the other rep: they see it and move it, but may not open orders for the customer
    r = people.sales.patch(path, json={"assignee_id": people.other.user["id"]})
    assert r.status_code == 200
    assert people.other.get(path).status_code == 200
    assert so["id"] in ids(people.other.get(f"/service-orders?assignee_id={people.other.user['id']}"))
    assert people.other.patch(path, json={"status": "in_progress"}).status_code == 200
    r = people.other.post("/service-orders", json={"customer_id": c["id"], "kind": "service", "subject": "x",
                                                   "assignee_id": people.other.user["id"]})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "read_only"
    # handed back: the other rep loses it again
    assert people.sales.patch(path, json={"assignee_id": people.sales.user["id"]}).status_code == 200
    assert people.other.get(path).status_code == 404
    assert so["id"] not in ids(people.other.get("/service-orders"))


def test_a_complaints_assignee_opens_a_service_order_from_it(people):
    c = customer(people.sales)
    r = people.sales.post("/complaints", json={"customer_id": c["id"], "subject": "设备故障",
                                               "assignee_id": people.warehouse.user["id"]})
    comp = r.get_json()
    so = service_order(people.warehouse, c["id"], people.warehouse.user["id"], complaint_id=comp["id"])
    assert so["complaint_id"] == comp["id"]
    assert so["id"] in ids(people.sales.get(f"/service-orders?complaint_id={comp['id']}"))
    # the complaint of another customer: 422
    other_c = customer(people.sales)
    r = people.sales.post("/service-orders", json={"customer_id": other_c["id"], "kind": "repair", "subject": "x",
                                                   "assignee_id": people.sales.user["id"], "complaint_id": comp["id"]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "customer_mismatch"


def test_parts_are_checked_against_the_stock_copy_and_settled_by_inventorys_answer(people, engine):
    c = customer(people.sales)
    so = service_order(people.sales, c["id"], people.sales.user["id"])
    pid, wid = product(engine), str(uuid.uuid4())
    stock(engine, pid, wid, 5)
    path = f"/service-orders/{so['id']}/parts"
    first = people.sales.post(path, json={"product_id": pid, "warehouse_id": wid, "quantity": 3})
    assert first.status_code == 201, first.get_json()
    line = first.get_json()
    assert line["status"] == "pending" and line["sku"].startswith("BRG-") and line["product_name"] == "深沟球轴承"
    # 5 available, 3 pending: asking 3 more is refused with what is left
    r = people.sales.post(path, json={"product_id": pid, "warehouse_id": wid, "quantity": 3})
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert error["code"] == "insufficient_stock" and error["details"]["available"] == 2
    assert error["details"]["requested"] == 3
    # a product never stocked in that warehouse: 0 available
    r = people.sales.post(path, json={"product_id": pid, "warehouse_id": str(uuid.uuid4()), "quantity": 1})
    assert r.status_code == 409 and r.get_json()["error"]["details"]["available"] == 0
    requested = outbox_events(engine, "customer.service_order.part_requested", so["id"])
    assert [e["data"]["id"] for e in requested] == [line["id"]]
    assert requested[0]["data"]["number"] == so["number"] and requested[0]["customer_id"] == c["id"]
    # inventory issues it: its new level arrives, the line is issued, 2 are left
    stock(engine, pid, wid, 2)
    feed(engine, "inventory.service_part.issued", {**requested[0]["data"], "available": 2})
    parts = people.sales.get(f"/service-orders/{so['id']}").get_json()["parts"]
    assert [(p["id"], p["status"], p["available"]) for p in parts] == [(line["id"], "issued", 2)]
    ok = people.sales.post(path, json={"product_id": pid, "warehouse_id": wid, "quantity": 2})
    assert ok.status_code == 201
    # ... and refuses the next when the copy was stale (stock gone meanwhile)
    second = outbox_events(engine, "customer.service_order.part_requested", so["id"])[-1]["data"]
    feed(engine, "inventory.service_part.refused", {**second, "available": 0, "reason": "库存不足 (insufficient stock)"})
    listed = people.sales.get(f"/service-orders/{so['id']}/parts").get_json()
    assert [p["status"] for p in listed["items"]] == ["issued", "refused"] and listed["total"] == 2
    assert listed["items"][1]["reason"].startswith("库存不足")
    # parts are taken while the order is worked on only
    people.sales.patch(f"/service-orders/{so['id']}", json={"status": "in_progress"})
    people.sales.patch(f"/service-orders/{so['id']}", json={"status": "done"})
    r = people.sales.post(path, json={"product_id": pid, "warehouse_id": wid, "quantity": 1})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "illegal_transition"


def test_the_level_that_issued_a_part_settles_it_so_the_part_is_never_counted_twice(people, engine):
    """Inventory's deduction arrives as the new level (naming the line) before its "issued"
    answer: from that moment the line is issued, not also pending; the answer then changes
    nothing."""
    c = customer(people.sales)
    so = service_order(people.sales, c["id"], people.sales.user["id"])
    pid, wid = product(engine), str(uuid.uuid4())
    stock(engine, pid, wid, 5)
    path = f"/service-orders/{so['id']}/parts"
    line = people.sales.post(path, json={"product_id": pid, "warehouse_id": wid, "quantity": 3}).get_json()
    feed(engine, "inventory.stock.changed", {
        "product_id": pid, "warehouse_id": wid, "on_hand": 2, "reserved": 0, "available": 2, "total_available": 2,
        "service_part_ids": [line["id"]]}, aggregate_id=pid)
    parts = people.sales.get(f"/service-orders/{so['id']}").get_json()["parts"]
    assert [(p["status"], p["available"]) for p in parts] == [("issued", 2)]
    ok = people.sales.post(path, json={"product_id": pid, "warehouse_id": wid, "quantity": 2})
    assert ok.status_code == 201, ok.get_json()  # 2 left, none pending: not 0
    requested = outbox_events(engine, "customer.service_order.part_requested", so["id"])[0]["data"]
    feed(engine, "inventory.service_part.issued", {**requested, "available": 2})  # the answer, late
    assert [p["status"] for p in people.sales.get(f"/service-orders/{so['id']}").get_json()["parts"]] \
        == ["issued", "pending"]


def test_concurrent_parts_requests_never_take_more_than_the_copy_has(people, engine):
    c = customer(people.sales)
    so = service_order(people.sales, c["id"], people.sales.user["id"])
    pid, wid = product(engine), str(uuid.uuid4())
    stock(engine, pid, wid, 3)
    answers: list[int] = []
    barrier = threading.Barrier(6)

    def ask():
        barrier.wait()
        r = people.sales.post(f"/service-orders/{so['id']}/parts", json={"product_id": pid, "warehouse_id": wid,
                                                                       "quantity": 1})
        answers.append(r.status_code)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201, 201, 201, 409, 409, 409]


def test_feedback_once_after_done(people, engine):
    c = customer(people.sales)
    so = service_order(people.sales, c["id"], people.sales.user["id"])
    path = f"/service-orders/{so['id']}"
    r = people.sales.post(f"{path}/feedback", json={"rating": 5})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "feedback_not_allowed"
    people.sales.patch(path, json={"status": "in_progress"})
    people.sales.patch(path, json={"status": "done"})
    assert people.sales.post(f"{path}/feedback", json={"rating": 6}).status_code == 422
    r = people.sales.post(f"{path}/feedback", json={"rating": 4, "comment": "响应及时"})
    assert r.status_code == 201
    fb = r.get_json()["feedback"]
    assert fb["rating"] == 4 and fb["comment"] == "响应及时" and fb["given_by"] == people.sales.user["id"]
    assert people.sales.post(f"{path}/feedback", json={"rating": 5}).status_code == 409
    assert people.other.post(f"{path}/feedback", json={"rating": 1}).status_code == 404
    given = outbox_events(engine, "customer.service_order.feedback_given", so["id"])
    assert len(given) == 1 and given[0]["data"]["rating"] == 4


def test_overdue_orders_are_announced_once_per_due_time_with_two_checkers(people, engine, settings):
    ctx = root.context(settings)
    try:
        # an earlier test's orders may be due: start from a clean slate
        announce_overdue(ctx.engine, ctx.outbox, batch=10_000)
        c = customer(people.sales)
        past = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
        late = [service_order(people.sales, c["id"], people.sales.user["id"], due_at=past) for _ in range(5)]
        finished = service_order(people.sales, c["id"], people.sales.user["id"], due_at=past)
        for step in ("in_progress", "done"):
            people.sales.patch(f"/service-orders/{finished['id']}", json={"status": step})
        future = service_order(people.sales, c["id"], people.sales.user["id"],
                               due_at=(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat())
        counts: list[int] = []
        barrier = threading.Barrier(2)

        def check():
            barrier.wait()
            counts.append(announce_overdue(ctx.engine, ctx.outbox, batch=2))
            counts.append(announce_overdue(ctx.engine, ctx.outbox, batch=2))
            counts.append(announce_overdue(ctx.engine, ctx.outbox, batch=2))

        threads = [threading.Thread(target=check) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(counts) == 5
        assert announce_overdue(ctx.engine, ctx.outbox) == 0
        for so in late:
            events = outbox_events(engine, "customer.service_order.overdue", so["id"])
            assert len(events) == 1
            assert events[0]["data"]["manager_id"] == people.manager.user["id"]
            assert events[0]["actor_id"] is None and events[0]["customer_id"] == c["id"]
        for so in (finished, future):
            assert outbox_events(engine, "customer.service_order.overdue", so["id"]) == []
        listed = ids(people.sales.get(f"/service-orders?customer_id={c['id']}&overdue=true"))
        assert listed == {so["id"] for so in late}
        # a new due time, missed too, is announced again
        people.sales.patch(f"/service-orders/{late[0]['id']}",
                           json={"due_at": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()})
        assert announce_overdue(ctx.engine, ctx.outbox) == 1
        assert len(outbox_events(engine, "customer.service_order.overdue", late[0]["id"])) == 2
    finally:
        with ctx.engine.begin() as conn:  # leave no due orders to other modules' checks
            conn.execute(sa.text("UPDATE service_orders SET due_at = NULL WHERE customer_id = :c"), {"c": c["id"]})
        ctx.engine.dispose()


def test_handlers_accept_the_shared_samples_of_what_inventory_sends(engine):
    """Contract: the customer service consumes inventory's samples (products, stock, part answers)."""
    from shared import events
    from shared.consumer import topic_match

    consumed = [s for s in events.all_specs() if s.event_type.startswith("inventory.")
                and any(topic_match(p, s.event_type) for p in handler_table().patterns)]
    assert {s.event_type for s in consumed} == {"inventory.product.created", "inventory.product.updated",
                                                "inventory.product.removed", "inventory.stock.changed",
                                                "inventory.service_part.issued",
                                                "inventory.service_part.refused"}
    for spec in consumed:
        feed(engine, spec.event_type, dict(spec.sample))
