"""/competitors (issue 16): shared reference data; sales, managers and admins record and
change them, everyone reads them; each write reaches the outbox for sales' and tracking's
copies."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration


def _name(base: str = "恒力机电") -> str:
    return f"{base}{uuid.uuid4().hex[:6]}"


def test_a_rep_records_a_competitor_and_everyone_reads_it(people, engine):
    name = _name()
    r = people.sales.post("/competitors", json={"name": f" {name} ", "website": "https://hl.example.cn",
                                                "strengths": "价格低", "weaknesses": "交期长"})
    assert r.status_code == 201, r.json
    comp = r.json
    assert (comp["name"], comp["strengths"], comp["weaknesses"]) == (name, "价格低", "交期长")
    for reader in (people.other, people.finance, people.warehouse, people.manager2):
        got = reader.get(f"/competitors/{comp['id']}")
        assert got.status_code == 200 and got.json["name"] == name
        listed = reader.get("/competitors", query_string={"q": name})
        assert [c["id"] for c in listed.json["items"]] == [comp["id"]]
    [event] = outbox_events(engine, "customer.competitor.created", comp["id"])
    assert event["data"] == {"id": comp["id"], "name": name, "website": "https://hl.example.cn",
                             "strengths": "价格低", "weaknesses": "交期长"}
    assert event["aggregate_type"] == "competitor"


@pytest.mark.parametrize("who", ["finance", "warehouse"])
def test_other_roles_may_not_record_or_change_competitors(people, who):
    r = getattr(people, who).post("/competitors", json={"name": _name()})
    assert r.status_code == 403
    comp = people.manager.post("/competitors", json={"name": _name()}).json
    r = getattr(people, who).patch(f"/competitors/{comp['id']}", json={"weaknesses": "x"})
    assert r.status_code == 403


def test_the_same_company_twice_is_409(people):
    name = _name("精工科技")
    assert people.sales.post("/competitors", json={"name": f"{name}有限公司"}).status_code == 201
    r = people.other.post("/competitors", json={"name": name})
    assert r.status_code == 409 and r.json["error"]["code"] == "duplicate_competitor"


def test_a_change_emits_the_updated_snapshot(people, engine):
    comp = people.admin.post("/competitors", json={"name": _name()}).json
    r = people.sales.patch(f"/competitors/{comp['id']}", json={"weaknesses": "售后网点少", "website": None})
    assert r.status_code == 200 and r.json["weaknesses"] == "售后网点少"
    [event] = outbox_events(engine, "customer.competitor.updated", comp["id"])
    assert event["data"]["weaknesses"] == "售后网点少" and event["aggregate_seq"] > 0


@pytest.mark.parametrize("body,field", [({}, "name"), ({"name": "  "}, "name"), ({"name": "x" * 201}, "name"),
                                        ({"name": "a", "website": "w" * 301}, "website"),
                                        ({"name": 5}, "name")])
def test_bad_competitor_is_422(people, body, field):
    r = people.sales.post("/competitors", json=body)
    assert r.status_code == 422 and field in r.json["error"]["details"]


def test_unknown_and_malformed_ids_are_404_and_an_empty_change_is_422(people):
    assert people.sales.get(f"/competitors/{uuid.uuid4()}").status_code == 404
    assert people.sales.get("/competitors/not-an-id").status_code == 404
    comp = people.sales.post("/competitors", json={"name": _name()}).json
    assert people.sales.patch(f"/competitors/{comp['id']}", json={}).status_code == 422


def test_customer_kind_defaults_filters_and_changes(people, engine):
    agent = people.sales.post("/customers", json={"name": _name("代理商"), "kind": "agent"})
    plain = people.sales.post("/customers", json={"name": _name("直客")})
    assert agent.status_code == 201 and plain.status_code == 201, (agent.json, plain.json)
    assert (agent.json["kind"], plain.json["kind"]) == ("agent", "customer")
    [created] = outbox_events(engine, "customer.customer.created", agent.json["id"])
    assert created["data"]["kind"] == "agent"
    listed = people.sales.get("/customers", query_string={"kind": "agent", "per_page": 100}).json
    ids = {c["id"] for c in listed["items"]}
    assert agent.json["id"] in ids and plain.json["id"] not in ids and listed["total"] == len(ids)
    searched = people.sales.get("/customers", query_string={"kind": "agent", "q": "代理商"}).json
    assert agent.json["id"] in {c["id"] for c in searched["items"]}
    assert all(c["kind"] == "agent" for c in searched["items"])
    r = people.sales.patch(f"/customers/{plain.json['id']}", json={"kind": "partner"})
    assert r.status_code == 200 and r.json["kind"] == "partner"
    # another team's rep sees none of them through the kind filter either
    other = people.other.get("/customers", query_string={"kind": "partner", "per_page": 100}).json
    assert plain.json["id"] not in {c["id"] for c in other["items"]}


def test_an_unknown_kind_is_422(people):
    r = people.sales.post("/customers", json={"name": _name(), "kind": "friend"})
    assert r.status_code == 422 and "kind" in r.json["error"]["details"]
    r = people.sales.get("/customers", query_string={"kind": "friend"})
    assert r.status_code == 422 and "kind" in r.json["error"]["details"]
