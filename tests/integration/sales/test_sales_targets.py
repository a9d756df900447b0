"""Sales targets (销售目标) in the sales service: set and removed by a manager above the rep
or an admin, read by whoever sees the rep's numbers; each change an event for tracking."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.integration


def _year() -> str:
    return "2031"  # a year no other test of the module uses


def test_managers_above_the_rep_and_admins_set_targets(world):
    rep1 = world.users["rep1"]["id"]
    path = f"/sales-targets/{rep1}/{_year()}-03"
    manager, top, boss = world.client("manager"), world.client("top"), world.client("boss")
    r = manager.put(path, json={"amount": "150000.00"})
    assert r.status_code == 200, r.json
    assert r.json["owner_id"] == rep1 and r.json["month"] == f"{_year()}-03" and r.json["amount"] == "150000.00"
    assert r.json["set_by"] == world.users["manager"]["id"]
    r = top.put(path, json={"amount": "180000"})  # the manager's manager, one level up
    assert r.status_code == 200 and r.json["amount"] == "180000.00"
    assert world.client("admin").put(f"/sales-targets/{rep1}/{_year()}-04", json={"amount": "90000"}).status_code == 200

    for who in ("boss", "rep1", "rep2", "finance", "warehouse"):  # another team's manager, the rep, others
        assert world.client(who).put(path, json={"amount": "1.00"}).status_code == 403, who
        assert world.client(who).delete(path).status_code == 403, who
    own = world.client("manager").put(f"/sales-targets/{world.users['manager']['id']}/{_year()}-03",
                                      json={"amount": "1.00"})
    assert own.status_code == 403  # not one's own
    assert boss.get("/sales-targets", query_string={"owner_id": rep1}).json["items"] == []

    sets = [e for e in world.events(f"{rep1}:{_year()}-03") if e["event_type"] == "sales.target.set"]
    assert [e["data"]["amount"] for e in sets] == ["150000.00", "180000.00"]


def test_bad_targets_are_refused_and_nothing_is_written(world):
    rep1 = world.users["rep1"]["id"]
    admin = world.client("admin")
    before = len(world.events())
    for month, body, field in [(f"{_year()}-13", {"amount": "1"}, "month"), ("2031-1", {"amount": "1"}, "month"),
                               (f"{_year()}-05", {"amount": "0"}, "amount"),
                               (f"{_year()}-05", {"amount": "-3"}, "amount"),
                               (f"{_year()}-05", {"amount": "abc"}, "amount"), (f"{_year()}-05", {}, "amount")]:
        r = admin.put(f"/sales-targets/{rep1}/{month}", json=body)
        assert r.status_code == 422, (month, body, r.json)
        assert field in r.json["error"]["details"], r.json
    for who in ("finance", "admin"):  # nobody who sells
        r = admin.put(f"/sales-targets/{world.users[who]['id']}/{_year()}-05", json={"amount": "1"})
        assert r.status_code == 422 and "owner_id" in r.json["error"]["details"]
    r = admin.put(f"/sales-targets/{uuid.uuid4()}/{_year()}-05", json={"amount": "1"})
    assert r.status_code == 422 and "owner_id" in r.json["error"]["details"]
    assert admin.put(f"/sales-targets/not-a-user/{_year()}-05", json={"amount": "1"}).status_code == 404
    assert len(world.events()) == before


def test_who_reads_targets_and_removing_one(world):
    rep1, rep2 = world.users["rep1"]["id"], world.users["rep2"]["id"]
    admin = world.client("admin")
    for owner, month in ((rep1, "2032-01"), (rep1, "2032-02"), (rep2, "2032-01")):
        assert admin.put(f"/sales-targets/{owner}/{month}", json={"amount": "1000"}).status_code == 200

    def owners(who, **query):
        items = world.client(who).get("/sales-targets", query_string={"year": "2032", **query}).json["items"]
        return sorted((i["owner_id"], i["month"]) for i in items)

    assert owners("rep1") == [(rep1, "2032-01"), (rep1, "2032-02")]
    assert owners("rep2") == [(rep2, "2032-01")]
    assert owners("manager") == [(rep1, "2032-01"), (rep1, "2032-02")]  # the team only
    assert owners("finance") == owners("admin") == sorted([(rep1, "2032-01"), (rep1, "2032-02"), (rep2, "2032-01")])
    assert owners("admin", month="2032-02") == [(rep1, "2032-02")]
    assert owners("admin", owner_id=rep2) == [(rep2, "2032-01")]
    assert world.client("admin").get("/sales-targets", query_string={"month": "2032-14"}).status_code == 422
    assert world.client("admin").get("/sales-targets", query_string={"year": "20x"}).status_code == 422

    assert world.client("manager").delete(f"/sales-targets/{rep1}/2032-02").status_code == 204
    assert world.client("manager").delete(f"/sales-targets/{rep1}/2032-02").status_code == 404
    assert owners("rep1") == [(rep1, "2032-01")]
    removed = [e for e in world.events(f"{rep1}:2032-02") if e["event_type"] == "sales.target.removed"]
    assert len(removed) == 1 and removed[0]["data"]["set_by"] == world.users["manager"]["id"]
