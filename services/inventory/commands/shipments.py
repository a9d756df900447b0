"""Shipping command: part or all of an order's reserved goods leave the warehouse (never
more than reserved and not yet shipped)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.inventory.commands import in_transaction
from services.inventory.domain.stock import merge_lines, over_shipment, shipment_movements
from services.inventory.models import reservation_lines, reservations, shipments
from services.inventory.stock_store import move_stock
from shared.errors import Conflict, NotFound
from shared.identity import Principal
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext


def ship(ctx: ServiceContext, events: EventContext, p: Principal, order_id: str, warehouse_id: str,
         lines: list[dict[str, Any]], carrier: str | None, tracking_number: str | None) -> Row:
    """Ship part or all of an order's reservation: consumes reserved, lowers on hand;
    inventory.shipment.dispatched."""
    return in_transaction(ctx, events, lambda conn, emit: _ship(
        conn, emit, order_id, warehouse_id, lines, carrier, tracking_number, p.user_id))


def _ship(conn: Connection, emit: Emitter, order_id: str, warehouse_id: str, lines: list[dict[str, Any]],
          carrier: str | None, tracking_number: str | None, actor_id: str) -> Row:
    res = conn.execute(sa.select(reservations).where(reservations.c.order_id == order_id).with_for_update()).first()
    if res is None or res.status in ("reserving", "cancelled"):
        raise NotFound("no reserved stock for this order")
    if res.status != "reserved":
        raise Conflict(f"nothing to ship: the order's reservation is {res.status}", code="not_reserved",
                       details={"status": res.status})
    if res.warehouse_id != warehouse_id:
        raise Conflict("the order's stock is reserved in another warehouse", code="wrong_warehouse",
                       details={"reserved_in": res.warehouse_id})
    booked = conn.execute(sa.select(reservation_lines).where(reservation_lines.c.order_id == order_id)
                          .order_by(reservation_lines.c.product_id)).all()
    remaining = {r.product_id: r.quantity - r.shipped - r.released for r in booked}
    wanted = merge_lines(lines)
    over = over_shipment(wanted, remaining)
    if over:
        raise Conflict("more than is still to ship for this order", code="over_shipment", details=over)
    sid = str(uuid.uuid4())
    move_stock(conn, emit, shipment_movements(warehouse_id, wanted), ref_type="shipment", ref_id=sid,
               actor_id=actor_id)
    conn.execute(
        sa.text("UPDATE reservation_lines l SET shipped = l.shipped + s.q FROM "
                "unnest(CAST(:p AS varchar[]), CAST(:q AS int[])) AS s(p, q) "
                "WHERE l.order_id = :o AND l.product_id = s.p"),
        {"o": order_id, "p": list(wanted), "q": list(wanted.values())},
    )
    fully = all(remaining[p] - wanted.get(p, 0) == 0 for p in remaining)
    if fully:
        conn.execute(reservations.update().where(reservations.c.order_id == order_id)
                     .values(status="consumed", updated_at=sa.func.now()))
    line_list = [{"product_id": p, "quantity": q} for p, q in wanted.items()]
    row = conn.execute(shipments.insert().values(
        id=sid, order_id=order_id, customer_id=res.customer_id, warehouse_id=warehouse_id, lines=line_list,
        carrier=carrier, tracking_number=tracking_number, fully_shipped=fully, actor_id=actor_id,
    ).returning(*shipments.c)).one()
    emit("inventory.shipment.dispatched", aggregate_type="shipment", aggregate_id=sid, customer_id=res.customer_id,
         data={"id": sid, "order_id": order_id, "warehouse_id": warehouse_id, "customer_id": res.customer_id,
               "lines": line_list, "carrier": carrier, "tracking_number": tracking_number,
               "fully_shipped": fully})
    return row
