"""The reservation saga against real PostgreSQL: all or nothing, one warehouse, redelivery,
cancel (also before placed), concurrency for the last units, ledger = levels."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from services.inventory.handlers import handler_table
from shared.consumer import Reactions, mark_processed
from tests.integration.inventory.conftest import order_event

pytestmark = pytest.mark.integration


def test_reserves_every_line_in_the_named_warehouse(world):
    wh = world.warehouse()
    p1, p2 = world.product(), world.product()
    world.receive(wh, {p1: 10, p2: 4})
    placed = order_event("sales.order.placed", {p1: 3, p2: 4}, warehouse_id=wh)
    world.run(placed)
    assert world.level(p1, wh) == (10, 3, 7)
    assert world.level(p2, wh) == (4, 4, 0)
    [reserved] = world.events("inventory.stock.reserved", order_id=placed.data["id"])
    assert reserved["data"]["warehouse_id"] == wh
    assert sorted((x["product_id"], x["quantity"]) for x in reserved["data"]["lines"]) == sorted([(p1, 3), (p2, 4)])
    # the reaction keeps the order's customer, actor and correlation, and names its cause
    assert reserved["customer_id"] == placed.customer_id
    assert reserved["actor_id"] == placed.actor_id
    assert reserved["correlation_id"] == placed.correlation_id
    assert reserved["causation_id"] == placed.event_id
    changed = world.events("inventory.stock.changed", product_id=p1)
    assert changed[-1]["data"]["available"] == 7 and changed[-1]["data"]["total_available"] == 7


def test_all_or_nothing_when_one_line_is_short(world):
    wh = world.warehouse()
    p1, p2 = world.product(), world.product()
    world.receive(wh, {p1: 10, p2: 2})
    placed = order_event("sales.order.placed", {p1: 3, p2: 5}, warehouse_id=wh)
    world.run(placed)
    assert world.level(p1, wh) == (10, 0, 10)
    assert world.level(p2, wh) == (2, 0, 2)
    [failed] = world.events("inventory.stock.reservation_failed", order_id=placed.data["id"])
    assert failed["data"]["short_lines"] == [{"product_id": p2, "requested": 5, "available": 2}]
    assert failed["customer_id"] == placed.customer_id
    assert world.reservation(placed.data["id"]).status == "failed"


def test_lines_of_the_same_product_add_up(world):
    wh = world.warehouse()
    p = world.product()
    world.receive(wh, {p: 5})
    placed = order_event("sales.order.placed", {p: 1}, warehouse_id=wh)
    placed.data["lines"] = placed.data["lines"] * 2 + [{**placed.data["lines"][0], "quantity": 4}]  # 1 + 1 + 4
    world.run(placed)
    assert world.level(p, wh) == (5, 0, 5)
    assert world.events("inventory.stock.reservation_failed", order_id=placed.data["id"])


def test_without_warehouse_picks_one_that_supplies_every_line(world):
    wh_a, wh_b = world.warehouse(), world.warehouse()
    p1, p2 = world.product(), world.product()
    world.receive(wh_a, {p1: 10})            # a has only p1
    world.receive(wh_b, {p1: 2, p2: 5})      # b has both but little p1
    ok = order_event("sales.order.placed", {p1: 2, p2: 1})
    world.run(ok)
    assert world.reservation(ok.data["id"]).warehouse_id == wh_b
    assert world.level(p1, wh_b) == (2, 2, 0) and world.level(p1, wh_a) == (10, 0, 10)
    # p1: 5 only in a, p2 only in b: no single warehouse can do it, although the total could
    split = order_event("sales.order.placed", {p1: 5, p2: 1})
    world.run(split)
    [failed] = world.events("inventory.stock.reservation_failed", order_id=split.data["id"])
    assert failed["data"]["short_lines"]
    assert world.level(p1, wh_a) == (10, 0, 10) and world.level(p2, wh_b) == (5, 1, 4)


def test_unknown_warehouse_fails_the_reservation(world):
    p = world.product()
    placed = order_event("sales.order.placed", {p: 1}, warehouse_id="00000000-0000-4000-8000-000000000000")
    world.run(placed)
    assert world.events("inventory.stock.reservation_failed", order_id=placed.data["id"])


def test_redelivered_and_repeated_placed_events_reserve_once(world):
    wh = world.warehouse()
    p = world.product()
    world.receive(wh, {p: 10})
    placed = order_event("sales.order.placed", {p: 4}, warehouse_id=wh)
    world.run(placed)
    world.run(placed)                                   # the same event again: the inbox drops it
    again = order_event("sales.order.placed", {p: 4}, warehouse_id=wh, order_id=placed.data["id"])
    world.run(again)                                    # a new event for the same order: reserved already
    assert world.level(p, wh) == (10, 4, 6)
    assert len(world.events("inventory.stock.reserved", order_id=placed.data["id"])) == 1


def test_cancel_releases_exactly_what_was_reserved(world):
    wh = world.warehouse()
    p1, p2 = world.product(), world.product()
    world.receive(wh, {p1: 10, p2: 10})
    placed = order_event("sales.order.placed", {p1: 3, p2: 2}, warehouse_id=wh)
    world.run(placed)
    cancel = order_event("sales.order.cancelled", {p1: 3, p2: 2}, warehouse_id=wh, order_id=placed.data["id"],
                         customer_id=placed.customer_id, status="cancelled")
    world.run(cancel, cancel)
    world.run(order_event("sales.order.cancelled", {p1: 3}, order_id=placed.data["id"], status="cancelled"))
    assert world.level(p1, wh) == (10, 0, 10) and world.level(p2, wh) == (10, 0, 10)
    [released] = world.events("inventory.stock.released", order_id=placed.data["id"])
    assert sorted((x["product_id"], x["quantity"]) for x in released["data"]["lines"]) == sorted([(p1, 3), (p2, 2)])
    assert released["customer_id"] == placed.customer_id
    assert world.reservation(placed.data["id"]).status == "released"


def test_cancel_before_placed_never_reserves(world):
    wh = world.warehouse()
    p = world.product()
    world.receive(wh, {p: 10})
    placed = order_event("sales.order.placed", {p: 3}, warehouse_id=wh)
    cancel = order_event("sales.order.cancelled", {p: 3}, warehouse_id=wh, order_id=placed.data["id"],
                         status="cancelled")
    world.run(cancel)
    world.run(placed)
    assert world.level(p, wh) == (10, 0, 10)
    assert world.reservation(placed.data["id"]).status == "cancelled"
    assert not world.events("inventory.stock.reserved", order_id=placed.data["id"])


def test_cancel_of_a_failed_reservation_releases_nothing(world):
    wh = world.warehouse()
    p = world.product()
    world.receive(wh, {p: 1})
    placed = order_event("sales.order.placed", {p: 3}, warehouse_id=wh)
    world.run(placed, order_event("sales.order.rejected", {p: 3}, order_id=placed.data["id"], status="rejected"))
    assert world.level(p, wh) == (1, 0, 1)
    assert not world.events("inventory.stock.released", order_id=placed.data["id"])


def test_low_stock_event_when_availability_crosses_below_safety(world):
    wh = world.warehouse()
    p = world.product(safety_stock=5)
    world.receive(wh, {p: 8})
    world.run(order_event("sales.order.placed", {p: 2}, warehouse_id=wh))   # 6 left: not low
    assert not world.events("inventory.stock.low", product_id=p)
    world.run(order_event("sales.order.placed", {p: 2}, warehouse_id=wh))   # 4 left: crosses
    world.run(order_event("sales.order.placed", {p: 1}, warehouse_id=wh))   # 3 left: already low
    [low] = world.events("inventory.stock.low", product_id=p)
    assert low["data"]["available"] == 4 and low["data"]["safety_stock"] == 5


def _reserve_in_own_transaction(engine, outbox, envelope, barrier, results, index):
    barrier.wait()
    try:
        with engine.begin() as conn:
            for name, fn in handler_table().for_event(envelope.event_type):
                if mark_processed(conn, envelope.event_id, name):
                    fn(conn, envelope, Reactions(outbox, conn, envelope))
        results[index] = "ok"
    except Exception as exc:  # recorded for the assertion
        results[index] = repr(exc)


@pytest.mark.parametrize("named", [True, False])
def test_twenty_concurrent_orders_for_five_units(world, engine, ctx, named):
    wh = world.warehouse()
    p = world.product()
    world.receive(wh, {p: 5})
    orders = [order_event("sales.order.placed", {p: 1}, warehouse_id=wh if named else None) for _ in range(20)]
    barrier = threading.Barrier(len(orders))
    results: list[str | None] = [None] * len(orders)
    threads = [threading.Thread(target=_reserve_in_own_transaction,
                                args=(engine, ctx.outbox, o, barrier, results, i)) for i, o in enumerate(orders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert results == ["ok"] * 20, results
    ids = {o.data["id"] for o in orders}
    reserved = [e for e in world.events("inventory.stock.reserved") if e["data"]["order_id"] in ids]
    failed = [e for e in world.events("inventory.stock.reservation_failed") if e["data"]["order_id"] in ids]
    assert len(reserved) == 5 and len(failed) == 15
    assert world.level(p, wh) == (5, 5, 0)


def test_ledger_sums_equal_levels(world, engine):
    wh = world.warehouse()
    p = world.product()
    world.receive(wh, {p: 9})
    placed = order_event("sales.order.placed", {p: 4}, warehouse_id=wh)
    world.run(placed, order_event("sales.order.cancelled", {p: 4}, order_id=placed.data["id"]))
    world.run(order_event("sales.order.placed", {p: 2}, warehouse_id=wh))
    with engine.connect() as conn:
        mismatched = conn.execute(sa.text(
            "SELECT s.product_id, s.warehouse_id FROM stock s LEFT JOIN ("
            " SELECT product_id, warehouse_id, sum(on_hand_delta) AS oh, sum(reserved_delta) AS r"
            " FROM stock_ledger GROUP BY product_id, warehouse_id) l"
            " ON l.product_id = s.product_id AND l.warehouse_id = s.warehouse_id"
            " WHERE s.on_hand <> COALESCE(l.oh, 0) OR s.reserved <> COALESCE(l.r, 0)")).all()
    assert mismatched == []
    assert world.level(p, wh) == (9, 2, 7)
    from services.inventory.rebuild import differences, total_differences

    with engine.connect() as conn:
        assert differences(conn) == [] and total_differences(conn) == []


def test_rebuild_explains_and_repairs_a_level(world, engine):
    from services.inventory.rebuild import differences, rebuild

    wh = world.warehouse()
    p = world.product()
    world.receive(wh, {p: 6})
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE stock SET on_hand = 99 WHERE product_id = :p"), {"p": p})
        conn.execute(sa.text("UPDATE product_stock SET available = 99 WHERE product_id = :p"), {"p": p})
    with engine.connect() as conn:
        diffs = differences(conn)
    assert [(d["product_id"], d["on_hand"], d["ledger_on_hand"]) for d in diffs] == [(p, 99, 6)]
    with engine.begin() as conn:
        assert rebuild(conn) == 2        # the level and the product total
    assert world.level(p, wh) == (6, 0, 6)
    with engine.connect() as conn:
        assert differences(conn) == []
        assert conn.execute(sa.text("SELECT available FROM product_stock WHERE product_id = :p"),
                            {"p": p}).scalar_one() == 6


@pytest.mark.parametrize("event_type", ["sales.order.placed", "sales.order.cancelled", "sales.order.rejected",
                                        "sales.order.closed"])
def test_handlers_accept_the_shared_samples(world, event_type):
    """Contract: every event inventory consumes, as the producer's sample shapes it."""
    from shared.envelope import Envelope
    from shared.events import spec

    sample = spec(event_type).sample
    oid = str(uuid.uuid4())
    envelope = Envelope(event_type=event_type, aggregate_type="order", aggregate_id=oid,
                        data={**sample, "id": oid}, producer="sales", region="cn-east")
    world.run(envelope)
    row = world.reservation(oid)
    expected = {"sales.order.placed": "failed",          # the sample's product is not stocked here
                "sales.order.cancelled": "cancelled",    # recorded: a later placed reserves nothing
                "sales.order.rejected": "cancelled",
                "sales.order.closed": None}[event_type]  # nothing reserved, nothing recorded
    assert (row.status if row else None) == expected


def test_event_sequences_per_aggregate_are_contiguous(world):
    """Batched outbox writes keep the per-aggregate sequence: 1, 2, 3, ... per product."""
    wh_a, wh_b = world.warehouse(), world.warehouse()
    p = world.product()
    world.receive(wh_a, {p: 5})
    world.receive(wh_b, {p: 5})
    world.run(order_event("sales.order.placed", {p: 2}, warehouse_id=wh_a),
              order_event("sales.order.placed", {p: 1}, warehouse_id=wh_b))
    changed = world.events("inventory.stock.changed", product_id=p)
    assert [e["aggregate_seq"] for e in changed] == list(range(1, len(changed) + 1)) and len(changed) == 4
    assert [e["data"]["total_available"] for e in changed] == [5, 10, 8, 7]
    assert all(e["aggregate_type"] == "stock" and e["aggregate_id"] == p for e in changed)


def test_reservations_racing_requisitions_never_oversell(world, engine, ctx, keeper):
    """Saga reservations and HTTP stock issues for the last units, at the same time: the
    row locks (not only the saga's own lock) keep available at or above zero."""
    wh = world.warehouse()
    p = world.product()
    world.receive(wh, {p: 5})
    orders = [order_event("sales.order.placed", {p: 1}, warehouse_id=wh) for _ in range(8)]
    barrier = threading.Barrier(16)
    results: list[str | None] = [None] * 8
    issued: list[int] = []

    def issue():
        client = type(keeper)(keeper._client.application, keeper.user, keeper._secret)
        barrier.wait()
        r = client.post("/requisitions", json={"warehouse_id": wh, "purpose": "抢料",
                                               "lines": [{"product_id": p, "quantity": 1}]})
        issued.append(r.status_code)

    threads = [threading.Thread(target=_reserve_in_own_transaction, args=(engine, ctx.outbox, o, barrier, results, i))
               for i, o in enumerate(orders)] + [threading.Thread(target=issue) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert results == ["ok"] * 8, results
    assert set(issued) <= {201, 409} and len(issued) == 8, issued
    ids = {o.data["id"] for o in orders}
    reserved = [e for e in world.events("inventory.stock.reserved") if e["data"]["order_id"] in ids]
    on_hand, reserved_units, available = world.level(p, wh)
    assert issued.count(201) + len(reserved) == 5
    assert (on_hand, reserved_units, available) == (5 - issued.count(201), len(reserved), 0)
