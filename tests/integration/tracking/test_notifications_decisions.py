"""Notifications of decisions about a user's own records: order approved / rejected (the
owner), expense approved / rejected / paid (the submitter), customer transferred / shared to
someone (the new owner / the user shared with); each names the record it opens."""

from __future__ import annotations

import pytest

from tests.integration.tracking import scenario
from tests.integration.tracking.events import Seq, customer_event, line, order_event, uid

pytestmark = pytest.mark.integration


@pytest.fixture
def world(apply):
    s = scenario.build()
    apply(s.events)
    return s


def inbox(client) -> list[dict]:
    return client.get("/notifications").get_json()["items"]


def of_kind(client, kind: str) -> list[dict]:
    return [n for n in inbox(client) if n["kind"] == kind]


def test_order_approved_tells_the_owner_and_opens_the_order(world, apply, as_user):
    u, ids = world.users, world.ids
    seq = Seq()
    oid = uid()
    order = {"id": oid, "number": "SO-77", "customer_id": ids["C1"], "owner_id": u["R1"]["id"],
             "lines": [line(ids["P1"], 1, "10.00", "10.00", "1.30", "11.30")], "net": "10.00", "tax": "1.30", "gross": "11.30", "created_at": "2026-11-20T10:00:00+00:00",
             "status": "pending", "reason": None, "payment_status": "unpaid", "paid_amount": "0.00",
             "invoiced_amount": "0.00"}
    approved = order_event("sales.order.approved", order, seq, "2026-11-20T11:00:00+00:00", actor=u["M"]["id"])
    apply([approved, approved])
    got = of_kind(as_user(u["R1"]), "order_approved")
    assert len(got) == 1
    assert (got[0]["subject_type"], got[0]["subject_id"]) == ("order", oid)
    assert "SO-77" in got[0]["message"] and "SO-77" in got[0]["message_zh"]
    assert of_kind(as_user(u["M"]), "order_approved") == []  # the approver is not told
    # an order a manager rejects from the inbox: the owner hears it (reason in the words)
    rejected = order_event("sales.order.rejected", order, seq, "2026-11-20T12:00:00+00:00", actor=u["M"]["id"],
                           status="rejected", reason="折扣过高")
    apply([rejected])
    rej = [n for n in of_kind(as_user(u["R1"]), "order_rejected") if n["subject_id"] == oid]
    assert len(rej) == 1 and "折扣过高" in rej[0]["message_zh"]


def test_expense_decisions_tell_the_submitter(world, as_user):
    u, ids = world.users, world.ids
    r1 = {n["kind"]: n for n in inbox(as_user(u["R1"]))}
    assert (r1["expense_approved"]["subject_type"], r1["expense_approved"]["subject_id"]) == ("expense", ids["E1"])
    assert r1["expense_rejected"]["subject_id"] == ids["E2"]
    paid = of_kind(as_user(u["R2"]), "expense_paid")
    assert len(paid) == 1 and (paid[0]["subject_type"], paid[0]["subject_id"]) == ("expense", ids["E3"])
    assert "20.00" in paid[0]["message"] and "已支付" in paid[0]["message_zh"]
    assert of_kind(as_user(u["F"]), "expense_paid") == []


def test_transfer_and_share_tell_the_new_owner_and_the_user_shared_with(world, apply, as_user):
    u, ids = world.users, world.ids
    seq = Seq()
    c = ids["C2"]
    for _ in range(5):
        seq.next(c)  # after the scenario's events on C2
    made = "2026-11-02T09:00:00+00:00"
    transferred = customer_event("customer.customer.transferred", c, u["R1"]["id"], seq, "2026-11-21T09:00:00+00:00",
                                 name="杭州二号客户", created=made, actor=u["A"]["id"])
    shared = customer_event("customer.customer.shared", c, u["R1"]["id"], seq, "2026-11-21T10:00:00+00:00",
                            name="杭州二号客户", created=made, actor=u["A"]["id"], shared_with=[u["R2"]["id"]])
    shared_again = customer_event("customer.customer.shared", c, u["R1"]["id"], seq, "2026-11-21T11:00:00+00:00",
                                  name="杭州二号客户", created=made, actor=u["A"]["id"],
                                  shared_with=[u["R2"]["id"], u["M2"]["id"]])
    apply([transferred, shared, shared_again])
    moved = of_kind(as_user(u["R1"]), "customer_transferred")
    assert len(moved) == 1 and (moved[0]["subject_type"], moved[0]["subject_id"]) == ("customer", c)
    assert "杭州二号客户" in moved[0]["message_zh"]
    # R2 was shared with in two events: told once; M2 joined in the second: told once
    assert len(of_kind(as_user(u["R2"]), "customer_shared")) == 1
    assert [n["subject_id"] for n in of_kind(as_user(u["M2"]), "customer_shared")] == [c]
    assert of_kind(as_user(u["A"]), "customer_shared") == []
    # a rep who takes a customer over themselves is not told of their own action
    self_take = customer_event("customer.customer.transferred", c, u["R2"]["id"], seq,
                               "2026-11-21T12:00:00+00:00", name="杭州二号客户", created=made, actor=u["R2"]["id"])
    apply([self_take])
    assert of_kind(as_user(u["R2"]), "customer_transferred") == []

