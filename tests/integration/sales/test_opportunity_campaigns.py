"""Opportunities name a marketing campaign (issue 16): campaign_id, checked against sales'
copy fed by customer.campaign.* (newest by sequence), rides on the opportunity's events (the
customer service computes the campaign's return from them), a list filter; a converted
lead's opportunity carries the lead's campaign."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from shared.events import customer as customer_events

pytestmark = pytest.mark.integration


def campaign(world, name: str = "工博会", status: str = "planned", seq: int | None = None,
             campaign_id: str | None = None) -> str:
    cid = campaign_id or str(uuid.uuid4())
    world.feed(f"customer.campaign.{'created' if status == 'planned' else 'updated'}",
               {**customer_events._CAMPAIGN_SAMPLE, "id": cid, "name": name, "status": status},
               aggregate_type="campaign", seq=seq)
    return cid


def test_an_opportunity_names_a_campaign_and_the_event_carries_it(world):
    cid = campaign(world)
    r = world.client("rep1").post("/opportunities", json={
        "customer_id": world.customers["rep1"], "name": "展会订单", "amount": "5000.00", "stage": "proposal",
        "campaign_id": cid})
    assert r.status_code == 201 and r.json["campaign_id"] == cid, r.json
    assert world.events(r.json["id"])[-1]["data"]["campaign_id"] == cid
    listed = world.client("rep1").get("/opportunities", query_string={"campaign_id": cid}).json
    assert [o["id"] for o in listed["items"]] == [r.json["id"]]
    cleared = world.client("rep1").patch(f"/opportunities/{r.json['id']}", json={"campaign_id": None})
    assert cleared.status_code == 200 and cleared.json["campaign_id"] is None
    assert world.events(r.json["id"])[-1]["data"]["campaign_id"] is None


def test_an_unknown_campaign_is_422(world, monkeypatch):
    monkeypatch.setenv("CRM_COPY_WAIT_S", "0.3")
    r = world.client("rep1").post("/opportunities", json={
        "customer_id": world.customers["rep1"], "name": "x", "amount": "1.00", "stage": "proposal",
        "campaign_id": str(uuid.uuid4())})
    assert r.status_code == 422 and "campaign_id" in r.json["error"]["details"]
    opp = world.client("rep1").post("/opportunities", json={
        "customer_id": world.customers["rep1"], "name": "x", "amount": "1.00", "stage": "proposal"}).json
    r = world.client("rep1").patch(f"/opportunities/{opp['id']}", json={"campaign_id": str(uuid.uuid4())})
    assert r.status_code == 422 and "campaign_id" in r.json["error"]["details"]


def test_the_copy_keeps_the_newest_snapshot(world):
    cid = str(uuid.uuid4())
    campaign(world, "新名", status="active", seq=2, campaign_id=cid)
    campaign(world, "旧名", status="planned", seq=1, campaign_id=cid)
    with world.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT name, status FROM campaigns WHERE id = :i"), {"i": cid}).one()
    assert tuple(row) == ("新名", "active")


def test_a_converted_leads_opportunity_carries_its_campaign(world):
    cid = campaign(world)
    opp_id = str(uuid.uuid4())
    world.feed("customer.lead.converted", {
        "lead_id": str(uuid.uuid4()), "customer_id": world.customers["rep1"], "contact_id": str(uuid.uuid4()),
        "owner_id": world.users["rep1"]["id"], "name": "展会来访",
        "opportunity": {"id": opp_id, "name": "首单", "amount": "800.00", "expected_close_date": None,
                        "campaign_id": cid}}, aggregate_type="lead")
    assert world.client("rep1").get(f"/opportunities/{opp_id}").json["campaign_id"] == cid
