"""Transfer, shares, contacts, leads and conversion."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.clients import new_user, seed_users
from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration


def make(client, name=None, **extra):
    r = client.post("/customers", json={"name": name or f"客户{uuid.uuid4().hex[:8]}", **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_transfer_rules(people, engine):
    c = make(people.sales)
    target = people.other.user["id"]
    assert people.other.post(f"/customers/{c['id']}/transfer", json={"owner_id": target}).status_code == 404
    assert people.manager2.post(f"/customers/{c['id']}/transfer", json={"owner_id": target}).status_code == 404
    assert people.sales.post(f"/customers/{c['id']}/transfer", json={}).status_code == 422
    assert people.sales.post(f"/customers/{c['id']}/transfer",
                             json={"owner_id": people.finance.user["id"]}).status_code == 422
    assert people.sales.post(f"/customers/{c['id']}/transfer",
                             json={"owner_id": str(uuid.uuid4())}).status_code == 422
    # a rep it is shared with sees it but may not hand it over
    assert people.sales.post(f"/customers/{c['id']}/shares", json={"user_id": target}).status_code == 201
    assert people.other.post(f"/customers/{c['id']}/transfer",
                             json={"owner_id": target}).status_code == 403
    # the manager above the owner moves it within the team, not into another team
    teammate = new_user("sales", manager_id=people.manager.user["id"])
    seed_users(engine, teammate)
    r = people.manager.post(f"/customers/{c['id']}/transfer", json={"owner_id": target})
    assert r.status_code == 403 and r.get_json()["error"]["details"] == {"owner_id": ["not a user you may assign to"]}
    r = people.manager.post(f"/customers/{c['id']}/transfer", json={"owner_id": teammate["id"]})
    assert r.status_code == 200 and r.get_json()["owner_id"] == teammate["id"] and r.get_json()["shared_with"] == [target]
    assert people.sales.get(f"/customers/{c['id']}").status_code == 404
    assert people.manager.get(f"/customers/{c['id']}").status_code == 200
    ev = outbox_events(engine, "customer.customer.transferred", c["id"])
    assert len(ev) == 1 and ev[0]["data"]["owner_id"] == teammate["id"]
    # admin may move it anywhere
    r = people.admin.post(f"/customers/{c['id']}/transfer", json={"owner_id": target})
    assert r.status_code == 200 and r.get_json()["owner_id"] == target and r.get_json()["shared_with"] == []
    assert people.other.get(f"/customers/{c['id']}").status_code == 200


def test_transfer_names_only_an_active_user_the_caller_may_assign_to(people, engine):
    """The owner cannot push a customer onto another rep (nor their manager); an inactive
    user is refused like an unknown one, even by admin."""
    d = make(people.sales)
    for someone in (people.other, people.manager):
        r = people.sales.post(f"/customers/{d['id']}/transfer", json={"owner_id": someone.user["id"]})
        assert r.status_code == 403, r.get_json()
    gone = new_user("sales", manager_id=people.manager.user["id"])
    gone["active"] = False
    seed_users(engine, gone)
    for caller in (people.manager, people.admin):
        r = caller.post(f"/customers/{d['id']}/transfer", json={"owner_id": gone["id"]})
        assert r.status_code == 422 and "owner_id" in r.get_json()["error"]["details"]
    r = people.admin.post("/customers", json={"name": f"给停用用户{uuid.uuid4().hex[:6]}", "owner_id": gone["id"]})
    assert r.status_code == 422 and "owner_id" in r.get_json()["error"]["details"]
    assert people.sales.get(f"/customers/{d['id']}").get_json()["owner_id"] == people.sales.user["id"]
    assert outbox_events(engine, "customer.customer.transferred", d["id"]) == []


def test_share_and_unshare(people, engine):
    c = make(people.sales)
    other = people.other.user["id"]
    assert people.other.get(f"/customers/{c['id']}").status_code == 404
    r = people.sales.post(f"/customers/{c['id']}/shares", json={"user_id": other})
    assert r.status_code == 201 and r.get_json()["shared_with"] == [other]
    assert people.sales.post(f"/customers/{c['id']}/shares", json={"user_id": other}).status_code == 201
    assert len(outbox_events(engine, "customer.customer.shared", c["id"])) == 1
    assert people.other.get(f"/customers/{c['id']}").status_code == 200
    assert c["id"] in {x["id"] for x in people.other.get("/customers?per_page=200").get_json()["items"]}
    # the shared rep works on it but may not reshare
    assert people.other.post(f"/customers/{c['id']}/contacts", json={"name": "共享联系人"}).status_code == 201
    assert people.other.post(f"/customers/{c['id']}/shares",
                             json={"user_id": people.manager2.user["id"]}).status_code == 403
    assert people.sales.post(f"/customers/{c['id']}/shares",
                             json={"user_id": people.sales.user["id"]}).status_code == 409
    assert people.sales.post(f"/customers/{c['id']}/shares", json={"user_id": "x"}).status_code == 422
    assert people.sales.get(f"/customers/{c['id']}/shares").get_json()["items"][0]["user_id"] == other
    assert people.sales.delete(f"/customers/{c['id']}/shares/{other}").status_code == 204
    assert people.sales.delete(f"/customers/{c['id']}/shares/{other}").status_code == 404
    assert people.other.get(f"/customers/{c['id']}").status_code == 404
    ev = outbox_events(engine, "customer.customer.unshared", c["id"])
    assert len(ev) == 1 and ev[0]["data"]["shared_with"] == []


def test_contacts(people, engine):
    c = make(people.sales)
    r = people.sales.post(f"/customers/{c['id']}/contacts",
                          json={"name": "王五", "title": "采购经理", "phone": "139", "email": "w@example.cn",
                                "is_decision_maker": True})
    assert r.status_code == 201
    contact = r.get_json()
    assert contact["is_decision_maker"] is True and contact["customer_id"] == c["id"]
    people.sales.post(f"/customers/{c['id']}/contacts", json={"name": "赵六"})
    assert people.sales.post(f"/customers/{c['id']}/contacts", json={"email": "x@y.z"}).status_code == 422
    assert people.sales.post(f"/customers/{c['id']}/contacts",
                             json={"name": "坏邮箱", "email": "nope"}).status_code == 422
    assert people.other.post(f"/customers/{c['id']}/contacts", json={"name": "越权"}).status_code == 404
    assert people.sales.post(f"/customers/{uuid.uuid4()}/contacts", json={"name": "无"}).status_code == 404
    listed = people.sales.get(f"/contacts?customer_id={c['id']}").get_json()
    assert listed["total"] == 2 and listed["items"][0]["name"] == "赵六"
    assert people.other.get(f"/contacts?customer_id={c['id']}").get_json()["total"] == 0
    assert people.other.get(f"/contacts/{contact['id']}").status_code == 404
    assert people.manager.get(f"/contacts/{contact['id']}").status_code == 200
    r = people.sales.patch(f"/contacts/{contact['id']}", json={"title": "总经理"})
    assert r.status_code == 200 and r.get_json()["title"] == "总经理"
    assert people.other.patch(f"/contacts/{contact['id']}", json={"title": "x"}).status_code == 404
    assert people.sales.delete(f"/contacts/{contact['id']}").status_code == 204
    assert people.sales.get(f"/contacts/{contact['id']}").status_code == 404
    kinds = [e["event_type"] for t in ("created", "updated", "deleted")
             for e in outbox_events(engine, f"customer.contact.{t}", contact["id"])]
    assert kinds == ["customer.contact.created", "customer.contact.updated", "customer.contact.deleted"]
    assert outbox_events(engine, "customer.contact.created", contact["id"])[0]["customer_id"] == c["id"]


def test_leads_and_conversion(people, engine):
    tag = uuid.uuid4().hex[:6]
    r = people.sales.post("/leads", json={"name": "李四", "company": f"苏州{tag}科技有限公司", "phone": "13800000001",
                                          "email": "lisi@example.cn", "source": "展会"})
    assert r.status_code == 201
    lead = r.get_json()
    assert lead["status"] == "new" and lead["owner_id"] == people.sales.user["id"]
    assert people.sales.post("/leads", json={"company": "无名"}).status_code == 422
    assert people.finance.post("/leads", json={"name": "x"}).status_code == 403
    assert people.other.get(f"/leads/{lead['id']}").status_code == 404
    assert people.manager.get(f"/leads/{lead['id']}").status_code == 200
    assert lead["id"] in {x["id"] for x in people.sales.get("/leads?status=new").get_json()["items"]}
    assert lead["id"] not in {x["id"] for x in people.other.get("/leads").get_json()["items"]}
    assert people.sales.get("/leads?status=zzz").status_code == 422
    assert people.other.post(f"/leads/{lead['id']}/convert", json={}).status_code == 404
    bad = people.sales.post(f"/leads/{lead['id']}/convert", json={"opportunity": {"name": "首单", "amount": "abc"}})
    assert bad.status_code == 422
    r = people.sales.post(f"/leads/{lead['id']}/convert",
                          json={"opportunity": {"name": "首单", "amount": 80000, "expected_close_date": "2027-01-31"}})
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert set(out) == {"customer_id", "contact_id", "opportunity_id"} and out["opportunity_id"]
    customer = people.sales.get(f"/customers/{out['customer_id']}").get_json()
    assert customer["name"] == f"苏州{tag}科技有限公司" and customer["owner_id"] == people.sales.user["id"]
    contact = people.sales.get(f"/contacts/{out['contact_id']}").get_json()
    assert contact["name"] == "李四" and contact["customer_id"] == out["customer_id"]
    r = people.sales.post(f"/leads/{lead['id']}/convert", json={})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "lead_already_converted"
    ev = outbox_events(engine, "customer.lead.converted", lead["id"])
    assert len(ev) == 1
    assert ev[0]["customer_id"] == out["customer_id"]
    assert ev[0]["data"]["opportunity"] == {"id": out["opportunity_id"], "name": "首单", "amount": "80000.00",
                                             "expected_close_date": "2027-01-31"}
    assert people.sales.get(f"/leads/{lead['id']}").get_json()["status"] == "converted"


def test_convert_without_opportunity_and_into_existing(people):
    tag = uuid.uuid4().hex[:6]
    existing = make(people.sales, f"已存在{tag}有限公司")
    lead = people.sales.post("/leads", json={"name": "周七", "company": f"已存在{tag}公司"}).get_json()
    r = people.sales.post(f"/leads/{lead['id']}/convert", json={})
    assert r.status_code == 409 and r.get_json()["error"]["details"]["existing_id"] == existing["id"]
    assert people.sales.get(f"/leads/{lead['id']}").get_json()["status"] == "new"  # nothing half-written
    r = people.sales.post(f"/leads/{lead['id']}/convert", json={"customer_id": existing["id"]})
    assert r.status_code == 200
    assert r.get_json()["customer_id"] == existing["id"] and r.get_json()["opportunity_id"] is None
    other_lead = people.sales.post("/leads", json={"name": "吴八"}).get_json()
    theirs = make(people.other)
    assert people.sales.post(f"/leads/{other_lead['id']}/convert",
                             json={"customer_id": theirs["id"]}).status_code == 404


def test_list_totals_from_counters_match_rows(people):
    """The unfiltered list's total comes from trigger-kept counters: it must equal the rows."""
    a = make(people.sales, category="A", industry="化工")
    b = make(people.sales, category="A")
    c = make(people.other, category="B", industry="化工")
    people.sales.post(f"/customers/{a['id']}/lost", json={"reason": "价格"})
    people.sales.delete(f"/customers/{b['id']}")
    people.other.post(f"/customers/{c['id']}/shares", json={"user_id": people.sales.user["id"]})
    d = make(people.other)
    people.admin.post(f"/customers/{d['id']}/transfer", json={"owner_id": people.sales.user["id"]})

    people.sales.patch(f"/customers/{a['id']}", json={"category": "B"})

    def rows(client, status, extra=""):
        seen, page = 0, 1
        while True:
            q = f"/customers?per_page=200&page={page}" + (f"&status={status}" if status else "") + extra
            body = client.get(q).get_json()
            seen += len(body["items"])
            if len(body["items"]) < 200:
                return body["total"], seen
            page += 1

    for client in (people.admin, people.manager, people.sales, people.other, people.finance):
        for status in (None, "active", "lost", "deleted"):
            for extra in ("", "&category=B", "&industry=化工", "&category=A&industry=化工",
                          f"&owner_id={people.sales.user['id']}"):
                total, seen = rows(client, status, extra)
                assert total == seen, (client.user["role"], status, extra)


def test_lead_update_and_disqualify(people, engine):
    lead = people.sales.post("/leads", json={"name": "郑九", "source": "官网"}).get_json()
    r = people.sales.patch(f"/leads/{lead['id']}", json={"phone": "13700000000"})
    assert r.status_code == 200 and r.get_json()["phone"] == "13700000000"
    assert people.sales.patch(f"/leads/{lead['id']}", json={"status": "converted"}).status_code == 422
    assert people.sales.patch(f"/leads/{lead['id']}", json={}).status_code == 422
    assert people.other.patch(f"/leads/{lead['id']}", json={"phone": "1"}).status_code == 404
    r = people.sales.patch(f"/leads/{lead['id']}", json={"status": "disqualified"})
    assert r.status_code == 200 and r.get_json()["status"] == "disqualified"
    r = people.sales.post(f"/leads/{lead['id']}/convert", json={})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "lead_disqualified"
    assert [e["data"]["status"] for e in outbox_events(engine, "customer.lead.updated", lead["id"])] == [
        "new", "disqualified"]
    done = people.sales.post("/leads", json={"name": "钱十", "company": f"钱氏{uuid.uuid4().hex[:6]}"}).get_json()
    assert people.sales.post(f"/leads/{done['id']}/convert", json={}).status_code == 200
    assert people.sales.patch(f"/leads/{done['id']}", json={"phone": "1"}).status_code == 409
