"""Opportunities name competitors (issue 16): competitor_ids and, for a lost one,
lost_to_competitor_id, checked against sales' copy fed by customer.competitor.* (waited
for when just recorded); both ride on the opportunity's events for tracking's report."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

pytestmark = pytest.mark.integration


def competitor(world, name: str = "恒力机电") -> str:
    cid = str(uuid.uuid4())
    world.feed("customer.competitor.created", {"id": cid, "name": name, "website": None, "strengths": None,
                                               "weaknesses": None}, aggregate_type="competitor")
    return cid


def create(world, who="rep1", **body):
    payload = {"customer_id": world.customers[who], "name": "年度采购", "amount": "1000.00",
               "stage": "proposal", **body}
    return world.client(who).post("/opportunities", json=payload)


def test_an_opportunity_names_competitors_and_a_lost_one_who_won(world):
    a, b = competitor(world, "恒力"), competitor(world, "精工")
    r = create(world, competitor_ids=[a, a])
    assert r.status_code == 201, r.json
    opp = r.json
    assert opp["competitor_ids"] == [a] and opp["lost_to_competitor_id"] is None
    lost = world.client("rep1").patch(f"/opportunities/{opp['id']}",
                                      json={"stage": "lost", "lost_to_competitor_id": b, "lost_reason": "价格"})
    assert lost.status_code == 200, lost.json
    assert lost.json["competitor_ids"] == [a, b] and lost.json["lost_to_competitor_id"] == b
    last = world.events(opp["id"])[-1]
    assert last["event_type"] == "sales.opportunity.updated"
    assert last["data"]["lost_to_competitor_id"] == b and last["data"]["competitor_ids"] == [a, b]
    assert world.client("rep1").get(f"/opportunities/{opp['id']}").json["lost_to_competitor_id"] == b


def test_created_lost_to_a_competitor(world):
    a = competitor(world)
    r = create(world, stage="lost", lost_to_competitor_id=a)
    assert r.status_code == 201 and r.json["competitor_ids"] == [a] and r.json["lost_to_competitor_id"] == a


def test_only_a_lost_opportunity_names_who_won(world):
    a = competitor(world)
    r = create(world, lost_to_competitor_id=a)
    assert r.status_code == 422 and "lost_to_competitor_id" in r.json["error"]["details"]
    opp = create(world).json
    r = world.client("rep1").patch(f"/opportunities/{opp['id']}", json={"lost_to_competitor_id": a})
    assert r.status_code == 422 and "lost_to_competitor_id" in r.json["error"]["details"]


def test_unknown_competitors_are_422_after_the_bound(world, monkeypatch):
    monkeypatch.setenv("CRM_COPY_WAIT_S", "0.5")
    a = competitor(world)
    r = create(world, competitor_ids=[a, str(uuid.uuid4())])
    assert r.status_code == 422 and "competitor_ids" in r.json["error"]["details"]
    r = create(world, stage="lost", lost_to_competitor_id=str(uuid.uuid4()))
    assert r.status_code == 422 and "lost_to_competitor_id" in r.json["error"]["details"]
    r = create(world, competitor_ids=["not-a-uuid"])
    assert r.status_code == 422 and "competitor_ids" in r.json["error"]["details"]


def test_a_competitor_just_recorded_is_waited_for(world, monkeypatch):
    """Read-your-writes: its copy arrives while the request waits (shared.copies)."""
    monkeypatch.setenv("CRM_COPY_WAIT_S", "5")
    cid = str(uuid.uuid4())
    result = {}

    def call():
        result["r"] = create(world, competitor_ids=[cid])

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.4)
    world.feed("customer.competitor.created", {"id": cid, "name": "新对手", "website": None, "strengths": None,
                                               "weaknesses": None}, aggregate_type="competitor", aggregate_id=cid)
    t.join(10)
    assert result["r"].status_code == 201 and result["r"].json["competitor_ids"] == [cid]


def test_the_copy_keeps_the_newest_name(world):
    import sqlalchemy as sa
    cid = str(uuid.uuid4())
    base = {"id": cid, "website": None, "strengths": None, "weaknesses": None}
    world.feed("customer.competitor.updated", {**base, "name": "新名"}, aggregate_type="competitor", seq=2)
    world.feed("customer.competitor.created", {**base, "name": "旧名"}, aggregate_type="competitor", seq=1)
    with world.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM competitors WHERE id = :i"), {"i": cid}).scalar() == "新名"


def test_another_team_never_sees_the_competitor_notes(world):
    """rep2 (another team) reads none of rep1's opportunity: not by id, not in the list or a
    search, and the events carry competitor ids only, never the free-text notes."""
    a = competitor(world, "恒力")
    opp = create(world, name="保密商机", competitors=["恒力报价低 15%"], competitor_ids=[a]).json
    other = world.client("rep2")
    assert other.get(f"/opportunities/{opp['id']}").status_code == 404
    assert other.patch(f"/opportunities/{opp['id']}", json={"competitors": []}).status_code == 404
    listed = other.get("/opportunities", query_string={"q": "保密商机", "per_page": 100}).json["items"]
    assert opp["id"] not in {o["id"] for o in listed}
    for event in world.events(opp["id"]):
        assert "competitors" not in event["data"] and event["data"]["competitor_ids"] == [a]
    assert world.client("manager").get(f"/opportunities/{opp['id']}").json["competitors"] == ["恒力报价低 15%"]
