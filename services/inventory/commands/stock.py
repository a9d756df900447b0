"""Stock commands: warehouses (create, change) and the stock documents (receipts, transfers,
stocktaking adjustments, requisitions for internal use), each moving stock through the
ledger (stock_store) with its events."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from services.inventory import purchasing_store
from services.inventory.api.common import check_products, check_warehouse
from services.inventory.commands import in_transaction
from services.inventory.domain.stock import (
    Movement,
    adjustment_movements,
    merge_lines,
    transfer_movements,
)
from services.inventory.models import adjustments, receipts, requisitions, transfers, warehouses
from services.inventory.stock_store import lock_levels, move_stock, write_movements
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.identity import Principal
from shared.outbox import EventContext
from shared.service import ServiceContext


def create_warehouse(ctx: ServiceContext, events: EventContext, data: Mapping[str, Any]) -> Row:
    """409 duplicate_warehouse for a code in use."""
    def work(conn, _emit):
        try:
            with conn.begin_nested():
                return conn.execute(warehouses.insert().values(id=str(uuid.uuid4()), **data)
                                    .returning(*warehouses.c)).one()
        except IntegrityError as exc:
            raise Conflict("a warehouse with this code exists", code="duplicate_warehouse") from exc

    return in_transaction(ctx, events, work)


def change_warehouse(ctx: ServiceContext, events: EventContext, warehouse_id: str,
                     changes: Mapping[str, Any]) -> Row:
    """name, region, active; 404 for an unknown warehouse."""
    def work(conn, _emit):
        query = warehouses.update().where(warehouses.c.id == warehouse_id)
        row = conn.execute((query.values(**changes) if changes else query.values(code=warehouses.c.code))
                           .returning(*warehouses.c)).first()
        if row is None:
            raise NotFound("warehouse not found")
        return row

    return in_transaction(ctx, events, work)


def receive_stock(ctx: ServiceContext, events: EventContext, p: Principal, data: Mapping[str, Any],
                  lines: list[dict[str, Any]]) -> Row:
    """A receipt into an active warehouse; with purchase_order_id it receives that purchase
    order's goods (422 for an unknown one)."""
    def work(conn, emit):
        wid = check_warehouse(conn, data["warehouse_id"])
        check_products(conn, [line["product_id"] for line in lines])
        if data["purchase_order_id"]:
            try:
                return purchasing_store.receive(conn, emit, str(data["purchase_order_id"]), wid, lines,
                                                actor_id=p.user_id, note=data["note"])
            except NotFound:
                raise ValidationFailed("unknown purchase order",
                                       details={"purchase_order_id": ["no such purchase order"]}) from None
        rid = str(uuid.uuid4())
        merged = merge_lines(lines)
        move_stock(conn, emit, [Movement(wid, pid, "receipt", q, 0) for pid, q in merged.items()],
                   ref_type="receipt", ref_id=rid, actor_id=p.user_id, create_rows=True)
        return conn.execute(receipts.insert().values(
            id=rid, warehouse_id=wid, purchase_order_id=None, note=data["note"],
            lines=[{"product_id": pid, "quantity": q} for pid, q in merged.items()], actor_id=p.user_id,
        ).returning(*receipts.c)).one()

    return in_transaction(ctx, events, work)


def transfer_stock(ctx: ServiceContext, events: EventContext, p: Principal, data: Mapping[str, Any],
                   lines: list[dict[str, Any]]) -> Row:
    """Move stock between two active warehouses (out of one, into the other)."""
    def work(conn, emit):
        src = check_warehouse(conn, data["from_warehouse_id"], "from_warehouse_id")
        dst = check_warehouse(conn, data["to_warehouse_id"], "to_warehouse_id")
        check_products(conn, [line["product_id"] for line in lines])
        tid = str(uuid.uuid4())
        merged = merge_lines(lines)
        move_stock(conn, emit, transfer_movements(src, dst, merged), ref_type="transfer", ref_id=tid,
                   actor_id=p.user_id, note=data["note"], create_rows=True)
        return conn.execute(transfers.insert().values(
            id=tid, from_warehouse_id=src, to_warehouse_id=dst, note=data["note"], actor_id=p.user_id,
            lines=[{"product_id": pid, "quantity": q} for pid, q in merged.items()],
        ).returning(*transfers.c)).one()

    return in_transaction(ctx, events, work)


def adjust_stock(ctx: ServiceContext, events: EventContext, p: Principal, warehouse_id: Any,
                 counted: Mapping[str, int], reason: str) -> Row:
    """Stocktaking: each product's adjustment = counted - on_hand; below reserved is a 409."""
    def work(conn, emit):
        wid = check_warehouse(conn, warehouse_id)
        check_products(conn, list(counted))
        aid = str(uuid.uuid4())
        levels = lock_levels(conn, [(wid, pid) for pid in counted], create=True)
        movements, lines = adjustment_movements(wid, levels, counted)
        write_movements(conn, emit, levels, movements, ref_type="adjustment", ref_id=aid,
                        actor_id=p.user_id, note=reason)
        return conn.execute(adjustments.insert().values(
            id=aid, warehouse_id=wid, reason=reason, lines=lines, actor_id=p.user_id,
        ).returning(*adjustments.c)).one()

    return in_transaction(ctx, events, work)


def issue_material(ctx: ServiceContext, events: EventContext, p: Principal, data: Mapping[str, Any],
                   merged: Mapping[str, int]) -> Row:
    """A requisition: goods out of a warehouse for internal use."""
    def work(conn, emit):
        wid = check_warehouse(conn, data["warehouse_id"])
        check_products(conn, list(merged))
        rid = str(uuid.uuid4())
        move_stock(conn, emit, [Movement(wid, pid, "requisition", -q, 0) for pid, q in merged.items()],
                   ref_type="requisition", ref_id=rid, actor_id=p.user_id, note=data["purpose"])
        return conn.execute(requisitions.insert().values(
            id=rid, warehouse_id=wid, purpose=data["purpose"], department=data["department"],
            actor_id=p.user_id, lines=[{"product_id": pid, "quantity": q} for pid, q in merged.items()],
        ).returning(*requisitions.c)).one()

    return in_transaction(ctx, events, work)
