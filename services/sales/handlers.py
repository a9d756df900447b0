"""Sales's event handlers (plain functions, one table): the local copies of products
and stock, the reservation saga's outcomes, shipments, order balances from billing, the
opportunity of a converted lead, and the visibility copies."""

from __future__ import annotations

import logging
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from services.sales.domain import orders as rules
from services.sales.models import (
    campaigns,
    competitors,
    order_lines,
    order_shipments,
    products,
    stock_levels,
)
from services.sales.opportunity_store import create_from_lead, move_open_opportunities
from services.sales.orders_store import load_order, publish, update_order
from shared.consumer import HandlerTable, Reactions, newer_than_applied
from shared.copies import notify_copy
from shared.envelope import Envelope
from shared.merges import Moved, merge_handlers
from shared.money import to_decimal
from shared.visibility import visibility_handlers

# What moves to the kept customer when a duplicate is merged (shared.merges); order lines
# carry the customer for "last price to this customer"
MERGED_TABLES = (Moved("opportunities"), Moved("quotes"), Moved("orders"), Moved("order_lines", id_column="order_id"),
                 Moved("contracts"), Moved("projects"), Moved("acl_grants", id_column="record_id"))

log = logging.getLogger("crm.sales.handlers")


def on_product(conn: Connection, event: Envelope, _r: Reactions) -> None:
    if not newer_than_applied(conn, "product", event.aggregate_id, event.aggregate_seq):
        return
    d = event.data
    values = {"sku": d["sku"], "name": d["name"], "spec": d.get("spec"), "unit": d["unit"],
              "list_price": to_decimal(d["list_price"]), "active": bool(d["active"])}
    conn.execute(pg_insert(products).values(id=d["id"], **values)
                 .on_conflict_do_update(index_elements=[products.c.id], set_=values))
    notify_copy(conn, "products", d["id"])  # wakes requests waiting for this product


def on_competitor(conn: Connection, event: Envelope, _r: Reactions) -> None:
    """The copy of a competitor (its id is what opportunities name; issue 16)."""
    if not newer_than_applied(conn, "competitor", event.aggregate_id, event.aggregate_seq):
        return
    d = event.data
    conn.execute(pg_insert(competitors).values(id=d["id"], name=d["name"][:200])
                 .on_conflict_do_update(index_elements=[competitors.c.id], set_={"name": d["name"][:200]}))
    notify_copy(conn, "competitors", d["id"])  # wakes requests waiting for this competitor


def on_campaign(conn: Connection, event: Envelope, _r: Reactions) -> None:
    """The copy of a campaign (its id is what opportunities name; issue 16)."""
    if not newer_than_applied(conn, "campaign", event.aggregate_id, event.aggregate_seq):
        return
    d = event.data
    values = {"name": d["name"][:200], "status": d["status"]}
    conn.execute(pg_insert(campaigns).values(id=d["id"], **values)
                 .on_conflict_do_update(index_elements=[campaigns.c.id], set_=values))
    notify_copy(conn, "campaigns", d["id"])  # wakes requests waiting for this campaign


def on_stock_changed(conn: Connection, event: Envelope, _r: Reactions) -> None:
    d = event.data
    # guarded per (warehouse, product), whatever aggregate inventory counts the seq on
    if not newer_than_applied(conn, f"stock:{d['warehouse_id']}", d["product_id"], event.aggregate_seq):
        return
    conn.execute(pg_insert(stock_levels).values(
        product_id=d["product_id"], warehouse_id=d["warehouse_id"], available=d["available"],
    ).on_conflict_do_update(index_elements=[stock_levels.c.product_id, stock_levels.c.warehouse_id],
                            set_={"available": d["available"]}))


def on_reserved(conn: Connection, event: Envelope, reactions: Reactions) -> None:
    order = load_order(conn, event.data["order_id"], lock=True)
    if order is None:
        log.warning("stock reserved for unknown order %s", event.data["order_id"])
        return
    decision = rules.on_reserved(order["status"])
    if decision == rules.CONFIRM:
        status = rules.shipping_status(rules.CONFIRMED, [ln["quantity"] for ln in order["lines"]],
                                       [ln["shipped_quantity"] for ln in order["lines"]])
        order = update_order(conn, order, status=status, reserved_warehouse_id=event.data["warehouse_id"])
        publish(reactions.emit, "sales.order.confirmed", order)
    elif decision == rules.RELEASE:
        # the order was cancelled (or rejected) while the reservation was on its way:
        # say so again, so inventory releases what it has just reserved
        event_type = "sales.order.rejected" if order["status"] == rules.REJECTED else "sales.order.cancelled"
        publish(reactions.emit, event_type, order)


def on_reservation_failed(conn: Connection, event: Envelope, reactions: Reactions) -> None:
    order = load_order(conn, event.data["order_id"], lock=True)
    if order is None or rules.on_reservation_failed(order["status"]) != rules.REJECT:
        return
    order = update_order(conn, order, status=rules.REJECTED, reason=event.data["reason"][:500])
    publish(reactions.emit, "sales.order.rejected", order)


def on_shipment(conn: Connection, event: Envelope, reactions: Reactions) -> None:
    d = event.data
    order = load_order(conn, d["order_id"], lock=True)
    if order is None:
        return
    fresh = conn.execute(pg_insert(order_shipments).values(shipment_id=d["id"], order_id=order["id"])
                         .on_conflict_do_nothing().returning(order_shipments.c.shipment_id)).first()
    if fresh is None:
        return  # this shipment was counted already
    shipped = Counter()
    for line in d["lines"]:
        shipped[line["product_id"]] += line["quantity"]
    current = [rules.ShippedLine(ln["product_id"], ln["quantity"], ln["shipped_quantity"]) for ln in order["lines"]]
    new_shipped = rules.apply_shipment(current, shipped)
    for line, qty in zip(order["lines"], new_shipped, strict=True):
        if qty != line["shipped_quantity"]:
            conn.execute(sa.update(order_lines).where(order_lines.c.order_id == order["id"],
                                                      order_lines.c.line_no == line["line_no"])
                         .values(shipped_quantity=qty))
            line["shipped_quantity"] = qty
    status = rules.shipping_status(order["status"], [ln["quantity"] for ln in order["lines"]], new_shipped)
    order = update_order(conn, order, status=status)
    publish(reactions.emit, "sales.order.shipping_updated", order)


def on_balance(conn: Connection, event: Envelope, reactions: Reactions) -> None:
    d = event.data
    if not newer_than_applied(conn, "order_balance", d["order_id"], event.aggregate_seq):
        return
    order = load_order(conn, d["order_id"], lock=True)
    if order is None:
        return
    order = update_order(conn, order, invoiced_amount=to_decimal(d["invoiced_amount"]),
                         paid_amount=to_decimal(d["paid_amount"]), payment_status=d["payment_status"])
    publish(reactions.emit, "sales.order.payment_updated", order)


def on_lead_converted(conn: Connection, event: Envelope, reactions: Reactions) -> None:
    if event.data.get("opportunity"):
        create_from_lead(conn, reactions.emit, event.data, by=event.actor_id)


def on_handover(conn: Connection, event: Envelope, reactions: Reactions) -> None:
    """A rep's hand-over (issue 16): their open opportunities to the colleague, one
    sales.opportunity.updated each, then sales.handover.opportunities_moved with the count
    (a redelivery finds none left to move and answers 0: the count is the first answer's)."""
    moved = move_open_opportunities(conn, reactions.emit, event.data["from_user_id"], event.data["to_user_id"])
    reactions.emit("sales.handover.opportunities_moved", aggregate_type="handover", aggregate_id=event.data["id"],
                   data={"handover_id": event.data["id"], "from_user_id": event.data["from_user_id"],
                         "to_user_id": event.data["to_user_id"], "opportunities": moved})


def handler_table() -> HandlerTable:
    table = HandlerTable()
    table.add("inventory.product.created", on_product, name="sales.product")
    table.add("inventory.product.updated", on_product, name="sales.product")
    table.add("inventory.product.removed", on_product, name="sales.product")  # kept as inactive
    table.add("inventory.stock.changed", on_stock_changed, name="sales.stock_changed")
    table.add("inventory.stock.reserved", on_reserved, name="sales.stock_reserved")
    table.add("inventory.stock.reservation_failed", on_reservation_failed, name="sales.reservation_failed")
    table.add("inventory.shipment.dispatched", on_shipment, name="sales.shipment")
    table.add("billing.order_balance.changed", on_balance, name="sales.order_balance")
    table.add("customer.lead.converted", on_lead_converted, name="sales.lead_converted")
    table.add("customer.competitor.created", on_competitor, name="sales.competitor")
    table.add("customer.competitor.updated", on_competitor, name="sales.competitor")
    table.add("customer.campaign.created", on_campaign, name="sales.campaign")
    table.add("customer.campaign.updated", on_campaign, name="sales.campaign")
    table.add("customer.handover.completed", on_handover, name="sales.handover")
    table.extend(visibility_handlers())
    table.extend(merge_handlers("sales", MERGED_TABLES))  # issue 17: merges of duplicate customers
    return table
