"""Customers: create, duplicates, read, list/search, update, delete/restore, lost, events."""

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


def test_create_defaults_and_event(people, engine):
    c = make(people.sales, "上海华东机电设备有限公司", industry="制造业", phone="021-5555 0001", category="A")
    assert c["owner_id"] == people.sales.user["id"] and c["status"] == "active"
    assert c["name"] == "上海华东机电设备有限公司" and c["shared_with"] == [] and c["warnings"] == []
    events = outbox_events(engine, "customer.customer.created", c["id"])
    assert len(events) == 1
    env = events[0]
    assert env["customer_id"] == c["id"] and env["actor_id"] == people.sales.user["id"]
    assert env["data"]["owner_id"] == people.sales.user["id"] and env["data"]["shared_with"] == []
    with engine.connect() as conn:
        owner = conn.execute(sa.text("SELECT owner_id FROM acl_customers WHERE customer_id = :c"),
                             {"c": c["id"]}).scalar()
    assert owner == people.sales.user["id"]


@pytest.mark.parametrize("variant", ["{} 有限责任公司", "{}（集团）股份有限公司", "  {}有限公司 ", "{}集团"])
def test_duplicate_name_variants_409(people, variant):
    base = f"华东{uuid.uuid4().hex[:6]}机电设备"
    first = make(people.sales, f"{base}有限公司")
    r = people.other.post("/customers", json={"name": variant.format(base)})
    assert r.status_code == 409
    body = r.get_json()["error"]
    assert body["code"] == "duplicate_customer" and body["details"]["existing_id"] == first["id"]


def test_duplicate_latin_fullwidth(people):
    make(people.sales, "ＡＣＭＥ Trading Co., Ltd.")
    r = people.other.post("/customers", json={"name": "acme trading"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "duplicate_customer"


def test_same_phone_is_flagged_not_refused(people):
    a = make(people.sales, "电话甲有限公司", phone="+86 138-0013-8000")
    b = make(people.sales, "电话乙有限公司", phone="13800138000")
    assert b["warnings"][0]["code"] == "duplicate_phone" and b["warnings"][0]["existing_id"] == a["id"]


def test_validation_errors(people):
    r = people.sales.post("/customers", json={"industry": "x"})
    assert r.status_code == 422 and "name" in r.get_json()["error"]["details"]
    assert people.sales.post("/customers", json={"name": "   "}).status_code == 422
    assert people.sales.post("/customers", json={"name": "!!!"}).status_code == 422
    assert people.sales.post("/customers", json={"name": "x" * 301}).status_code == 422
    r = people.sales.post("/customers", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "malformed_json"
    r = people.sales.post("/customers", json={"name": "OwnerTest", "owner_id": "nope"})
    assert r.status_code == 422


def test_roles_creating(people):
    assert people.finance.post("/customers", json={"name": "财务建的"}).status_code == 403
    assert people.warehouse.post("/customers", json={"name": "仓库建的"}).status_code == 403
    r = people.sales.post("/customers", json={"name": "给别人建的", "owner_id": people.other.user["id"]})
    assert r.status_code == 403
    c = make(people.manager, "经理给下属建的有限公司", owner_id=people.sales.user["id"])
    assert c["owner_id"] == people.sales.user["id"]
    r = people.manager.post("/customers", json={"name": "给外组建的", "owner_id": people.other.user["id"]})
    assert r.status_code == 403
    r = people.admin.post("/customers", json={"name": "给未知用户", "owner_id": str(uuid.uuid4())})
    assert r.status_code == 422


def test_visibility_per_role(people):
    mine = make(people.sales, "可见性测试甲有限公司")
    theirs = make(people.other, "可见性测试乙有限公司")
    assert people.sales.get(f"/customers/{mine['id']}").status_code == 200
    assert people.sales.get(f"/customers/{theirs['id']}").status_code == 404
    assert people.manager.get(f"/customers/{mine['id']}").status_code == 200
    assert people.manager.get(f"/customers/{theirs['id']}").status_code == 404
    assert people.admin.get(f"/customers/{theirs['id']}").status_code == 200
    for c in (people.finance, people.warehouse):
        assert c.get(f"/customers/{mine['id']}").status_code == 404
        assert c.get("/customers").get_json()["total"] == 0
    ids = {c["id"] for c in people.sales.get("/customers?per_page=200").get_json()["items"]}
    assert mine["id"] in ids and theirs["id"] not in ids
    assert people.other.patch(f"/customers/{mine['id']}", json={"industry": "x"}).status_code == 404
    assert people.sales.get("/customers/not-a-uuid").status_code == 404
    assert people.sales.get(f"/customers/{uuid.uuid4()}").status_code == 404


def test_search_by_name_phone_contact_and_filters(people):
    tag = uuid.uuid4().hex[:6]
    a = make(people.sales, f"苏州{tag}精密机械有限公司", phone="0512-6688 1234", category="B", industry="机械")
    b = make(people.sales, f"Wuxi {tag} Textile Ltd", category="C", industry="纺织")
    r = people.sales.post(f"/customers/{b['id']}/contacts", json={"name": f"赵{tag}六"})
    assert r.status_code == 201

    def ids(qs):
        r = people.sales.get(f"/customers?{qs}")
        assert r.status_code == 200, r.get_json()
        return [c["id"] for c in r.get_json()["items"]]

    assert ids(f"q={tag}精密") == [a["id"]]
    assert ids(f"q={tag.upper()}") == [b["id"], a["id"]]  # newest first
    assert ids("q=6688-1234") == [a["id"]]
    assert ids(f"q=赵{tag}") == [b["id"]]
    assert ids(f"q={tag}&category=B") == [a["id"]]
    assert ids(f"q={tag}&industry=纺织") == [b["id"]]
    assert ids(f"q={tag}&owner_id={people.other.user['id']}") == []
    assert people.other.get(f"/customers?q={tag}").get_json()["total"] == 0
    assert people.sales.get("/customers?status=bogus").status_code == 422
    assert people.sales.get("/customers?per_page=500").status_code == 422
    assert people.sales.get("/customers?owner_id=zzz").status_code == 422


def test_list_paging_is_stable(people):
    tag = uuid.uuid4().hex[:6]
    for i in range(5):
        make(people.sales, f"分页{tag}客户{i}")
    page1 = people.sales.get(f"/customers?q=分页{tag}&per_page=2&page=1").get_json()
    page2 = people.sales.get(f"/customers?q=分页{tag}&per_page=2&page=2").get_json()
    page3 = people.sales.get(f"/customers?q=分页{tag}&per_page=2&page=3").get_json()
    names = [c["name"] for p in (page1, page2, page3) for c in p["items"]]
    assert page1["total"] == 5 and len(set(names)) == 5 and names[0].endswith("4")


def test_update_custom_fields_and_duplicate_on_rename(people, engine):
    assert people.sales.post("/custom-fields", json={"name": "x", "type": "text"}).status_code == 403
    tag = uuid.uuid4().hex[:6]
    r = people.admin.post("/custom-fields", json={"name": f"规模{tag}", "type": "choice", "choices": ["大", "中", "小"]})
    assert r.status_code == 201
    assert people.admin.post("/custom-fields", json={"name": f"规模{tag}", "type": "text"}).status_code == 409
    assert people.admin.post("/custom-fields", json={"name": "bad", "type": "choice"}).status_code == 422
    assert people.admin.post("/custom-fields", json={"name": f"年额{tag}", "type": "number"}).status_code == 201
    assert people.admin.post("/custom-fields", json={"name": f"签约{tag}", "type": "date"}).status_code == 201
    c = make(people.sales, f"自定义{tag}有限公司", custom_fields={f"规模{tag}": "大", f"年额{tag}": "1200.50"})
    assert c["custom_fields"] == {f"规模{tag}": "大", f"年额{tag}": "1200.50"}
    for bad in ({f"规模{tag}": "特大"}, {f"年额{tag}": "abc"}, {f"签约{tag}": "2026-13-01"}, {"未定义": 1}):
        r = people.sales.patch(f"/customers/{c['id']}", json={"custom_fields": bad})
        assert r.status_code == 422, bad
        assert "custom_fields" in r.get_json()["error"]["details"]
    r = people.sales.patch(f"/customers/{c['id']}", json={"custom_fields": {f"签约{tag}": "2026-12-01",
                                                                            f"规模{tag}": None}, "industry": "化工"})
    assert r.status_code == 200
    out = r.get_json()
    assert out["custom_fields"] == {f"年额{tag}": "1200.50", f"签约{tag}": "2026-12-01"} and out["industry"] == "化工"
    assert len(outbox_events(engine, "customer.customer.updated", c["id"])) == 1
    other = make(people.sales, f"改名{tag}有限公司")
    r = people.sales.patch(f"/customers/{other['id']}", json={"name": f"自定义{tag} 公司"})
    assert r.status_code == 409 and r.get_json()["error"]["details"]["existing_id"] == c["id"]
    assert people.sales.patch(f"/customers/{other['id']}", json={"name": None}).status_code == 422


def test_required_custom_field_on_create(people):
    tag = uuid.uuid4().hex[:6]
    assert people.admin.post("/custom-fields", json={"name": f"必填{tag}", "type": "text", "required": True}).status_code == 201
    r = people.sales.post("/customers", json={"name": f"缺必填{tag}"})
    assert r.status_code == 422 and f"必填{tag}" in r.get_json()["error"]["details"]["custom_fields"]
    make(people.sales, f"有必填{tag}", custom_fields={f"必填{tag}": "ok"})
    field = next(f for f in people.admin.get("/custom-fields?per_page=200").get_json()["items"] if f["name"] == f"必填{tag}")
    assert people.sales.patch(f"/custom-fields/{field['id']}", json={"required": False}).status_code == 403
    assert people.admin.patch(f"/custom-fields/{field['id']}", json={"choices": ["a"]}).status_code == 422  # a text field
    assert people.admin.patch("/custom-fields/not-an-id", json={"required": False}).status_code == 404
    changed = people.admin.patch(f"/custom-fields/{field['id']}", json={"required": False})
    assert changed.status_code == 200 and changed.get_json()["required"] is False
    assert people.sales.post("/customers", json={"name": f"不再必填{tag}"}).status_code == 201  # optional now
    [event] = [e for e in outbox_events(people.admin._client.application.extensions["crm"].engine,
                                        "customer.custom_field.changed") if e["data"]["id"] == field["id"]]
    assert event["data"]["required"] is False
    with people.admin._client.application.extensions["crm"].engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM custom_fields WHERE required"))


def test_delete_restore_and_lost(people, engine):
    c = make(people.sales, "删除恢复测试有限公司")
    assert people.other.delete(f"/customers/{c['id']}").status_code == 404
    r = people.sales.delete(f"/customers/{c['id']}")
    assert r.status_code == 200 and r.get_json()["status"] == "deleted"
    assert people.sales.delete(f"/customers/{c['id']}").status_code == 409
    assert c["id"] not in {x["id"] for x in people.sales.get("/customers?per_page=200").get_json()["items"]}
    assert c["id"] in {x["id"] for x in people.sales.get("/customers?status=deleted").get_json()["items"]}
    assert people.sales.patch(f"/customers/{c['id']}", json={"industry": "x"}).status_code == 409
    # the name is free again while deleted; restoring then collides
    twin = make(people.sales, "删除恢复测试 公司")
    r = people.sales.post(f"/customers/{c['id']}/restore")
    assert r.status_code == 409 and r.get_json()["error"]["details"]["existing_id"] == twin["id"]
    people.sales.delete(f"/customers/{twin['id']}")
    r = people.sales.post(f"/customers/{c['id']}/restore")
    assert r.status_code == 200 and r.get_json()["status"] == "active"
    assert people.sales.post(f"/customers/{c['id']}/restore").status_code == 409
    assert people.sales.post(f"/customers/{c['id']}/lost", json={}).status_code == 422
    r = people.sales.post(f"/customers/{c['id']}/lost", json={"reason": "转向竞争对手"})
    assert r.status_code == 200 and r.get_json()["status"] == "lost" and r.get_json()["lost_reason"] == "转向竞争对手"
    assert people.sales.post(f"/customers/{c['id']}/lost", json={"reason": "again"}).status_code == 409
    assert c["id"] in {x["id"] for x in people.sales.get("/customers?status=lost").get_json()["items"]}
    types = [e["event_type"] for e in
             [*outbox_events(engine, "customer.customer.deleted", c["id"]),
              *outbox_events(engine, "customer.customer.restored", c["id"]),
              *outbox_events(engine, "customer.customer.lost", c["id"])]]
    assert types == ["customer.customer.deleted", "customer.customer.restored", "customer.customer.lost"]
    lost = outbox_events(engine, "customer.customer.lost", c["id"])[0]
    assert lost["data"]["status"] == "lost" and lost["data"]["lost_reason"] == "转向竞争对手"
    r = people.sales.post(f"/customers/{c['id']}/reactivate")
    assert r.status_code == 200 and r.get_json()["status"] == "active"


def test_two_character_fragments_and_too_short(people):
    tag = uuid.uuid4().hex[:4]
    c = make(people.sales, f"联想{tag}电脑有限公司")
    people.sales.post(f"/customers/{c['id']}/contacts", json={"name": "欧阳"})
    ids = [x["id"] for x in people.sales.get("/customers?q=联想&per_page=200").get_json()["items"]]
    assert c["id"] in ids
    ids = [x["id"] for x in people.sales.get("/customers?q=欧阳&per_page=200").get_json()["items"]]
    assert c["id"] in ids
    assert people.sales.get("/customers?q=联").status_code == 422
    assert people.sales.get("/customers?q=%20%21").status_code == 422
    assert people.sales.get("/contacts?q=欧阳").get_json()["total"] >= 1


def test_concurrent_duplicate_creates_give_one_customer(people, app, settings):
    from concurrent.futures import ThreadPoolExecutor

    from shared.testing.clients import ServiceClient

    name = f"并发{uuid.uuid4().hex[:6]}有限公司"
    clients = [ServiceClient(app, people.sales.user, settings.internal_secret) for _ in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda c: c.post("/customers", json={"name": name}).status_code, clients))
    assert sorted(statuses) == [201] + [409] * 5
    assert people.sales.get(f"/customers?q={name[:8]}").get_json()["total"] == 1


def test_search_ignores_company_suffix_and_refuses_suffix_only(people):
    tag = uuid.uuid4().hex[:6]
    c = make(people.sales, f"华东{tag}机电设备有限公司")
    ids = [x["id"] for x in people.sales.get(f"/customers?q={tag}机电设备有限公司").get_json()["items"]]
    assert ids == [c["id"]]
    for q in ("有限公司", "Co., Ltd.", "集团", "有限"):
        r = people.sales.get("/customers", query_string={"q": q})
        assert r.status_code == 422 and r.get_json()["error"]["code"] == "search_too_broad", q


def test_search_that_takes_too_long_is_refused_not_hung(people, monkeypatch):
    import sqlalchemy as sa

    from services.customer.api import customers as customers_api

    real_cte = customers_api.search_cte

    def slow_cte(*args, **kwargs):
        cte = real_cte(*args, **kwargs)
        return sa.select(*cte.c).where(sa.func.pg_sleep(0.2).is_not(None)).cte("slow").prefix_with("MATERIALIZED")

    make(people.sales, f"慢查询{uuid.uuid4().hex[:6]}")
    monkeypatch.setattr(customers_api, "SEARCH_TIMEOUT_MS", 50)
    monkeypatch.setattr(customers_api, "search_cte", slow_cte)
    r = people.sales.get("/customers?q=慢查询")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "search_too_broad"
    monkeypatch.setattr(customers_api, "search_cte", real_cte)
    assert people.sales.get("/customers?q=慢查询").get_json()["total"] == 1
