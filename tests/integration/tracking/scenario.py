"""A hand-computed scenario across all five producers (figures in the tests):

users   admin A; manager M over rep R1; manager M2 over rep R2; finance F; warehouse W
custs   C1 (R1, created 2026-10-05), C2 (R2, 2026-11-02), C3 (R1, 2026-09-10, lost 2026-11-15)
prods   P1 cost 60.00, P2 cost 30.00, P3 no cost price
orders  O1 C1/R1 2026-11-03 confirmed: P1 x3 net 270 gross 305.10 + P2 x2 net 100 gross 113.00
           -> net 370.00, gross 418.10; billing balance paid 200.00
        O2 C2/R2 2026-11-04 shipped: P1 x1 net 100 gross 113.00; paid 113.00
        O3 C1/R1 2026-11-05 cancelled: P2 x5 (not counted)
        O4 C1/R1 2026-11-06 rejected for stock: P1 x50 (not counted; notifies R1)
        O5 C3/R1 2026-10-20 closed: P3 x1 net 50.00 gross 56.50
billing invoices C1 418.10; C2 113.00 and a voided 50.00. payments C1 28.17 USD = ¥200.00;
        C2 ¥113.00 on O2 and a ¥30.00 prepayment. expenses: 50.00 approved on C1 (by R1),
        999.00 rejected on C1, 20.00 paid on order O2 (by R2)
funnel  leads L1 (R1, converted), L2 (R2); opportunities OP1 R1 qualification->won,
        OP2 R2 proposal, OP3 R1 lost
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.envelope import Envelope
from shared.testing.clients import new_user
from tests.integration.tracking.events import (
    Seq,
    customer_event,
    envelope,
    line,
    order_event,
    payload,
    uid,
    user_event,
)


@dataclass
class Scenario:
    users: dict[str, dict] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    events: list[Envelope] = field(default_factory=list)


def build() -> Scenario:
    s = Scenario()
    seq = Seq()
    a = new_user("admin")
    m = new_user("manager")
    m2 = new_user("manager")
    r1 = new_user("sales", manager_id=m["id"])
    r1["full_name"] = "张三"
    r2 = new_user("sales", manager_id=m2["id"])
    f = new_user("finance")
    w = new_user("warehouse")
    s.users = {"A": a, "M": m, "M2": m2, "R1": r1, "R2": r2, "F": f, "W": w}
    ev = s.events
    ev += [user_event(u, seq) for u in s.users.values()]
    c1, c2, c3 = uid(), uid(), uid()
    p1, p2, p3 = uid(), uid(), uid()
    s.ids.update(C1=c1, C2=c2, C3=c3, P1=p1, P2=p2, P3=p3)
    ev.append(customer_event("customer.customer.created", c3, r1["id"], seq, "2026-09-10T09:00:00+00:00",
                             name="苏州三号客户", created="2026-09-10T09:00:00+00:00"))
    ev.append(customer_event("customer.customer.created", c1, r1["id"], seq, "2026-10-05T09:00:00+00:00",
                             name="上海一号客户", created="2026-10-05T09:00:00+00:00"))
    ev.append(customer_event("customer.customer.created", c2, r2["id"], seq, "2026-11-02T09:00:00+00:00",
                             name="杭州二号客户", created="2026-11-02T09:00:00+00:00"))
    for pid, sku, cost in ((p1, "P1", "60.00"), (p2, "P2", "30.00"), (p3, "P3", None)):
        data = payload("inventory.product.created", id=pid, sku=sku, name=f"产品{sku}", cost_price=cost)
        ev.append(envelope("inventory.product.created", data, aggregate_type="product", aggregate_id=pid,
                           seq=seq.next(pid), at="2026-09-01T00:00:00+00:00", actor_id=a["id"]))

    def order(oid, number, cid, owner, created, lines, net, tax, gross):
        return {"id": oid, "number": number, "customer_id": cid, "owner_id": owner, "lines": lines, "net": net,
                "tax": tax, "gross": gross, "created_at": created, "status": "pending", "reason": None,
                "payment_status": "unpaid", "paid_amount": "0.00", "invoiced_amount": "0.00"}

    o1, o2, o3, o4, o5 = uid(), uid(), uid(), uid(), uid()
    s.ids.update(O1=o1, O2=o2, O3=o3, O4=o4, O5=o5)
    O1 = order(o1, "SO-1", c1, r1["id"], "2026-11-03T10:00:00+00:00",
               [line(p1, 3, "100.00", "270.00", "35.10", "305.10"), line(p2, 2, "50.00", "100.00", "13.00", "113.00")],
               "370.00", "48.10", "418.10")
    ev.append(order_event("sales.order.created", O1, seq, "2026-11-03T10:00:00+00:00"))
    ev.append(order_event("sales.order.placed", O1, seq, "2026-11-03T10:00:01+00:00"))
    reserved = payload("inventory.stock.reserved", order_id=o1, lines=[{"product_id": p1, "quantity": 3}])
    ev.append(envelope("inventory.stock.reserved", reserved, aggregate_type="reservation", aggregate_id=o1,
                       seq=seq.next("res" + o1), at="2026-11-03T10:00:02+00:00", actor_id=r1["id"]))
    ev.append(order_event("sales.order.confirmed", O1, seq, "2026-11-03T10:00:03+00:00", status="confirmed"))
    O2 = order(o2, "SO-2", c2, r2["id"], "2026-11-04T10:00:00+00:00",
               [line(p1, 1, "100.00", "100.00", "13.00", "113.00")], "100.00", "13.00", "113.00")
    ev.append(order_event("sales.order.created", O2, seq, "2026-11-04T10:00:00+00:00"))
    ev.append(order_event("sales.order.confirmed", O2, seq, "2026-11-04T10:00:03+00:00", status="confirmed"))
    shipped = payload("inventory.shipment.dispatched", id=uid(), order_id=o2, customer_id=c2,
                      lines=[{"product_id": p1, "quantity": 1}])
    ev.append(envelope("inventory.shipment.dispatched", shipped, aggregate_type="shipment",
                       aggregate_id=shipped["id"], seq=1, at="2026-11-05T08:00:00+00:00", actor_id=s.users["W"]["id"]))
    ev.append(order_event("sales.order.shipping_updated", O2, seq, "2026-11-05T08:00:01+00:00", status="shipped"))
    O3 = order(o3, "SO-3", c1, r1["id"], "2026-11-05T10:00:00+00:00",
               [line(p2, 5, "50.00", "250.00", "32.50", "282.50")], "250.00", "32.50", "282.50")
    ev.append(order_event("sales.order.created", O3, seq, "2026-11-05T10:00:00+00:00"))
    ev.append(order_event("sales.order.confirmed", O3, seq, "2026-11-05T10:00:01+00:00", status="confirmed"))
    ev.append(order_event("sales.order.cancelled", O3, seq, "2026-11-05T11:00:00+00:00", status="cancelled"))
    O4 = order(o4, "SO-4", c1, r1["id"], "2026-11-06T10:00:00+00:00",
               [line(p1, 50, "100.00", "5000.00", "650.00", "5650.00")], "5000.00", "650.00", "5650.00")
    ev.append(order_event("sales.order.created", O4, seq, "2026-11-06T10:00:00+00:00"))
    ev.append(order_event("sales.order.rejected", O4, seq, "2026-11-06T10:00:02+00:00", status="rejected",
                          reason="库存不足"))
    O5 = order(o5, "SO-5", c3, r1["id"], "2026-10-20T10:00:00+00:00",
               [line(p3, 1, "50.00", "50.00", "6.50", "56.50")], "50.00", "6.50", "56.50")
    ev.append(order_event("sales.order.created", O5, seq, "2026-10-20T10:00:00+00:00"))
    ev.append(order_event("sales.order.closed", O5, seq, "2026-10-25T10:00:00+00:00", status="closed"))

    # billing
    def bill(event_type, agg_type, agg_id, at, cid, actor, **data):
        return envelope(event_type, payload(event_type, **data), aggregate_type=agg_type, aggregate_id=agg_id,
                        seq=seq.next(agg_type + agg_id), at=at, customer_id=cid, actor_id=actor)

    fid = f["id"]
    i1, i2, i3 = uid(), uid(), uid()
    ev.append(bill("billing.invoice.issued", "invoice", i1, "2026-11-07T09:00:00+00:00", c1, fid, id=i1,
                   number="FP-1", order_id=o1, customer_id=c1, amount="418.10"))
    ev.append(bill("billing.invoice.issued", "invoice", i2, "2026-11-07T09:01:00+00:00", c2, fid, id=i2,
                   number="FP-2", order_id=o2, customer_id=c2, amount="113.00"))
    ev.append(bill("billing.invoice.issued", "invoice", i3, "2026-11-07T09:02:00+00:00", c2, fid, id=i3,
                   number="FP-3", order_id=o2, customer_id=c2, amount="50.00"))
    ev.append(bill("billing.invoice.voided", "invoice", i3, "2026-11-07T09:03:00+00:00", c2, fid, id=i3,
                   number="FP-3", order_id=o2, customer_id=c2, amount="50.00", status="void", void_reason="开错"))
    pay1, pay2, pay3 = uid(), uid(), uid()
    ev.append(bill("billing.payment.received", "payment", pay1, "2026-11-08T09:00:00+00:00", c1, fid, id=pay1,
                   customer_id=c1, order_id=o1, amount="28.17", currency="USD", rate_to_cny="7.100000",
                   amount_cny="200.00", received_at="2026-11-08T09:00:00+00:00"))
    ev.append(bill("billing.order_balance.changed", "order_balance", o1, "2026-11-08T09:00:01+00:00", c1, fid,
                   order_id=o1, customer_id=c1, gross="418.10", invoiced_amount="418.10", paid_amount="200.00",
                   payment_status="partially_paid"))
    ev.append(bill("billing.payment.received", "payment", pay2, "2026-11-08T10:00:00+00:00", c2, fid, id=pay2,
                   customer_id=c2, order_id=o2, amount="113.00", currency="CNY", rate_to_cny="1.000000",
                   amount_cny="113.00", received_at="2026-11-08T10:00:00+00:00"))
    ev.append(bill("billing.order_balance.changed", "order_balance", o2, "2026-11-08T10:00:01+00:00", c2, fid,
                   order_id=o2, customer_id=c2, gross="113.00", invoiced_amount="113.00", paid_amount="113.00",
                   payment_status="paid"))
    ev.append(bill("billing.payment.received", "payment", pay3, "2026-11-08T11:00:00+00:00", c2, fid, id=pay3,
                   customer_id=c2, order_id=None, amount="30.00", currency="CNY", rate_to_cny="1.000000",
                   amount_cny="30.00", received_at="2026-11-08T11:00:00+00:00"))
    e1, e2, e3 = uid(), uid(), uid()
    s.ids.update(E1=e1, E2=e2, E3=e3)
    base = {"category": "差旅", "description": "拜访", "decided_by": None}
    ev.append(bill("billing.expense.submitted", "expense", e1, "2026-11-09T09:00:00+00:00", c1, r1["id"], id=e1,
                   submitter_id=r1["id"], amount="50.00", customer_id=c1, order_id=None, status="submitted", **base))
    ev.append(bill("billing.expense.approved", "expense", e1, "2026-11-09T10:00:00+00:00", c1, m["id"], id=e1,
                   submitter_id=r1["id"], amount="50.00", customer_id=c1, order_id=None, status="approved",
                   **{**base, "decided_by": m["id"]}))
    ev.append(bill("billing.expense.submitted", "expense", e2, "2026-11-09T11:00:00+00:00", c1, r1["id"], id=e2,
                   submitter_id=r1["id"], amount="999.00", customer_id=c1, order_id=None, status="submitted", **base))
    ev.append(bill("billing.expense.rejected", "expense", e2, "2026-11-09T12:00:00+00:00", c1, m["id"], id=e2,
                   submitter_id=r1["id"], amount="999.00", customer_id=c1, order_id=None, status="rejected",
                   **{**base, "decided_by": m["id"]}))
    ev.append(bill("billing.expense.submitted", "expense", e3, "2026-11-10T09:00:00+00:00", None, r2["id"], id=e3,
                   submitter_id=r2["id"], amount="20.00", customer_id=None, order_id=o2, status="submitted", **base))
    ev.append(bill("billing.expense.paid", "expense", e3, "2026-11-10T12:00:00+00:00", None, fid, id=e3,
                   submitter_id=r2["id"], amount="20.00", customer_id=None, order_id=o2, status="paid",
                   **{**base, "decided_by": m2["id"]}))

    # funnel
    l1, l2 = uid(), uid()
    for lid, owner in ((l1, r1["id"]), (l2, r2["id"])):
        ev.append(envelope("customer.lead.created", payload("customer.lead.created", id=lid, owner_id=owner),
                           aggregate_type="lead", aggregate_id=lid, seq=seq.next(lid),
                           at="2026-10-01T09:00:00+00:00", actor_id=owner))
    conv = payload("customer.lead.converted", lead_id=l1, customer_id=c1, owner_id=r1["id"], opportunity=None)
    ev.append(envelope("customer.lead.converted", conv, aggregate_type="lead", aggregate_id=l1, seq=seq.next(l1),
                       at="2026-10-05T08:59:00+00:00", actor_id=r1["id"], customer_id=c1))
    for oid_, cid, owner, stages in ((uid(), c1, r1["id"], ("qualification", "won")),
                                     (uid(), c2, r2["id"], ("proposal",)), (uid(), c1, r1["id"], ("lost",))):
        for i, stage in enumerate(stages):
            et = "sales.opportunity.created" if i == 0 else "sales.opportunity.updated"
            data = payload(et, id=oid_, customer_id=cid, owner_id=owner, stage=stage, amount="1000.00")
            ev.append(envelope(et, data, aggregate_type="opportunity", aggregate_id=oid_, seq=seq.next(oid_),
                               at=f"2026-10-1{i}T09:00:00+00:00", customer_id=cid, actor_id=owner))
    ev.append(customer_event("customer.customer.lost", c3, r1["id"], seq, "2026-11-15T09:00:00+00:00",
                             name="苏州三号客户", created="2026-09-10T09:00:00+00:00", status="lost",
                             lost_reason="转向竞争对手"))
    return s
