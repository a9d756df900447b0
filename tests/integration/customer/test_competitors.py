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
