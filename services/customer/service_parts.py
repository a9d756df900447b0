"""Spare parts for service orders: how the customer service answers `409 insufficient_stock`
at once although inventory owns the stock, and the copies and answers that make it work.

- **The check** (`check_part`, in the request's transaction): the stock copy's availability
  of the product in the warehouse (fed by `inventory.stock.changed`, one row per product and
  warehouse), less the parts lines inventory has not answered yet (`pending`), must cover
  the quantity; otherwise 409 `insufficient_stock` with `details.available`. The copy row is
  locked (`FOR UPDATE`) for the check, so two requests for the last units in this service
  are decided one after the other and the second sees the first one's pending line.
- **The deduction** is inventory's (`customer.service_order.part_requested` ->
  services/inventory/service_parts.py): under its stock row lock it takes the quantity off
  on hand (ledger kind `service_part`, reference the service order, note naming its number)
  or, when the stock is not there any more, refuses. Stock therefore never goes below zero,
  whatever the copy said.
- **The answer** comes back as `inventory.service_part.issued` (the line becomes `issued`;
  the `inventory.stock.changed` of the deduction names the line too, in `service_part_ids`,
  and settles it with the new level, whichever of the two arrives first: between them the
  check would otherwise count the part twice, in the level and as pending)
  or `inventory.service_part.refused` (the line becomes `refused`, with the availability
  inventory saw; tracking tells the assignee). A refusal happens only when the copy was
  stale: stock taken by another service order, an order reservation or a transfer in the
  moment between inventory's change and its event reaching this service.

So: a 201 means the line is accepted and will be issued unless the copy was stale (then it
is refused, visibly, on the order, the timeline and in a notification); a 409 is definite
for the moment of the request.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from services.customer.domain.service_orders import part_shortage
from services.customer.models import products, service_order_parts, stock_levels
from shared.consumer import HandlerTable, Reactions, newer_than_applied
from shared.copies import notify_copy
from shared.envelope import Envelope
from shared.errors import Conflict

log = logging.getLogger("crm.customer.service_parts")

_PENDING = sa.text("SELECT coalesce(sum(quantity), 0) FROM service_order_parts "
                   "WHERE warehouse_id = :w AND product_id = :p AND status = 'pending'")


def check_part(conn: Connection, product_id: str, warehouse_id: str, quantity: int) -> None:
    """409 insufficient_stock (details: available, requested) when the copy says the
    warehouse cannot give the quantity now."""
    available = conn.execute(sa.select(stock_levels.c.available).where(
        stock_levels.c.product_id == product_id, stock_levels.c.warehouse_id == warehouse_id).with_for_update()
    ).scalar()
    pending = conn.execute(_PENDING, {"w": warehouse_id, "p": product_id}).scalar_one()
    short = part_shortage(available, int(pending), quantity)
    if short is not None:
        raise Conflict(f"only {short} available in this warehouse", code="insufficient_stock",
                       details={"product_id": product_id, "warehouse_id": warehouse_id, "requested": quantity,
                                "available": short})


# ---- handlers: the copies and inventory's answers ------------------------------------------

def on_product(conn: Connection, event: Envelope, _r: Reactions) -> None:
    if not newer_than_applied(conn, "product", event.aggregate_id, event.aggregate_seq):
        return
    d = event.data
    values = {"sku": d["sku"], "name": d["name"], "unit": d.get("unit"), "active": bool(d["active"])}
    conn.execute(pg_insert(products).values(id=d["id"], **values)
                 .on_conflict_do_update(index_elements=[products.c.id], set_=values))
    notify_copy(conn, "products", d["id"])  # wakes requests waiting for this product


def on_stock_changed(conn: Connection, event: Envelope, _r: Reactions) -> None:
    d = event.data
    # the part lines this change issued are settled with it (even when a newer level is here
    # already): the check never counts them both in the level and as pending
    for part_id in d.get("service_part_ids") or ():
        _settle_part(conn, part_id, "issued", d.get("available"), None, event.event_type)
    # guarded per (warehouse, product), whatever aggregate inventory counts the seq on
    if not newer_than_applied(conn, f"stock:{d['warehouse_id']}", d["product_id"], event.aggregate_seq):
        return
    conn.execute(pg_insert(stock_levels).values(
        product_id=d["product_id"], warehouse_id=d["warehouse_id"], available=d["available"],
    ).on_conflict_do_update(index_elements=[stock_levels.c.product_id, stock_levels.c.warehouse_id],
                            set_={"available": d["available"]}))


def _settle_part(conn: Connection, part_id: str, status: str, available: int | None, reason: str | None,
                 event_type: str) -> None:
    done = conn.execute(service_order_parts.update().where(
        service_order_parts.c.id == part_id, service_order_parts.c.status == "pending",
    ).values(status=status, available=available, reason=(reason or None) and reason[:300],
             settled_at=sa.func.now()).returning(service_order_parts.c.id)).first()
    if done is None:
        log.info("service part %s already settled or unknown; %s ignored", part_id, event_type)


def _settle(conn: Connection, event: Envelope, status: str) -> None:
    d = event.data
    _settle_part(conn, d["id"], status, d.get("available"), d.get("reason"), event.event_type)


def on_part_issued(conn: Connection, event: Envelope, _r: Reactions) -> None:
    _settle(conn, event, "issued")


def on_part_refused(conn: Connection, event: Envelope, _r: Reactions) -> None:
    _settle(conn, event, "refused")


def service_part_handlers() -> HandlerTable:
    table = HandlerTable()
    table.add("inventory.product.created", on_product, name="customer.product_copy")
    table.add("inventory.product.updated", on_product, name="customer.product_copy")
    table.add("inventory.product.removed", on_product, name="customer.product_copy")  # kept as inactive
    table.add("inventory.stock.changed", on_stock_changed, name="customer.stock_copy")
    table.add("inventory.service_part.issued", on_part_issued, name="customer.service_part_issued")
    table.add("inventory.service_part.refused", on_part_refused, name="customer.service_part_refused")
    return table
