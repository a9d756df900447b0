"""GET /reports/losses-by-competitor (issue 16): per competitor, the lost opportunities it
won and their amount, from customer.competitor.* and sales.opportunity.* alone; a rep sees
their own, a manager the team's, admin and finance all."""

from __future__ import annotations

import pytest

from shared.testing.clients import new_user
from tests.integration.tracking.events import Seq, envelope, payload, uid, user_event

pytestmark = pytest.mark.integration

AT = "2026-11-10T09:00:00+00:00"


@pytest.fixture
def world(apply):
    seq = Seq()
    m, m2 = new_user("manager"), new_user("manager")
    users = {"A": new_user("admin"), "M": m, "M2": m2, "R1": new_user("sales", manager_id=m["id"]),
             "R2": new_user("sales", manager_id=m2["id"]), "F": new_user("finance"), "W": new_user("warehouse")}
    events = [user_event(u, seq) for u in users.values()]
    x, y = uid(), uid()
    for cid, name in ((x, "恒力机电"), (y, "精工科技")):
        data = payload("customer.competitor.created", id=cid, name=name)
        events.append(envelope("customer.competitor.created", data, aggregate_type="competitor", aggregate_id=cid,
                               seq=seq.next(cid), at=AT, actor_id=users["A"]["id"]))
    renamed = payload("customer.competitor.updated", id=y, name="精工科技集团")
    events.append(envelope("customer.competitor.updated", renamed, aggregate_type="competitor", aggregate_id=y,
                           seq=seq.next(y), at=AT))

    def opp(owner: str, amount: str, stage: str, lost_to: str | None = None) -> None:
        oid, cust = uid(), uid()
        base = payload("sales.opportunity.created", id=oid, customer_id=cust, owner_id=users[owner]["id"],
                       amount=amount, stage="proposal", probability=50, created_at=AT)
        events.append(envelope("sales.opportunity.created", base, aggregate_type="opportunity", aggregate_id=oid,
                               seq=seq.next(oid), at=AT, customer_id=cust))
        closed = {**base, "stage": stage, "probability": 0,
                  "competitor_ids": [lost_to] if lost_to else [], "lost_to_competitor_id": lost_to}
        events.append(envelope("sales.opportunity.updated", closed, aggregate_type="opportunity", aggregate_id=oid,
                               seq=seq.next(oid), at=AT, customer_id=cust))

    opp("R1", "1000.00", "lost", x)
    opp("R1", "500.50", "lost", x)
    opp("R1", "300.00", "lost", y)
    opp("R1", "700.00", "lost")  # lost, no competitor named: not in this report
    opp("R2", "2000.00", "lost", x)
    opp("R2", "900.00", "won")
    apply(events)
    return users, x, y


def _rows(client, **query):
    r = client.get("/reports/losses-by-competitor", query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_losses_per_competitor_for_admin_most_lost_first(world, as_user):
    users, x, y = world
    body = _rows(as_user(users["A"]))
    assert body["items"] == [
        {"competitor_id": x, "name": "恒力机电", "lost": 3, "amount": "3500.50"},
        {"competitor_id": y, "name": "精工科技集团", "lost": 1, "amount": "300.00"},
    ]
    assert body["total"] == 2


@pytest.mark.parametrize("who,expected", [
    ("R1", {"x": (2, "1500.50"), "y": (1, "300.00")}),
    ("M", {"x": (2, "1500.50"), "y": (1, "300.00")}),
    ("R2", {"x": (1, "2000.00")}),
    ("M2", {"x": (1, "2000.00")}),
    ("F", {"x": (3, "3500.50"), "y": (1, "300.00")}),
    ("W", {}),
])
def test_each_role_counts_only_the_opportunities_it_sees(world, as_user, who, expected):
    users, x, y = world
    names = {x: "x", y: "y"}
    got = {names[i["competitor_id"]]: (i["lost"], i["amount"]) for i in _rows(as_user(users[who]))["items"]}
    assert got == expected


def test_owner_filter_paging_and_file(world, as_user):
    users, x, _y = world
    admin = as_user(users["A"])
    only_r2 = _rows(admin, owner_id=users["R2"]["id"])["items"]
    assert [(i["competitor_id"], i["lost"]) for i in only_r2] == [(x, 1)]
    page2 = _rows(admin, per_page=1, page=2)
    assert page2["total"] == 2 and len(page2["items"]) == 1 and page2["items"][0]["name"] == "精工科技集团"
    csv = admin.get("/reports/losses-by-competitor", query_string={"format": "csv"})
    assert csv.status_code == 200 and "恒力机电" in csv.get_data(as_text=True)
    assert admin.get("/reports/losses-by-competitor", query_string={"from": "x"}).status_code == 422
