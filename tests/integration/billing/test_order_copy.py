"""The order copy from sales.order.* events: idempotent, newest snapshot wins, and the
whole loop through a real broker (consumer in, relay out)."""

from __future__ import annotations

import json
import uuid

import pika
import pytest
import sqlalchemy as sa

from services.billing.bootstrap import root
from services.billing.handlers import handler_table
from shared.envelope import Envelope
from shared.testing.fixtures import eventually
from shared.topology import connect, declare_consumer_queue

pytestmark = pytest.mark.integration


def order_row(billing, oid):
    with billing.engine.connect() as conn:
        return conn.execute(sa.text("SELECT * FROM orders WHERE id = :o"), {"o": oid}).first()


def test_redelivered_and_stale_order_events_change_nothing(billing, finance):
    rep = billing.user("sales")
    cid = billing.customer(rep)
    oid = str(uuid.uuid4())
    created = billing.order_envelope(cid, rep.user["id"], "100.00", order_id=oid, status="pending",
                                     event_type="sales.order.created", seq=1)
    confirmed = billing.order_envelope(cid, rep.user["id"], "100.00", order_id=oid, status="confirmed",
                                       event_type="sales.order.confirmed", seq=3)
    billing.feed(created, confirmed)
    assert order_row(billing, oid).status == "confirmed"
    stale = billing.order_envelope(cid, rep.user["id"], "100.00", order_id=oid, status="pending",
                                   event_type="sales.order.placed", seq=2)
    billing.feed(stale, confirmed, created)          # late and redelivered
    row = order_row(billing, oid)
    assert (row.status, str(row.gross)) == ("confirmed", "100.00")
    finance.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "40.00", "method": "cash"})
    # a redelivered event must not wipe billing's own sums
    billing.feed(confirmed)
    assert str(order_row(billing, oid).paid) == "40.00"


def test_a_changed_gross_republishes_the_balance(billing, finance):
    rep = billing.user("sales")
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "100.00")
    finance.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "100.00", "method": "cash"})
    assert billing.last_balance(oid)["payment_status"] == "paid"
    billing.feed(billing.order_envelope(cid, rep.user["id"], "150.00", order_id=oid,
                                        event_type="sales.order.payment_updated"))
    balance = billing.last_balance(oid)
    assert (balance["gross"], balance["payment_status"]) == ("150.00", "partially_paid")
    cause = billing.events("billing.order_balance.changed", oid)[-1]
    assert cause["causation_id"] is not None  # a reaction to the sales event


def test_through_the_broker_order_in_balance_out(billing, finance, run_in_thread):
    suffix = uuid.uuid4().hex[:8]
    settings = billing.settings.with_(exchange=f"crm.events.{suffix}", dead_letter_exchange=f"crm.dlx.{suffix}")
    queue = f"billing.events.{suffix}"
    conn = connect(settings.rabbitmq_url)
    try:
        ch = conn.channel()
        declare_consumer_queue(ch, settings, queue, handler_table().patterns)
        tap = f"tap.{suffix}"
        ch.queue_declare(tap, exclusive=True)
        ch.queue_bind(tap, settings.exchange, routing_key="billing.#")
        rep = billing.user("sales")
        cid = billing.customer(rep)
        env = billing.order_envelope(cid, rep.user["id"], "500.00")
        props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
        consumer = run_in_thread(root.consumer(settings, queue=queue))
        for _ in range(2):  # the second is a redelivery of the same event
            ch.basic_publish(settings.exchange, env.routing_key, env.to_json(), props)
        eventually(lambda: consumer.processed >= 2, timeout=15)
        assert order_row(billing, env.aggregate_id).status == "confirmed"
        assert billing.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=env.event_id) == 1

        run_in_thread(root.relay(settings))
        paid = finance.post("/payments", json={"customer_id": cid, "order_id": env.aggregate_id,
                                               "amount": "500.00", "method": "bank_transfer"})
        assert paid.status_code == 201

        def balance_published():
            while True:
                method, _props, body = ch.basic_get(tap, auto_ack=True)
                if method is None:
                    return None
                msg = json.loads(body)
                if msg["event_type"] == "billing.order_balance.changed" and msg["aggregate_id"] == env.aggregate_id:
                    assert method.routing_key == "billing.order_balance.changed.v1"
                    return msg

        msg = eventually(balance_published, timeout=15)
        assert msg["customer_id"] == cid and msg["data"]["payment_status"] == "paid"
        assert msg["actor_id"] == finance.user["id"]
    finally:
        conn.close()


def test_an_order_event_without_a_snapshot_is_ignored(billing):
    oid = str(uuid.uuid4())
    odd = Envelope(event_type="sales.order.noted", aggregate_type="order", aggregate_id=oid,
                   data={"id": oid, "note": "x"}, producer="sales", region="cn-east", aggregate_seq=1)
    billing.feed(odd)
    assert order_row(billing, oid) is None


def test_openapi_document_lists_billing_paths(billing):
    doc = billing.app.test_client().get("/openapi.json").json
    assert {"/invoices", "/payments", "/prepayments/allocate", "/receivables/ageing", "/expenses/summary"} <= set(
        doc["paths"])
    assert "requestBody" in doc["paths"]["/payments"]["post"]
