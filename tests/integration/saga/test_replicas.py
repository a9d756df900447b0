"""The order service scaled on its own (issue 19.1): three sales consumers and two
inventory consumers compete on their queues while orders are placed, a quarter of them for
the last units of one product. Every order settles exactly once (one confirmed or rejected
event each, one reservation each), nothing is oversold, the ledger adds up to the stock
levels, and every consumer took part. CRM_REPLICA_ORDERS sets the number of orders (200)."""

from __future__ import annotations

import os
import random
import uuid

import pytest
from prometheus_client import REGISTRY

from shared.testing.fixtures import eventually
from tests.integration.saga.conftest import running_saga

pytestmark = pytest.mark.integration

ORDERS = int(os.environ.get("CRM_REPLICA_ORDERS", "200"))


@pytest.fixture(scope="module")
def replicas(service_settings):
    consumers: dict[str, list] = {}
    for saga in running_saga(service_settings, sales_consumers=3, inventory_consumers=2, workers_out=consumers):
        yield saga, consumers


def _scalar_rows(engine, sql: str, params: dict | None = None) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql, params or {}).all()]


def test_replicas_settle_every_order_once_without_overselling(replicas):
    saga, consumers = replicas
    assert len(consumers["sales"]) == 3 and len(consumers["inventory"]) == 2
    scarce_orders = ORDERS // 4
    last_units = scarce_orders // 3  # a third of the competing orders can have one
    plenty = saga.product("联轴器", "20.00", stock=ORDERS * 3)
    scarce = saga.product("变频器", "800.00", stock=last_units)
    rng = random.Random(19)
    kinds = ["scarce"] * scarce_orders + ["plenty"] * (ORDERS - scarce_orders)
    rng.shuffle(kinds)
    placed: dict[str, tuple[str, int]] = {}
    for kind in kinds:
        pid, qty = (scarce, 1) if kind == "scarce" else (plenty, rng.randint(1, 3))
        r = saga.sales.post("/orders", json={"customer_id": saga.customer_id,
                                             "lines": [{"product_id": pid, "quantity": qty}]},
                            headers={"X-Request-ID": f"replicas-{uuid.uuid4()}"})
        assert r.status_code == 201, r.json
        placed[r.json["id"]] = (kind, qty)

    ids = list(placed)

    def settled():
        rows = _scalar_rows(saga.sales_engine, "SELECT id, status FROM orders WHERE id = ANY(%(ids)s)", {"ids": ids})
        statuses = dict(rows)
        return statuses if all(statuses.get(i) in ("confirmed", "rejected") for i in ids) else None

    statuses = eventually(settled, timeout=max(120, ORDERS * 0.5), interval=0.5)

    # the competing quarter: exactly the last units were sold, the rest rejected; no other order was refused
    scarce_ids = [i for i, (kind, _) in placed.items() if kind == "scarce"]
    assert sum(statuses[i] == "confirmed" for i in scarce_ids) == last_units
    assert all(statuses[i] == "confirmed" for i, (kind, _) in placed.items() if kind == "plenty")

    # no oversell, and the levels are what the confirmed orders reserved
    assert saga.stock(scarce)["on_hand"] == last_units and saga.stock(scarce)["reserved"] == last_units
    plenty_reserved = sum(qty for i, (kind, qty) in placed.items() if kind == "plenty")
    assert saga.stock(plenty)["reserved"] == plenty_reserved

    # exactly once: one outcome event per order from sales, one reservation answer per order from inventory
    outcome_counts = _scalar_rows(
        saga.sales_engine,
        "SELECT payload->>'aggregate_id', count(*) FROM outbox WHERE payload->>'event_type' IN "
        "('sales.order.confirmed', 'sales.order.rejected') AND payload->>'aggregate_id' = ANY(%(ids)s) GROUP BY 1",
        {"ids": ids})
    assert len(outcome_counts) == ORDERS and {n for _, n in outcome_counts} == {1}
    answers = _scalar_rows(
        saga.inventory_engine,
        "SELECT payload->'data'->>'order_id', count(*) FROM outbox WHERE payload->>'event_type' IN "
        "('inventory.stock.reserved', 'inventory.stock.reservation_failed') "
        "AND payload->'data'->>'order_id' = ANY(%(ids)s) GROUP BY 1", {"ids": ids})
    assert len(answers) == ORDERS and {n for _, n in answers} == {1}
    reservations = _scalar_rows(saga.inventory_engine,
                                "SELECT count(*) FROM reservations WHERE order_id = ANY(%(ids)s)", {"ids": ids})
    assert reservations == [(ORDERS,)]

    # the ledger adds up to the levels of both products
    for pid in (plenty, scarce):
        ledger = _scalar_rows(
            saga.inventory_engine,
            "SELECT coalesce(sum(l.on_hand_delta), 0), coalesce(sum(l.reserved_delta), 0), s.on_hand, s.reserved "
            "FROM stock s LEFT JOIN stock_ledger l ON l.product_id = s.product_id AND l.warehouse_id = s.warehouse_id "
            "WHERE s.product_id = %(p)s GROUP BY s.on_hand, s.reserved", {"p": pid})
        assert len(ledger) == 1 and ledger[0][0] == ledger[0][2] and ledger[0][1] == ledger[0][3], ledger

    # the sales relay reports no order left waiting for inventory's answer
    def nothing_pending():
        labels = {"service": "sales", "work": "orders_pending_reservation"}
        return REGISTRY.get_sample_value("crm_work_pending", labels) == 0

    eventually(nothing_pending, timeout=20)

    # they competed: every consumer applied some of the work
    for service, workers in consumers.items():
        assert all(w.processed > 0 for w in workers), (service, [w.processed for w in workers])
