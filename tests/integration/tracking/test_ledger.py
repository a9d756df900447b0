"""The per-customer ledger (rm_customer_ledger) the receivables reports read stays exactly
what the detail rows (rm_invoices, rm_payments, rm_customers) say, whatever the order of
arrival, with redeliveries, voids, owner changes and invoices moved between customers; and
the receivables reports read from it equal the same figures summed from the detail rows."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
import sqlalchemy as sa

from services.tracking import ledger
from services.tracking.handlers import handler_table
from shared.consumer import run_handlers_directly
from shared.outbox import Outbox
from shared.testing.clients import new_user
from tests.integration.tracking.events import (
    Seq,
    customer_event,
    envelope,
    payload,
    uid,
    user_event,
)

pytestmark = pytest.mark.integration

LEDGER = "SELECT customer_id, owner_id, region, invoiced, paid, negative_invoices FROM rm_customer_ledger"


def ledger_rows(conn) -> list[tuple]:
    return sorted(tuple(str(v) for v in r) for r in conn.execute(sa.text(LEDGER)))


def from_details(engine) -> list[tuple]:
    """The ledger recomputed from the detail rows alone (then thrown away)."""
    with engine.connect() as conn, conn.begin() as tx:
        ledger.refresh_all(conn)
        rows = ledger_rows(conn)
        tx.rollback()
    return rows


def random_history(rng: random.Random):
    """Users, customers changing owner, invoices issued / voided / moved, payments: each
    aggregate's events in seq order (the producers'), the whole history shuffled later."""
    seq = Seq()
    m = new_user("manager")
    reps = [new_user("sales", manager_id=m["id"]) for _ in range(3)]
    admin = new_user("admin")
    users = [user_event(u, seq) for u in (m, *reps, admin)]
    customers = [uid() for _ in range(6)]
    events = []
    for i, cid in enumerate(customers):
        for n in range(rng.randint(1, 3)):  # created, then reassigned
            kind = "customer.customer.created" if n == 0 else "customer.customer.updated"
            events.append(customer_event(kind, cid, rng.choice(reps)["id"], seq, f"2026-11-0{n + 1}T10:00:00+00:00",
                                         name=f"客户{i}", created="2026-10-01T00:00:00+00:00"))

    def bill(event_type, agg, agg_id, cid, **data):
        return envelope(event_type, payload(event_type, **data), aggregate_type=agg, aggregate_id=agg_id,
                        seq=seq.next(agg + agg_id), at="2026-11-05T10:00:00+00:00", customer_id=cid,
                        actor_id=admin["id"])

    for n in range(25):
        iid, cid = uid(), rng.choice(customers + [uid()])  # now and then a customer never heard of
        amount = f"{rng.randint(1, 90000) / 100:.2f}"
        base = {"id": iid, "number": f"FP-{n}", "order_id": uid(), "customer_id": cid, "amount": amount}
        events.append(bill("billing.invoice.issued", "invoice", iid, cid, **base))
        if rng.random() < 0.3:  # voided
            events.append(bill("billing.invoice.voided", "invoice", iid, cid, **base, status="void",
                               void_reason="开错"))
        elif rng.random() < 0.2:  # re-issued on another customer
            other = rng.choice(customers)
            events.append(bill("billing.invoice.issued", "invoice", iid, other, **{**base, "customer_id": other}))
    for _ in range(20):
        pid, cid = uid(), rng.choice(customers)
        amount = f"{rng.randint(1, 50000) / 100:.2f}"
        events.append(bill("billing.payment.received", "payment", pid, cid, id=pid, customer_id=cid, order_id=None,
                           amount=amount, currency="CNY", rate_to_cny="1.000000", amount_cny=amount,
                           received_at="2026-11-06T10:00:00+00:00"))
    return users, events, {"admin": admin, "manager": m, "reps": reps}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ledger_equals_the_details_after_shuffled_redelivered_events(engine, seed, as_user):
    rng = random.Random(seed)
    users, events, people = random_history(rng)
    deliveries = events + rng.sample(events, len(events) // 3)  # redeliveries
    rng.shuffle(deliveries)  # out of order
    table, outbox = handler_table(), Outbox("tracking", "cn-east")
    run_handlers_directly(engine, table, outbox, users)
    for i in range(0, len(deliveries), 4):  # a few per transaction, as a consumer's batches
        run_handlers_directly(engine, table, outbox, deliveries[i:i + 4])
    with engine.connect() as conn:
        live = ledger_rows(conn)
    assert live, "nothing reached the ledger"
    assert live == from_details(engine)

    # the receivables per owner from the ledger = the same sums over the detail rows
    expected: dict[str, dict[str, Decimal]] = {}
    with engine.connect() as conn:
        for owner, inv, paid in conn.execute(sa.text(
                "SELECT c.owner_id, (SELECT sum(amount) FROM rm_invoices i WHERE i.customer_id = c.customer_id "
                "AND i.status <> 'void'), (SELECT sum(amount_cny) FROM rm_payments p "
                "WHERE p.customer_id = c.customer_id) FROM rm_customers c")):
            if inv is None and paid is None:
                continue
            row = expected.setdefault(owner, {"invoiced": Decimal(0), "paid": Decimal(0), "customers": 0})
            row["invoiced"] += inv or 0
            row["paid"] += paid or 0
            row["customers"] += 1
    got = as_user(people["admin"]).get("/reports/receivables-by-owner").get_json()["items"]
    assert {i["owner_id"]: (Decimal(i["invoiced"]), Decimal(i["paid"]), i["customers"]) for i in got} == {
        o: (r["invoiced"], r["paid"], r["customers"]) for o, r in expected.items()}
    # a rep sees their own customers' row only
    rep = people["reps"][0]
    mine = as_user(rep).get("/reports/receivables-by-owner").get_json()["items"]
    assert {i["owner_id"] for i in mine} <= {rep["id"]}
    ageing = as_user(rep).get("/reports/receivables-ageing").get_json()["items"]
    assert {i["owner_id"] for i in ageing} <= {rep["id"]}
