"""Spare parts for service orders: customer.service_order.part_requested takes the quantity
off the warehouse's stock (ledger kind `service_part`, reference the service order, a note
naming its number), or refuses it when it is not there. The customer service checked its
copy of the levels before accepting the line; this is the authoritative deduction, under
the stock row's lock, so stock never goes below zero whatever the copy said
(services/customer/service_parts.py says what the customer service guarantees).

Answers: inventory.service_part.issued (with the availability after it) or
inventory.service_part.refused (with the availability seen and the reason). A redelivered
request is a no-op (the inbox, per event and handler)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.inventory.domain.stock import Level, Movement, StockError
from services.inventory.handlers import REASON_SHORT, REASON_UNKNOWN_WAREHOUSE
from services.inventory.stock_store import lock_levels, write_movements
from shared.consumer import HandlerTable, Reactions
from shared.envelope import Envelope
from shared.outbox import Emitter, NewEvent

log = logging.getLogger("crm.inventory.service_parts")

_WAREHOUSE_ACTIVE = sa.text("SELECT active FROM warehouses WHERE id = :w")


def _note(number: str) -> str:
    return f"服务单 {number} 备件 (spare part for service order {number})"[:300]


def on_part_requested(conn: Connection, event: Envelope, reactions: Reactions) -> None:
    d = event.data
    wid, pid, qty = d["warehouse_id"], d["product_id"], int(d["quantity"])
    # the product's stock rows were locked by the batch's prelude (handlers.lock_batch)
    emit = Emitter(conn, reactions.outbox, reactions.context)
    answer = {k: d.get(k) for k in ("id", "service_order_id", "number", "customer_id", "assignee_id", "product_id",
                                    "sku", "product_name", "warehouse_id", "quantity")}
    levels = lock_levels(conn, [(wid, pid)])
    available = max(0, levels.get((wid, pid), Level()).available)
    active = conn.execute(_WAREHOUSE_ACTIVE, {"w": wid}).scalar() is True

    def refuse(reason: str) -> None:
        emit("inventory.service_part.refused", aggregate_type="service_part", aggregate_id=d["id"],
             customer_id=d["customer_id"], data={**answer, "available": available, "reason": reason})

    if not active:
        refuse(REASON_UNKNOWN_WAREHOUSE)
        return
    if available < qty:
        refuse(REASON_SHORT)
        return
    try:
        after = write_movements(
            conn, emit, levels, [Movement(wid, pid, "service_part", -qty, 0)],
            ref_type="service_order", ref_id=d["service_order_id"], actor_id=event.actor_id, note=_note(d["number"]),
            extra_events=[NewEvent("inventory.service_part.issued", "service_part", d["id"],
                                   customer_id=d["customer_id"], data={**answer, "available": available - qty})],
            changed_extra={"service_part_ids": [d["id"]]})
    except StockError:  # not reachable after the check above; refuse rather than dead-letter
        log.warning("service part %s: stock rule broken on a checked level", d["id"])
        refuse(REASON_SHORT)
        return
    log.info("service part %s issued: %s left", d["id"], after.get((wid, pid)))


def service_part_handlers() -> HandlerTable:
    table = HandlerTable()
    table.add("customer.service_order.part_requested", on_part_requested, name="inventory.service_part")
    return table
