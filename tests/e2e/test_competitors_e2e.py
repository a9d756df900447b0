"""Competitors through the gateway (issue 16): a rep records a competitor, names it on an
opportunity at once (sales' copy is waited for), marks the opportunity lost to it; the
losses-by-competitor report shows it to the rep, their manager and admin, and another
team only its own losses; another team never reads the opportunity."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def team(admin):
    manager = admin.create_user("manager")
    other_manager = admin.create_user("manager")
    return {"manager": manager, "rep": admin.create_user("sales", manager_id=manager.user["id"]),
            "other": admin.create_user("sales", manager_id=other_manager.user["id"]),
            "other_manager": other_manager, "finance": admin.create_user("finance")}


def _lost_opportunity(rep, competitor_id: str, amount: str) -> dict:
    c = rep.post("/customers", json={"name": f"竞争客户 {uuid.uuid4().hex[:10]}"})
    assert c.status_code == 201, c.text
    o = rep.post("/opportunities", json={"customer_id": c.json()["id"], "name": "年度采购", "amount": amount,
                                         "stage": "negotiation", "competitor_ids": [competitor_id]})
    assert o.status_code == 201, o.text
    assert o.json()["competitor_ids"] == [competitor_id]
    lost = rep.patch(f"/opportunities/{o.json()['id']}", json={"stage": "lost", "lost_reason": "价格高",
                                                               "lost_to_competitor_id": competitor_id})
    assert lost.status_code == 200, lost.text
    assert lost.json()["lost_to_competitor_id"] == competitor_id
    return lost.json()


def test_competitor_to_lost_opportunity_to_report_by_role(admin, team):
    rep, other = team["rep"], team["other"]
    name = f"恒力机电 {uuid.uuid4().hex[:8]}"
    r = rep.post("/competitors", json={"name": name, "strengths": "价格低", "weaknesses": "交期长"})
    assert r.status_code == 201, r.text
    comp = r.json()
    assert team["finance"].get(f"/competitors/{comp['id']}").json()["name"] == name
    assert team["finance"].post("/competitors", json={"name": f"x{name}"}).status_code == 403
    listed = other.get("/competitors", params={"q": name}).json()["items"]
    assert [c["id"] for c in listed] == [comp["id"]]

    mine = _lost_opportunity(rep, comp["id"], "1200.00")
    _lost_opportunity(other, comp["id"], "800.00")
    # another team never reads the rep's opportunity (its competitors and lost reason)
    assert other.get(f"/opportunities/{mine['id']}").status_code == 404
    assert mine["id"] not in {o["id"] for o in other.get("/opportunities", params={"per_page": 100}).json()["items"]}

    def row(client, expected_lost: int):
        def probe():
            resp = client.get("/reports/losses-by-competitor", params={"per_page": 100})
            assert resp.status_code == 200, resp.text
            hits = [i for i in resp.json()["items"] if i["competitor_id"] == comp["id"]]
            return hits[0] if hits and hits[0]["lost"] == expected_lost and hits[0]["name"] else None
        return eventually(probe, timeout=30)

    assert row(admin, 2) == {"competitor_id": comp["id"], "name": name, "lost": 2, "amount": "2000.00"}
    assert (row(rep, 1)["amount"], row(team["manager"], 1)["amount"]) == ("1200.00", "1200.00")
    assert (row(other, 1)["amount"], row(team["other_manager"], 1)["amount"]) == ("800.00", "800.00")


def test_bad_competitor_names_on_opportunities_are_422(team):
    rep = team["rep"]
    c = rep.post("/customers", json={"name": f"竞争客户 {uuid.uuid4().hex[:10]}"}).json()
    comp = rep.post("/competitors", json={"name": f"精工 {uuid.uuid4().hex[:8]}"}).json()
    r = rep.post("/opportunities", json={"customer_id": c["id"], "name": "x", "amount": "1.00",
                                         "stage": "proposal", "lost_to_competitor_id": comp["id"]})
    assert r.status_code == 422 and "lost_to_competitor_id" in r.json()["error"]["details"]
