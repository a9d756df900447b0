"""Timeline and audit: one customer's record across every service, newest first, keyset
pages, filters, actor names, and visibility per role."""

from __future__ import annotations

import pytest

from services.tracking.models import events
from tests.integration.tracking import scenario
from tests.integration.tracking.events import envelope, uid

pytestmark = pytest.mark.integration


@pytest.fixture
def world(apply):
    s = scenario.build()
    apply(s.events)
    return s


def test_timeline_spans_every_service_newest_first(world, as_user):
    r = as_user(world.users["A"]).get("/timeline", query_string={"customer_id": world.ids["C1"], "per_page": 200})
    assert r.status_code == 200
    body = r.get_json()
    items = body["items"]
    assert {i["service"] for i in items} == {"customer", "sales", "inventory", "billing"}
    times = [i["occurred_at"] for i in items]
    assert times == sorted(times, reverse=True)
    assert body["total"] == len(items)
    reserved = next(i for i in items if i["type"] == "inventory.stock.reserved")
    assert reserved["actor_id"] == world.users["R1"]["id"]  # found through the order's customer
    created = next(i for i in items if i["type"] == "sales.order.created" and i["data"]["number"] == "SO-1")
    assert created["summary_zh"] == "张三 创建了订单 SO-1，金额 ¥418.10"
    assert created["summary"] == "张三 created order SO-1, amount ¥418.10"
    assert set(created) >= {"occurred_at", "type", "actor_id", "summary", "event_id", "service"}
    zh = as_user(world.users["A"]).get("/timeline", query_string={"customer_id": world.ids["C1"]},
                                       headers={"Accept-Language": "zh-CN"}).get_json()
    assert any(i["summary"].startswith("张三 ") and "订单" in i["summary"] for i in zh["items"])


def test_keyset_pages_cover_everything_once(world, as_user):
    client = as_user(world.users["R1"])
    seen, cursor, pages = [], None, 0
    while True:
        q = {"customer_id": world.ids["C1"], "per_page": 4}
        if cursor:
            q["before"] = cursor
        body = client.get("/timeline", query_string=q).get_json()
        seen += [i["event_id"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    full = client.get("/timeline", query_string={"customer_id": world.ids["C1"], "per_page": 200}).get_json()
    assert seen == [i["event_id"] for i in full["items"]]
    assert pages == -(-len(seen) // 4)
    page2 = client.get("/timeline", query_string={"customer_id": world.ids["C1"], "per_page": 4, "page": 2}).get_json()
    assert [i["event_id"] for i in page2["items"]] == seen[4:8]


def test_filters_by_service_and_type(world, as_user):
    client = as_user(world.users["A"])
    billing = client.get("/timeline", query_string={"customer_id": world.ids["C1"], "service": "billing"}).get_json()
    assert billing["items"] and {i["service"] for i in billing["items"]} == {"billing"}
    placed = client.get("/timeline", query_string={"customer_id": world.ids["C1"],
                                                   "type": "sales.order.placed"}).get_json()
    assert [i["type"] for i in placed["items"]] == ["sales.order.placed"]


@pytest.mark.parametrize("role, status", [("A", 200), ("R1", 200), ("M", 200), ("R2", 404), ("M2", 404)])
def test_timeline_visibility(world, as_user, role, status):
    r = as_user(world.users[role]).get("/timeline", query_string={"customer_id": world.ids["C1"]})
    assert r.status_code == status
    if status == 404:
        assert r.get_json()["error"]["code"] == "not_found"


def test_finance_and_warehouse_see_their_service_only(world, as_user):
    fin = as_user(world.users["F"]).get("/timeline", query_string={"customer_id": world.ids["C1"]}).get_json()
    assert fin["items"] and {i["service"] for i in fin["items"]} == {"billing"}
    wh = as_user(world.users["W"]).get("/timeline", query_string={"customer_id": world.ids["C2"]}).get_json()
    assert wh["items"] and {i["service"] for i in wh["items"]} == {"inventory"}
    r = as_user(world.users["F"]).get("/timeline", query_string={"customer_id": uid()})
    assert r.status_code == 404


def test_timeline_bad_input(world, as_user):
    client = as_user(world.users["A"])
    assert client.get("/timeline").status_code == 422
    assert client.get("/timeline", query_string={"customer_id": "nope"}).status_code == 422
    r = client.get("/timeline", query_string={"customer_id": world.ids["C1"], "before": "garbage!"})
    assert r.status_code == 422 and "before" in r.get_json()["error"]["details"]
    r = client.get("/timeline", query_string={"customer_id": world.ids["C1"], "page": 500, "per_page": 200})
    assert r.status_code == 422 and "page" in r.get_json()["error"]["details"]
    assert client.get("/timeline", query_string={"customer_id": world.ids["C1"], "per_page": 201}).status_code == 422


def test_unknown_event_types_are_stored_and_shown(world, apply, as_user, engine):
    cid = world.ids["C1"]
    odd = envelope("sales.contract.signed", {"id": uid(), "whatever": [1, 2]}, aggregate_type="contract",
                   aggregate_id=uid(), seq=1, at="2026-11-20T00:00:00+00:00", customer_id=cid,
                   actor_id=world.users["R1"]["id"])
    apply([odd])
    body = as_user(world.users["R1"]).get("/timeline", query_string={"customer_id": cid}).get_json()
    assert body["items"][0]["event_id"] == odd.event_id
    assert body["items"][0]["summary"] == "张三 sales.contract.signed"
    with engine.connect() as conn:
        assert conn.execute(events.select().where(events.c.event_id == odd.event_id)).first() is not None


def test_audit_by_actor_type_period_and_scope(world, as_user):
    u = world.users
    admin = as_user(u["A"])
    by_m = admin.get("/audit", query_string={"actor_id": u["M"]["id"]}).get_json()
    assert {i["type"] for i in by_m["items"]} == {"billing.expense.approved", "billing.expense.rejected"}
    nov = admin.get("/audit", query_string={"type": "sales.order.created", "from": "2026-11-01",
                                            "to": "2026-11-30"}).get_json()
    assert sorted(i["data"]["number"] for i in nov["items"]) == ["SO-1", "SO-2", "SO-3", "SO-4"]
    # a rep: only events on customers they see (and their own actions on none)
    mine = as_user(u["R1"]).get("/audit", query_string={"per_page": 200}).get_json()
    assert mine["items"]
    assert {i["customer_id"] for i in mine["items"]} <= {world.ids["C1"], world.ids["C3"], None}
    assert all(i["customer_id"] or i["actor_id"] == u["R1"]["id"] for i in mine["items"])
    theirs = as_user(u["R2"]).get("/audit", query_string={"actor_id": u["R1"]["id"]}).get_json()
    assert theirs["items"] == []
    fin = as_user(u["F"]).get("/audit", query_string={"per_page": 200}).get_json()
    assert {i["service"] for i in fin["items"]} == {"billing"}
    assert admin.get("/audit", query_string={"from": "x"}).status_code == 422
    assert admin.get("/audit", query_string={"actor_id": "x"}).status_code == 422
