"""A rep's hand-over in the sales service (issue 16): customer.handover.completed moves the
rep's open opportunities (not won or lost, not anyone else's) to the colleague, one
sales.opportunity.updated each, and answers sales.handover.opportunities_moved; the colleague
then sees them; a redelivery moves nothing twice."""

from __future__ import annotations

import uuid

import pytest

from shared.events import validate

pytestmark = pytest.mark.integration


def _opp(world, who, stage, customer=None):
    r = world.client(who).post("/opportunities", json={
        "customer_id": customer or world.customers[who], "name": f"交接 {stage}", "amount": "500.00",
        "stage": "qualification"})
    assert r.status_code == 201, r.json
    opp = r.json
    if stage in ("won", "lost", "proposal"):
        body = {"stage": stage, **({"lost_reason": "价格"} if stage == "lost" else {})}
        assert world.client(who).patch(f"/opportunities/{opp['id']}", json=body).status_code == 200
    return opp


def test_the_open_opportunities_move_to_the_colleague(world):
    rep, mate = world.users["rep1"], world.users["manager"]
    open_one, later, won, lost = (_opp(world, "rep1", s) for s in ("qualification", "proposal", "won", "lost"))
    theirs = _opp(world, "rep2", "qualification")
    handover_id = str(uuid.uuid4())
    data = {"id": handover_id, "from_user_id": rep["id"], "to_user_id": mate["id"], "from_name": "甲",
            "to_name": "乙", "customers": 1, "leads": 0, "tasks": 0}
    validate("customer.handover.completed", data)
    event = world.feed("customer.handover.completed", data, aggregate_type="handover", aggregate_id=handover_id)

    owners = {o["id"]: world.client("admin").get(f"/opportunities/{o['id']}").json["owner_id"]
              for o in (open_one, later, won, lost, theirs)}
    assert owners == {open_one["id"]: mate["id"], later["id"]: mate["id"], won["id"]: rep["id"],
                      lost["id"]: rep["id"], theirs["id"]: world.users["rep2"]["id"]}
    for o in (open_one, later):
        last = world.events(o["id"])[-1]
        assert last["event_type"] == "sales.opportunity.updated" and last["data"]["owner_id"] == mate["id"]
        assert last["causation_id"] == event.event_id
    [answer] = [e for e in world.events(handover_id) if e["event_type"] == "sales.handover.opportunities_moved"]
    assert answer["data"] == {"handover_id": handover_id, "from_user_id": rep["id"], "to_user_id": mate["id"],
                              "opportunities": 2}
    validate("sales.handover.opportunities_moved", answer["data"])
    # the same event again (redelivered under a new id): nothing left to move
    world.feed("customer.handover.completed", data, aggregate_type="handover", aggregate_id=handover_id)
    assert world.event_types(open_one["id"]).count("sales.opportunity.updated") == 1
