"""The customer list's date filters and sort, the duplicate hint while a name is typed,
the 409's owner details, share requests, leads' q and activities' day filters."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration


def make(client, name, **extra):
    r = client.post("/customers", json={"name": name, **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _set_created(engine, cid, when):
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE customers SET created_at = :t WHERE id = :c"), {"t": when, "c": cid})


def test_created_range_and_sort(people, engine):
    tag = uuid.uuid4().hex[:6]
    a = make(people.sales, f"甲{tag}贸易有限公司")
    b = make(people.sales, f"乙{tag}贸易有限公司")
    c = make(people.sales, f"丙{tag}贸易有限公司")
    _set_created(engine, a["id"], "2025-01-10T10:00:00+00:00")
    _set_created(engine, b["id"], "2025-02-10T23:59:00+00:00")
    _set_created(engine, c["id"], "2025-03-01T00:00:00+00:00")
    mine = {a["id"], b["id"], c["id"]}

    def ids(**query):
        r = people.sales.get("/customers", query_string={"q": tag, "per_page": 200, **query})
        assert r.status_code == 200, r.get_json()
        return [x["id"] for x in r.get_json()["items"] if x["id"] in mine], r.get_json()["total"]

    assert ids(created_from="2025-02-10", created_to="2025-02-10") == ([b["id"]], 1)
    assert ids(created_from="2025-02-11")[0] == [c["id"]]
    assert set(ids(created_to="2025-02-28")[0]) == {a["id"], b["id"]}
    assert ids()[0] == [c["id"], b["id"], a["id"]]  # newest first by default
    assert ids(sort="created_at")[0] == [a["id"], b["id"], c["id"]]
    by_name = ids(sort="name")[0]
    assert by_name == sorted(by_name, key=lambda i: {a["id"]: a, b["id"]: b, c["id"]: c}[i]["name"])
    assert ids(sort="-name")[0] == list(reversed(by_name))
    # without q: the same filters (the counters' fast total cannot answer a date range)
    r = people.sales.get("/customers", query_string={"created_from": "2025-02-10", "created_to": "2025-02-10",
                                                     "per_page": 200})
    got = [x["id"] for x in r.get_json()["items"]]
    assert b["id"] in got and a["id"] not in got and c["id"] not in got
    assert r.get_json()["total"] == len(got)
    r = people.sales.get("/customers", query_string={"sort": "name", "per_page": 200})
    names = [x["name"] for x in r.get_json()["items"]]
    with engine.connect() as conn:
        expected = conn.execute(sa.text(
            "SELECT name FROM customers WHERE owner_id = :o AND deleted_at IS NULL ORDER BY name, id"),
            {"o": people.sales.user["id"]}).scalars().all()
    assert names == expected[:200]


@pytest.mark.parametrize("query", [
    {"sort": "phone"}, {"sort": "name; drop table customers"}, {"created_from": "2025-13-01"},
    {"created_to": "9999-12-31"}, {"created_from": "yesterday"},
    {"created_from": "2025-03-02", "created_to": "2025-03-01"},
])
def test_bad_list_arguments_422(people, query):
    r = people.sales.get("/customers", query_string=query)
    assert r.status_code == 422, r.get_json()
    assert set(r.get_json()["error"]["details"]) & {"sort", "created_from", "created_to"}


def test_the_name_sort_is_indexed(engine):
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT indexname FROM pg_indexes WHERE tablename IN ('customers', 'leads')"))
        found = set(names.scalars())
    assert {"ix_customers_live_name", "ix_leads_search_trgm"} <= found


def test_duplicate_check_own_and_colleagues(people):
    tag = uuid.uuid4().hex[:6]
    mine = make(people.sales, f"华南{tag}电子有限公司", phone="020-1234 5678", category="A")
    r = people.sales.get("/customers/duplicate-check", query_string={"name": f"  华南{tag}电子 "})
    dup = r.get_json()["duplicate"]
    assert r.status_code == 200 and dup["existing_id"] == mine["id"] and dup["visible"] is True
    assert dup["existing_name"] == mine["name"] and dup["owner_id"] == people.sales.user["id"]
    assert dup["owner_name"] == people.sales.user["full_name"]
    # the owner's manager sees it too
    assert people.manager.get("/customers/duplicate-check", query_string={"name": mine["name"]}
                              ).get_json()["duplicate"]["visible"] is True
    # a rep of another team: who owns it, nothing else
    dup = people.other.get("/customers/duplicate-check", query_string={"name": f"华南{tag}电子（集团）有限公司"}
                           ).get_json()["duplicate"]
    assert dup == {"existing_id": mine["id"], "owner_id": people.sales.user["id"],
                   "owner_name": people.sales.user["full_name"], "visible": False}
    assert people.other.get("/customers/duplicate-check", query_string={"name": f"华北{tag}电子"}
                            ).get_json() == {"duplicate": None}
    # editing a customer does not find itself
    assert people.sales.get("/customers/duplicate-check", query_string={"name": mine["name"], "exclude_id": mine["id"]}
                            ).get_json() == {"duplicate": None}


def test_duplicate_check_bad_input_and_roles(people):
    assert people.sales.get("/customers/duplicate-check").status_code == 422
    assert people.sales.get("/customers/duplicate-check", query_string={"name": "x" * 301}).status_code == 422
    assert people.sales.get("/customers/duplicate-check", query_string={"name": "x", "exclude_id": "no"}
                            ).status_code == 422
    assert people.sales.get("/customers/duplicate-check", query_string={"name": "!!!"}).get_json() == {"duplicate": None}
    assert people.finance.get("/customers/duplicate-check", query_string={"name": "华南"}).status_code == 403


def test_409_says_who_owns_it_without_the_record(people):
    tag = uuid.uuid4().hex[:6]
    mine = make(people.sales, f"西部{tag}物流有限公司", phone="13900001111", industry="物流")
    r = people.other.post("/customers", json={"name": f"西部{tag}物流"})
    assert r.status_code == 409
    details = r.get_json()["error"]["details"]
    assert details == {"existing_id": mine["id"], "owner_id": people.sales.user["id"],
                       "owner_name": people.sales.user["full_name"], "visible": False}
    assert "13900001111" not in r.get_data(as_text=True) and "物流有限公司" not in r.get_data(as_text=True)
    r = people.sales.post("/customers", json={"name": f"西部{tag}物流"})
    details = r.get_json()["error"]["details"]
    assert details["visible"] is True and details["existing_name"] == mine["name"]
    # renaming onto it and converting a lead onto it say the same
    other = make(people.other, f"东部{tag}物流有限公司")
    r = people.other.patch(f"/customers/{other['id']}", json={"name": f"西部{tag}物流有限公司"})
    assert r.status_code == 409 and r.get_json()["error"]["details"]["visible"] is False
    lead = people.other.post("/leads", json={"name": "赵六", "company": f"西部{tag}物流"}).get_json()
    r = people.other.post(f"/leads/{lead['id']}/convert", json={})
    assert r.status_code == 409 and r.get_json()["error"]["details"]["owner_name"] == people.sales.user["full_name"]
    assert "existing_name" not in r.get_json()["error"]["details"]


def test_share_request_event_and_refusals(people, engine):
    tag = uuid.uuid4().hex[:6]
    mine = make(people.sales, f"北方{tag}重工有限公司")
    r = people.other.post(f"/customers/{mine['id']}/share-requests", json={})
    assert r.status_code == 202, r.get_json()
    body = r.get_json()
    assert body == {"customer_id": mine["id"], "owner_id": people.sales.user["id"],
                    "owner_name": people.sales.user["full_name"], "requested": True}
    [event] = outbox_events(engine, "customer.share.requested", mine["id"])
    assert event["customer_id"] == mine["id"] and event["actor_id"] == people.other.user["id"]
    assert event["data"] == {"customer_id": mine["id"], "customer_name": mine["name"],
                             "owner_id": people.sales.user["id"], "requester_id": people.other.user["id"],
                             "requester_name": people.other.user["full_name"]}
    # who may see it need not ask; unknown, deleted or malformed ids are 404; other roles 403
    r = people.manager.post(f"/customers/{mine['id']}/share-requests", json={})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "already_visible"
    assert people.other.post(f"/customers/{uuid.uuid4()}/share-requests", json={}).status_code == 404
    assert people.other.post("/customers/nope/share-requests", json={}).status_code == 404
    assert people.finance.post(f"/customers/{mine['id']}/share-requests", json={}).status_code == 403
    gone = make(people.sales, f"南方{tag}重工有限公司")
    assert people.sales.delete(f"/customers/{gone['id']}").status_code == 200
    assert people.other.post(f"/customers/{gone['id']}/share-requests", json={}).status_code == 404
    # once shared, the requester sees it
    assert people.sales.post(f"/customers/{mine['id']}/shares", json={"user_id": people.other.user["id"]}
                             ).status_code == 201
    assert people.other.get(f"/customers/{mine['id']}").status_code == 200
    assert people.other.get("/customers/duplicate-check", query_string={"name": mine["name"]}
                            ).get_json()["duplicate"]["visible"] is True


def test_leads_q(people):
    tag = uuid.uuid4().hex[:6]
    a = people.sales.post("/leads", json={"name": f"钱{tag}", "company": "苏州精工科技有限公司",
                                          "email": f"{tag}@example.cn"}).get_json()
    b = people.other.post("/leads", json={"name": "孙七", "company": f"无锡{tag}机械"}).get_json()

    def found(client, q):
        r = client.get("/leads", query_string={"q": q, "per_page": 200})
        assert r.status_code == 200, r.get_json()
        return {x["id"] for x in r.get_json()["items"]}

    assert found(people.sales, tag) == {a["id"]}  # the other rep's lead stays theirs
    assert found(people.other, tag) == {b["id"]}
    assert found(people.sales, f"{tag.upper()}@EXAMPLE") == {a["id"]}
    assert a["id"] in found(people.admin, tag) and b["id"] in found(people.admin, tag)
    assert found(people.sales, "100%_") == set()
    assert people.sales.get("/leads", query_string={"q": "x" * 101}).status_code == 422


def test_activities_day_filters(people):
    c = make(people.sales, f"活动{uuid.uuid4().hex[:6]}有限公司")
    for when in ("2025-05-01T08:00:00+00:00", "2025-05-02T23:30:00+00:00", "2025-05-03T00:00:00+00:00"):
        assert people.sales.post("/activities", json={"customer_id": c["id"], "kind": "call", "summary": when,
                                                      "occurred_at": when}).status_code == 201

    def days(**q):
        r = people.sales.get("/activities", query_string={"customer_id": c["id"], **q})
        assert r.status_code == 200, r.get_json()
        return [x["summary"][:10] for x in r.get_json()["items"]]

    assert days(**{"from": "2025-05-02", "to": "2025-05-02"}) == ["2025-05-02"]
    items = people.sales.get("/activities", query_string={"customer_id": c["id"]}).get_json()["items"]
    assert [i["comment_count"] for i in items] == [0, 0, 0]
    for text in ("好", "继续跟进"):
        assert people.manager.post(f"/activities/{items[1]['id']}/comments", json={"text": text}).status_code == 201
    items = people.sales.get("/activities", query_string={"customer_id": c["id"]}).get_json()["items"]
    assert [i["comment_count"] for i in items] == [0, 2, 0]
    assert days(**{"from": "2025-05-02"}) == ["2025-05-03", "2025-05-02"]
    assert days(to="2025-05-01") == ["2025-05-01"]
    for bad in ({"to": "9999-12-31"}, {"from": "0001-01-01"}, {"to": "2025-02-30"}, {"from": "x"}):
        r = people.sales.get("/activities", query_string=bad)
        assert r.status_code == 422, (bad, r.get_json())
