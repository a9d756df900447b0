"""Opportunities: create, stage probabilities, final stages, pipeline, forecast, and the
opportunity of a converted lead."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

pytestmark = pytest.mark.integration


def create(world, who="rep2", **body):
    payload = {"customer_id": world.customers[who], "name": "华东 年度采购", "amount": "1000.00",
               "stage": "qualification", **body}
    return world.client(who).post("/opportunities", json=payload)


def test_create_read_and_update_with_stage_probability(world):
    r = create(world, who="rep1", expected_close_date="2027-03-31", competitors=["友商A"], next_step="拜访")
    assert r.status_code == 201, r.json
    opp = r.json
    assert opp["probability"] == 20 and opp["weighted_amount"] == "200.00"
    assert opp["owner_id"] == world.users["rep1"]["id"] and opp["competitors"] == ["友商A"]
    p = world.client("rep1").patch(f"/opportunities/{opp['id']}", json={"stage": "negotiation", "next_step": "报价"})
    assert p.status_code == 200
    assert (p.json["stage"], p.json["probability"], p.json["next_step"]) == ("negotiation", 80, "报价")
    lost = world.client("rep1").patch(f"/opportunities/{opp['id']}", json={"stage": "lost", "lost_reason": "价格"})
    assert lost.json["probability"] == 0 and lost.json["lost_reason"] == "价格"
    reopen = world.client("rep1").patch(f"/opportunities/{opp['id']}", json={"stage": "proposal"})
    assert reopen.status_code == 409 and reopen.json["error"]["code"] == "opportunity_closed"
    types = world.event_types(opp["id"])
    assert types == ["sales.opportunity.created", "sales.opportunity.updated", "sales.opportunity.updated"]


@pytest.mark.parametrize("body,field", [
    ({"stage": "dreaming"}, "stage"), ({"amount": "-5"}, "amount"), ({"amount": None}, "amount"),
    ({"name": ""}, "name"), ({"expected_close_date": "31/03/2027"}, "expected_close_date"),
])
def test_bad_opportunity_is_422(world, body, field):
    r = create(world, **body)
    assert r.status_code == 422 and field in r.json["error"]["details"]


def test_pipeline_counts_amounts_and_weights_per_stage_for_an_owner(world):
    owner = world.users["rep2"]["id"]
    before = {s["stage"]: s for s in world.client("rep2").get("/opportunities/pipeline",
                                                               query_string={"owner_id": owner}).json["items"]}
    create(world, amount="1000.00", stage="proposal")
    create(world, amount="500.50", stage="proposal")
    create(world, amount="300.00", stage="won")
    r = world.client("rep2").get("/opportunities/pipeline", query_string={"owner_id": owner})
    assert r.status_code == 200
    stages = {s["stage"]: s for s in r.json["items"]}
    assert list(stages) == ["prospecting", "qualification", "proposal", "negotiation", "won", "lost"]
    proposal = stages["proposal"]
    assert proposal["count"] - before["proposal"]["count"] == 2
    from decimal import Decimal
    assert Decimal(proposal["amount"]) - Decimal(before["proposal"]["amount"]) == Decimal("1500.50")
    assert Decimal(proposal["weighted_amount"]) - Decimal(before["proposal"]["weighted_amount"]) == Decimal("750.25")
    assert Decimal(stages["won"]["weighted_amount"]) - Decimal(before["won"]["weighted_amount"]) == Decimal("300.00")
    # another rep's pipeline does not include rep2's opportunities
    other = world.client("rep1").get("/opportunities/pipeline", query_string={"owner_id": owner}).json
    assert all(s["count"] == 0 for s in other["items"])


def test_forecast_by_month(world):
    year = datetime.now(UTC).year + 2
    create(world, amount="100.00", stage="proposal", expected_close_date=f"{year}-01-15")
    create(world, amount="200.00", stage="negotiation", expected_close_date=f"{year}-01-31")
    create(world, amount="999.00", stage="lost", expected_close_date=f"{year}-01-20")
    create(world, amount="400.00", stage="won", expected_close_date=f"{year}-03-01")
    r = world.client("rep2").get("/opportunities/forecast", query_string={"from": f"{year}-01-01",
                                                                          "to": f"{year}-03-31"})
    assert r.status_code == 200, r.json
    assert r.json["items"] == [
        {"month": f"{year}-01", "count": 2, "amount": "300.00", "weighted_amount": "210.00"},
        {"month": f"{year}-02", "count": 0, "amount": "0.00", "weighted_amount": "0.00"},
        {"month": f"{year}-03", "count": 1, "amount": "400.00", "weighted_amount": "400.00"},
    ]
    bad = world.client("rep2").get("/opportunities/forecast", query_string={"from": "2027-01-01", "to": "2031-01-01"})
    assert bad.status_code == 422


def test_list_filters(world):
    opp = create(world, stage="prospecting").json
    items = world.client("rep2").get("/opportunities", query_string={
        "customer_id": world.customers["rep2"], "stage": "prospecting", "per_page": 200}).json["items"]
    assert opp["id"] in [o["id"] for o in items] and all(o["stage"] == "prospecting" for o in items)
    assert world.client("rep2").get("/opportunities", query_string={"stage": "x"}).status_code == 422


def test_converted_lead_creates_the_opportunity_with_its_id_once(world):
    opp_id = str(uuid.uuid4())
    data = {"lead_id": str(uuid.uuid4()), "customer_id": world.customers["rep1"],
            "contact_id": str(uuid.uuid4()), "owner_id": world.users["rep1"]["id"], "name": "李四",
            "opportunity": {"id": opp_id, "name": "精工 首单", "amount": "80000.00",
                            "expected_close_date": "2027-01-31"}}
    env = world.feed("customer.lead.converted", data, aggregate_type="lead", aggregate_id=data["lead_id"])
    world.feed("customer.lead.converted", data, aggregate_type="lead", aggregate_id=data["lead_id"],
               event_id=env.event_id)
    world.feed("customer.lead.converted", data, aggregate_type="lead", aggregate_id=data["lead_id"])
    got = world.client("rep1").get(f"/opportunities/{opp_id}")
    assert got.status_code == 200
    assert (got.json["name"], got.json["amount"], got.json["lead_id"]) == ("精工 首单", "80000.00", data["lead_id"])
    assert world.event_types(opp_id) == ["sales.opportunity.created"]
    no_opp = {**data, "lead_id": str(uuid.uuid4()), "opportunity": None}
    world.feed("customer.lead.converted", no_opp, aggregate_type="lead", aggregate_id=no_opp["lead_id"])


def test_forecast_range_limits(world):
    rep2 = world.client("rep2")
    assert rep2.get("/opportunities/forecast", query_string={"from": "9999-12-01"}).status_code == 422
    assert rep2.get("/opportunities/forecast", query_string={"from": "2027-05-01", "to": "2027-01-01"}).status_code == 422
    assert rep2.get("/opportunities/forecast", query_string={"from": "x"}).status_code == 422
    assert len(rep2.get("/opportunities/forecast").json["items"]) == 6


# ---- owner_id: only an active user the caller may assign to ---------------------------

def _won_count(world, who: str) -> int:
    pipeline = world.client("admin").get("/opportunities/pipeline",
                                         query_string={"owner_id": world.users[who]["id"]}).json["items"]
    return {s["stage"]: s for s in pipeline}["won"]["count"]


def test_a_rep_cannot_plant_a_won_deal_in_another_reps_funnel(world):
    """The attack: rep1 names rep2 (another team) as owner of a "won" opportunity, or an id
    that names no user. 403 / 422 naming owner_id; nothing is written."""
    before_events = len(world.events())
    before_won = _won_count(world, "rep2")
    r = create(world, who="rep1", stage="won", owner_id=world.users["rep2"]["id"])
    assert r.status_code == 403, r.json
    assert r.json["error"]["details"] == {"owner_id": ["not a user you may assign to"]}
    r = create(world, who="rep1", stage="won", owner_id=str(uuid.uuid4()))
    assert r.status_code == 422 and r.json["error"]["details"]["owner_id"] == ["unknown or inactive user"]
    # even the rep's own manager is not theirs to assign to
    assert create(world, who="rep1", owner_id=world.users["manager"]["id"]).status_code == 403
    assert _won_count(world, "rep2") == before_won
    assert len(world.events()) == before_events
    # naming oneself is fine
    r = create(world, who="rep1", owner_id=world.users["rep1"]["id"])
    assert r.status_code == 201 and r.json["owner_id"] == world.users["rep1"]["id"]


def test_managers_assign_within_their_team_admin_anyone_inactive_never(world):
    from shared.testing.clients import new_user, seed_users

    rep1_customer = {"customer_id": world.customers["rep1"], "name": "分配测试", "amount": "10.00",
                     "stage": "prospecting"}
    for approver in ("manager", "top"):  # top is above manager, so above rep1 transitively
        r = world.client(approver).post("/opportunities", json={**rep1_customer, "owner_id": world.users["rep1"]["id"]})
        assert r.status_code == 201 and r.json["owner_id"] == world.users["rep1"]["id"], r.json
    r = world.client("manager").post("/opportunities", json={**rep1_customer, "owner_id": world.users["rep2"]["id"]})
    assert r.status_code == 403
    r = world.client("admin").post("/opportunities", json={**rep1_customer, "owner_id": world.users["rep2"]["id"]})
    assert r.status_code == 201 and r.json["owner_id"] == world.users["rep2"]["id"]
    r = world.client("admin").post("/opportunities", json={**rep1_customer, "owner_id": world.users["finance"]["id"]})
    assert r.status_code == 422 and "owner_id" in r.json["error"]["details"]
    gone = new_user("sales", manager_id=world.users["manager"]["id"])
    gone["active"] = False
    seed_users(world.engine, gone)
    for caller in ("manager", "admin"):
        r = world.client(caller).post("/opportunities", json={**rep1_customer, "owner_id": gone["id"]})
        assert r.status_code == 422 and r.json["error"]["details"]["owner_id"] == ["unknown or inactive user"]
