"""Assignment grants in tracking: an assignee (of any role) sees the whole timeline of the
customer and its events in the audit, with the grant itself on the timeline in both
languages; the revocation takes it away."""

from __future__ import annotations

import pytest

from tests.integration.tracking import scenario
from tests.integration.tracking.events import envelope, payload, uid

pytestmark = pytest.mark.integration


@pytest.fixture
def world(apply):
    s = scenario.build()
    apply(s.events)
    return s


def grant(world, user: dict, *, record_id: str, seq: int, users: list[str], revoked: bool = False):
    event_type = f"customer.assignment.{'revoked' if revoked else 'granted'}"
    data = payload(event_type, record_id=record_id, customer_id=world.ids["C1"], user_id=user["id"],
                   user_name=user["full_name"], users=users, label="到货包装破损")
    return envelope(event_type, data, aggregate_type="assignment", aggregate_id=record_id, seq=seq,
                    at="2026-11-20T08:00:00+00:00", customer_id=world.ids["C1"], actor_id=world.users["R1"]["id"])


def timeline(as_user, user, customer_id):
    return as_user(user).get("/timeline", query_string={"customer_id": customer_id, "per_page": 200})


def test_the_assignee_sees_the_whole_timeline_until_revoked(world, apply, as_user):
    r2, w = world.users["R2"], world.users["W"]
    c1 = world.ids["C1"]
    assert timeline(as_user, r2, c1).status_code == 404
    only_inventory = timeline(as_user, w, c1).get_json()["items"]
    assert {i["service"] for i in only_inventory} == {"inventory"}

    rec_r2, rec_w = uid(), uid()
    apply([grant(world, r2, record_id=rec_r2, seq=1, users=[r2["id"]]),
           grant(world, w, record_id=rec_w, seq=1, users=[w["id"]])])
    for user in (r2, w):
        r = timeline(as_user, user, c1)
        assert r.status_code == 200
        items = r.get_json()["items"]
        assert {i["service"] for i in items} >= {"customer", "sales", "inventory", "billing"}
    entry = next(i for i in timeline(as_user, r2, c1).get_json()["items"]
                 if i["type"] == "customer.assignment.granted" and i["data"]["user_id"] == r2["id"])
    assert entry["summary_en"].startswith("张三 assigned complaint 到货包装破损 to ")
    assert entry["summary_zh"] == f"张三 将「到货包装破损」分派给 {r2['full_name']}，其可查看该客户"
    audit = as_user(r2).get("/audit", query_string={"per_page": 200}).get_json()["items"]
    assert any(i["customer_id"] == c1 for i in audit)
    # not the customers nobody assigned them
    assert timeline(as_user, r2, world.ids["C3"]).status_code == 404

    apply([grant(world, r2, record_id=rec_r2, seq=2, users=[], revoked=True)])
    assert timeline(as_user, r2, c1).status_code == 404
    audit = as_user(r2).get("/audit", query_string={"per_page": 200}).get_json()["items"]
    assert not any(i["customer_id"] == c1 for i in audit)
    revoked = next(i for i in timeline(as_user, world.users["R1"], c1).get_json()["items"]
                   if i["type"] == "customer.assignment.revoked")
    assert "收回" in revoked["summary_zh"]
    # the warehouse assignee keeps theirs
    assert {i["service"] for i in timeline(as_user, w, c1).get_json()["items"]} > {"inventory"}
