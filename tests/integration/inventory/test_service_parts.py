"""Spare parts for service orders (issue 15.1): customer.service_order.part_requested takes the
quantity off the warehouse's stock with a ledger row naming the service order, or refuses it
(stock never below zero); a redelivered request takes nothing twice."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from shared.envelope import Envelope

pytestmark = pytest.mark.integration


def part_requested(product_id: str, warehouse_id: str, quantity: int, *, order_id: str | None = None,
                   number: str = "SV-2026-000123") -> Envelope:
    order_id = order_id or str(uuid.uuid4())
    customer_id = str(uuid.uuid4())
    data = {"id": str(uuid.uuid4()), "service_order_id": order_id, "number": number, "customer_id": customer_id,
            "assignee_id": str(uuid.uuid4()), "product_id": product_id, "sku": "BRG-6204", "product_name": "轴承",
            "warehouse_id": warehouse_id, "quantity": quantity}
    return Envelope(event_type="customer.service_order.part_requested", aggregate_type="service_order",
                    aggregate_id=order_id, data=data, producer="customer", region="cn-east", customer_id=customer_id,
                    actor_id=str(uuid.uuid4()), correlation_id=str(uuid.uuid4()))


def ledger(engine, product_id: str) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT kind, on_hand_delta, reserved_delta, ref_type, ref_id, note, actor_id "
                                    "FROM stock_ledger WHERE product_id = :p ORDER BY id"), {"p": product_id}).all()


def test_a_part_is_taken_from_stock_with_a_ledger_row_naming_the_order(world, engine):
    pid, wid = world.product(), world.warehouse()
    world.receive(wid, {pid: 5})
    env = part_requested(pid, wid, 3)
    world.run(env)
    assert world.level(pid, wid) == (2, 0, 2)
    last = ledger(engine, pid)[-1]
    assert (last.kind, last.on_hand_delta, last.reserved_delta) == ("service_part", -3, 0)
    assert (last.ref_type, last.ref_id, last.actor_id) == ("service_order", env.data["service_order_id"], env.actor_id)
    assert "SV-2026-000123" in last.note and "服务单" in last.note
    [issued] = world.events("inventory.service_part.issued", id=env.data["id"])
    assert issued["data"]["available"] == 2 and issued["customer_id"] == env.customer_id
    assert issued["causation_id"] == env.event_id and issued["actor_id"] == env.actor_id
    changed = world.events("inventory.stock.changed", product_id=pid)
    assert changed[-1]["data"]["available"] == 2 and changed[-1]["data"]["service_part_ids"] == [env.data["id"]]
    # the same event again (a redelivery): nothing more is taken
    world.run(env)
    assert world.level(pid, wid) == (2, 0, 2) and len(world.events("inventory.service_part.issued", id=env.data["id"])) == 1


def test_a_part_not_in_stock_is_refused_and_stock_never_goes_below_zero(world, engine):
    pid, wid = world.product(), world.warehouse()
    world.receive(wid, {pid: 2})
    env = part_requested(pid, wid, 3)
    world.run(env)
    assert world.level(pid, wid) == (2, 0, 2)
    [refused] = world.events("inventory.service_part.refused", id=env.data["id"])
    assert refused["data"]["available"] == 2 and refused["data"]["reason"].startswith("库存不足")
    assert [r.kind for r in ledger(engine, pid)] == ["receipt"]
    # reserved stock is not available to a service order either
    pid2, wid2 = world.product(), world.warehouse()
    world.receive(wid2, {pid2: 4})
    from tests.integration.inventory.conftest import order_event

    world.run(order_event("sales.order.placed", {pid2: 3}, warehouse_id=wid2))
    world.run(part_requested(pid2, wid2, 2))
    assert world.level(pid2, wid2) == (4, 3, 1)
    many = [part_requested(pid2, wid2, 1) for _ in range(3)]
    world.run(*many)
    assert world.level(pid2, wid2) == (3, 3, 0)
    assert len([e for e in many if world.events("inventory.service_part.issued", id=e.data["id"])]) == 1


def test_an_unknown_or_inactive_warehouse_refuses(world, admin):
    pid, wid = world.product(), world.warehouse()
    world.receive(wid, {pid: 5})
    assert admin.patch(f"/warehouses/{wid}", json={"active": False}).status_code == 200
    env = part_requested(pid, wid, 1)
    world.run(env)
    assert world.level(pid, wid) == (5, 0, 5)
    [refused] = world.events("inventory.service_part.refused", id=env.data["id"])
    assert "仓库" in refused["data"]["reason"]
    env = part_requested(pid, str(uuid.uuid4()), 1)
    world.run(env)
    assert world.events("inventory.service_part.refused", id=env.data["id"])[0]["data"]["available"] == 0


def test_the_shared_sample_is_accepted(world):
    """Contract: the customer service's sample (a product not stocked here) is refused, not dead-lettered."""
    from shared.events import spec

    sample = dict(spec("customer.service_order.part_requested").sample)
    env = Envelope(event_type="customer.service_order.part_requested", aggregate_type="service_order",
                   aggregate_id=sample["service_order_id"], data={**sample, "id": str(uuid.uuid4())},
                   producer="customer", region="cn-east")
    world.run(env)
    assert world.events("inventory.service_part.refused", id=env.data["id"])
