"""Opportunity source, budget and stage history against real PostgreSQL (issue 16): the fields
on create and PATCH (and in the events), one history line per stage change with who and when
(none for other changes), a converted lead's opportunity with its first line by the converter,
and the history only for those who see the opportunity."""

from __future__ import annotations

import uuid

import pytest

from services.sales.handlers import handler_table
from shared.consumer import run_handlers_directly
from shared.envelope import Envelope
from shared.events import validate
from shared.outbox import Outbox

pytestmark = pytest.mark.integration


def test_source_budget_and_every_stage_change_with_who_and_when(world):
    rep, manager = world.client("rep1"), world.client("manager")
    r = rep.post("/opportunities", json={"customer_id": world.customers["rep1"], "name": "华东 二期", "amount": "80000.00",
                                         "stage": "prospecting", "source": "展会", "budget": "120000.00"})
    assert r.status_code == 201, r.json
    opp = r.json
    assert (opp["source"], opp["budget"]) == ("展会", "120000.00")
    created = [e for e in world.events(opp["id"]) if e["event_type"] == "sales.opportunity.created"][0]
    assert (created["data"]["source"], created["data"]["budget"]) == ("展会", "120000.00")
    validate("sales.opportunity.created", created["data"])

    path = f"/opportunities/{opp['id']}"
    assert rep.patch(path, json={"stage": "qualification"}).status_code == 200
    assert rep.patch(path, json={"next_step": "约技术交流", "budget": "150000.00"}).json["budget"] == "150000.00"
    assert manager.patch(path, json={"stage": "qualification"}).status_code == 200  # same stage: no line
    assert manager.patch(path, json={"stage": "proposal", "source": None}).json["source"] is None
    assert rep.patch(path, json={"stage": "lost", "lost_reason": "预算砍了"}).status_code == 200

    hist = rep.get(f"{path}/stage-history").json
    lines = [(x["from_stage"], x["to_stage"], x["changed_by"]) for x in hist["items"]]
    me, boss = world.users["rep1"]["id"], world.users["manager"]["id"]
    assert lines == [(None, "prospecting", me), ("prospecting", "qualification", me),
                     ("qualification", "proposal", boss), ("proposal", "lost", me)]
    assert hist["total"] == 4 and hist["items"][1]["days_in_from_stage"] == 0
    assert all(x["changed_at"].endswith("+00:00") for x in hist["items"])
    assert hist["items"][0]["days_in_from_stage"] is None

    # whoever does not see the opportunity does not see its history
    assert world.client("rep2").get(f"{path}/stage-history").status_code == 404
    assert world.client("admin").get(f"{path}/stage-history").status_code == 200
    assert rep.get(f"/opportunities/{uuid.uuid4()}/stage-history").status_code == 404
    assert rep.get("/opportunities/not-an-id/stage-history").status_code in (404, 422)


@pytest.mark.parametrize("body,field", [({"budget": "-1.00"}, "budget"), ({"budget": "abc"}, "budget"),
                                        ({"source": "x" * 101}, "source")])
def test_bad_source_or_budget_is_422(world, body, field):
    r = world.client("rep2").post("/opportunities", json={"customer_id": world.customers["rep2"], "name": "x",
                                                          "amount": "1.00", "stage": "prospecting", **body})
    assert r.status_code == 422 and field in r.json["error"]["details"]


def test_a_converted_leads_opportunity_starts_its_history_with_the_converter(world):
    lead_id, opp_id = str(uuid.uuid4()), str(uuid.uuid4())
    data = {"lead_id": lead_id, "customer_id": world.customers["rep2"], "contact_id": str(uuid.uuid4()),
            "owner_id": world.users["rep2"]["id"], "name": "李四",
            "opportunity": {"id": opp_id, "name": "首单", "amount": "100.00", "expected_close_date": None}}
    env = Envelope(event_type="customer.lead.converted", aggregate_type="lead", aggregate_id=lead_id, aggregate_seq=1,
                   data=data, producer="customer", region="cn-east", actor_id=world.users["manager"]["id"])
    run_handlers_directly(world.engine, handler_table(), Outbox("sales", "cn-east"), [env])
    hist = world.client("rep2").get(f"/opportunities/{opp_id}/stage-history").json["items"]
    assert [(x["from_stage"], x["to_stage"], x["changed_by"]) for x in hist] == [
        (None, "qualification", world.users["manager"]["id"])]
