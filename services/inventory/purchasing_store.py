"""Receiving against a purchase order: full or partial, never more than ordered."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.inventory.domain.stock import Movement, merge_lines, over_shipment
from services.inventory.models import purchase_order_lines, purchase_orders, receipts
from services.inventory.stock_store import move_stock
from shared.errors import Conflict, NotFound
from shared.outbox import Emitter


def po_status(lines: list[tuple[int, int]]) -> str:
    """open / partially_received / received from (quantity, received) per line."""
    if all(received >= quantity for quantity, received in lines):
        return "received"
    return "partially_received" if any(received for _q, received in lines) else "open"


def receive(conn: Connection, emit: Emitter, po_id: str, warehouse_id: str | None,
            lines: list[dict[str, Any]] | None, *, actor_id: str | None, note: str | None = None) -> Row:
    """Receive lines (None: everything still open) of a purchase order into a warehouse
    (default the order's). Raises stock; 409 over_receipt past what was ordered."""
    po = conn.execute(sa.select(purchase_orders).where(purchase_orders.c.id == po_id).with_for_update()).first()
    if po is None:
        raise NotFound("purchase order not found")
    po_lines = conn.execute(
        sa.select(purchase_order_lines).where(purchase_order_lines.c.purchase_order_id == po_id)
        .order_by(purchase_order_lines.c.product_id)
    ).all()
    remaining = {r.product_id: r.quantity - r.received for r in po_lines}
    wanted = merge_lines(lines) if lines else {p: q for p, q in remaining.items() if q > 0}
    if not wanted:
        raise Conflict("everything on this purchase order has been received", code="over_receipt")
    over = over_shipment(wanted, remaining)
    if over:
        raise Conflict("more than is still to receive on this purchase order", code="over_receipt", details=over)
    wid = warehouse_id or po.warehouse_id
    rid = str(uuid.uuid4())
    move_stock(conn, emit, [Movement(wid, p, "receipt", q, 0) for p, q in wanted.items()],
               ref_type="receipt", ref_id=rid, actor_id=actor_id, note=note, create_rows=True)
    conn.execute(
        sa.text("UPDATE purchase_order_lines l SET received = l.received + r.q FROM "
                "unnest(CAST(:p AS varchar[]), CAST(:q AS int[])) AS r(p, q) "
                "WHERE l.purchase_order_id = :po AND l.product_id = r.p"),
        {"po": po_id, "p": list(wanted), "q": list(wanted.values())},
    )
    received = {r.product_id: (r.quantity, r.received + wanted.get(r.product_id, 0)) for r in po_lines}
    conn.execute(purchase_orders.update().where(purchase_orders.c.id == po_id)
                 .values(status=po_status(list(received.values()))))
    return conn.execute(receipts.insert().values(
        id=rid, warehouse_id=wid, purchase_order_id=po_id, note=note, actor_id=actor_id,
        lines=[{"product_id": p, "quantity": q} for p, q in wanted.items()],
    ).returning(*receipts.c)).one()


def set_supplier_prices(conn: Connection, supplier_id: str, prices: list[dict[str, Any]]) -> None:
    """Upsert the supplier's purchase prices ({"product_id", "price"})."""
    for p in prices:
        conn.execute(sa.text(
            "INSERT INTO supplier_prices (supplier_id, product_id, price) VALUES (:s, :p, :v) "
            "ON CONFLICT (supplier_id, product_id) DO UPDATE SET price = EXCLUDED.price, updated_at = now()"),
            {"s": supplier_id, "p": str(p["product_id"]), "v": p["price"]})


def lock_purchase_order(conn: Connection, po_id: str, *, lock: bool = False) -> Row:
    """The purchase order (row-locked when asked); 404 when there is none."""
    query = sa.select(purchase_orders).where(purchase_orders.c.id == po_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("purchase order not found")
    return row
