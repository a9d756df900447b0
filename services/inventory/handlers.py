"""Inventory's event handlers: the order saga's stock steps.

- sales.order.placed: reserve every line in the order's warehouse, or (none named) in one
  warehouse that can supply every line; all or nothing. Publishes inventory.stock.reserved
  or inventory.stock.reservation_failed with the short lines.
- sales.order.cancelled / rejected / closed: release whatever is still reserved and not
  shipped (inventory.stock.released). A cancel seen before the placed event is recorded, and
  the later placed event then reserves nothing.

The reservations row per order is claimed with INSERT ... ON CONFLICT, so a redelivered or
repeated placed event reserves once, and a cancel releases exactly what was reserved.
Stock rows are locked in (warehouse, product) order, like every other writer: concurrent
reservations for the last units serialize on those rows, and re-read under the lock they
never oversell (CHECK constraints back it up). Several consumer replicas reserve at once:
each batch takes its rows' locks up front (lock_batch), so replicas wait on shared
products only, never deadlock on them.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.inventory.domain.stock import (
    Level,
    best_partial,
    choose_warehouse,
    merge_lines,
    release_movements,
    reservation_movements,
    shortages,
)
from services.inventory.stock_store import lock_levels, write_movements
from shared.consumer import HandlerTable, Reactions
from shared.envelope import Envelope
from shared.merges import Moved, merge_handlers
from shared.outbox import Emitter, NewEvent
from shared.visibility import visibility_handlers

# What moves to the kept customer when a duplicate is merged (shared.merges)
MERGED_TABLES = (Moved("reservations", id_column="order_id"), Moved("shipments"), Moved("loans"),
                 Moved("acl_grants", id_column="record_id"))

log = logging.getLogger("crm.inventory.saga")

MAX_CANDIDATES = 5
REASON_SHORT = "库存不足 (insufficient stock)"
REASON_NO_SINGLE = "没有单个仓库能供应全部明细 (no single warehouse can supply every line)"
REASON_UNKNOWN_WAREHOUSE = "仓库不存在或已停用 (unknown or inactive warehouse)"

_CLAIM = sa.text(
    "INSERT INTO reservations (order_id, customer_id, status) VALUES (:o, :c, :s) "
    "ON CONFLICT (order_id) DO NOTHING RETURNING order_id"
)
_CLAIM_CTE = (
    "WITH c AS (INSERT INTO reservations (order_id, customer_id, status) VALUES (:o, :c, 'reserving') "
    "ON CONFLICT (order_id) DO NOTHING RETURNING 1), "
)
# Claim the order and lock its rows in the named warehouse (in lock order) in one round trip.
_CLAIM_AND_LOCK = sa.text(
    _CLAIM_CTE + "l AS (SELECT s.warehouse_id, s.product_id, s.on_hand, s.reserved FROM stock s "
    "WHERE s.warehouse_id = :w AND s.product_id = ANY(CAST(:p AS varchar[])) "
    "ORDER BY s.warehouse_id, s.product_id FOR UPDATE OF s) "
    "SELECT (SELECT count(*) FROM c) AS claimed, "
    "(SELECT json_agg(json_build_array(warehouse_id, product_id, on_hand, reserved)) FROM l) AS rows"
)
# Claim the order and read where its products are available (no warehouse named).
_CLAIM_AND_AVAILABILITY = sa.text(
    _CLAIM_CTE + "a AS (SELECT s.warehouse_id, s.product_id, s.on_hand - s.reserved AS available FROM stock s "
    "JOIN warehouses w ON w.id = s.warehouse_id AND w.active "
    "WHERE s.product_id = ANY(CAST(:p AS varchar[])) AND s.on_hand > s.reserved) "
    "SELECT (SELECT count(*) FROM c) AS claimed, "
    "(SELECT json_agg(json_build_array(warehouse_id, product_id, available)) FROM a) AS rows"
)
_AVAILABILITY = sa.text(
    "SELECT s.warehouse_id, s.product_id, s.on_hand - s.reserved AS available FROM stock s "
    "JOIN warehouses w ON w.id = s.warehouse_id AND w.active "
    "WHERE s.product_id = ANY(CAST(:p AS varchar[])) AND s.on_hand > s.reserved"
)
# The reservation's own rows, written in the same statement as the levels and ledger.
_RESERVED_CTES = (
    "r1 AS (UPDATE reservations SET status = 'reserved', warehouse_id = :x_w, updated_at = now() "
    "WHERE order_id = :x_o), "
    "r2 AS (INSERT INTO reservation_lines (order_id, product_id, quantity) "
    "SELECT :x_o, p, q FROM unnest(CAST(:x_p AS varchar[]), CAST(:x_q AS int[])) AS rl(p, q)), "
)
_RELEASED_CTES = (
    "r1 AS (UPDATE reservation_lines SET released = released + quantity - shipped - released "
    "WHERE order_id = :x_o), "
    "r2 AS (UPDATE reservations SET status = 'released', updated_at = now() WHERE order_id = :x_o), "
)


# Replicas of the consumer run side by side. The shared consumer applies a batch of
# messages in one transaction, so a batch keeps every row lock until commit; locks taken
# message by message would come in no common order and two replicas' batches would
# deadlock. lock_batch (the consumer's prelude) therefore takes the batch's locks before
# any handler runs, in the order every writer of the service uses: the batch's existing
# reservations rows by order id (a shipment locks its reservation before its stock), then
# every stock row of every product the batch can touch, by (warehouse, product). Two
# batches that share products queue on the first shared row; batches of other products
# run at the same time. A deadlock left over (a stock row created meanwhile by a
# receipt) aborts the batch, which the consumer applies again.
_LOCK_RESERVATIONS = sa.text(
    "SELECT order_id FROM reservations WHERE order_id = ANY(CAST(:o AS varchar[])) ORDER BY order_id FOR UPDATE"
)
_LOCK_PRODUCTS = sa.text(
    "SELECT 1 FROM stock s WHERE s.product_id = ANY(ARRAY(SELECT unnest(CAST(:p AS varchar[])) UNION "
    "SELECT rl.product_id FROM reservation_lines rl WHERE rl.order_id = ANY(CAST(:o AS varchar[])))) "
    "ORDER BY s.warehouse_id, s.product_id FOR UPDATE OF s"
)
_PLACED = "sales.order.placed"
_RELEASING = ("sales.order.cancelled", "sales.order.rejected", "sales.order.closed")
_PART_REQUESTED = "customer.service_order.part_requested"  # service_parts.py: one product's rows


def lock_batch(conn: Connection, events: list[Envelope]) -> None:
    """The prelude of a batch: lock, in the service's one lock order, every reservations
    row and stock row its saga handlers (and the spare parts handler) may write (see above)."""
    orders: set[str] = set()
    products: set[str] = set()
    for event in events:
        order_id = event.data.get("id")
        if not isinstance(order_id, str):  # a malformed event fails in its handler, alone
            continue
        if event.event_type == _PART_REQUESTED:
            if isinstance(event.data.get("product_id"), str):
                products.add(event.data["product_id"])
        elif event.event_type == _PLACED:
            orders.add(order_id)
            products.update(line["product_id"] for line in event.data.get("lines") or []
                            if isinstance(line, dict) and isinstance(line.get("product_id"), str))
        elif event.event_type in _RELEASING:
            orders.add(order_id)  # its products: the reservation's lines
    if not orders and not products:
        return
    order_ids = sorted(orders)
    if order_ids:
        conn.execute(_LOCK_RESERVATIONS, {"o": order_ids})
    conn.execute(_LOCK_PRODUCTS, {"p": sorted(products), "o": order_ids})


def _set_status(conn: Connection, order_id: str, status: str, *, reason: str | None = None) -> None:
    conn.execute(
        sa.text("UPDATE reservations SET status = :s, reason = :r, updated_at = now() WHERE order_id = :o"),
        {"s": status, "r": reason, "o": order_id},
    )


def _availability(rows: list | None) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for warehouse_id, product_id, available in rows or []:
        out.setdefault(warehouse_id, {})[product_id] = int(available)
    return out


def _warehouse_active(conn: Connection, warehouse_id: str) -> bool:
    return conn.execute(sa.text("SELECT active FROM warehouses WHERE id = :w"), {"w": warehouse_id}).scalar() is True


def _reserve(conn: Connection, emit: Emitter, cause: Envelope, order_id: str, customer_id: str | None,
             warehouse_id: str, wanted: dict[str, int], levels: dict) -> list[dict]:
    """Reserve every line in the warehouse from its locked levels, or none. Returns the
    short lines (empty when reserved). On success the levels, ledger, reservation and its
    lines, and the events (reserved + stock.changed per line) are written."""
    short = shortages(levels, warehouse_id, wanted)
    if short:
        return short
    write_movements(
        conn, emit, levels, reservation_movements(warehouse_id, wanted),
        ref_type="order", ref_id=order_id, actor_id=cause.actor_id,
        extra_sql=_RESERVED_CTES,
        extra_params={"x_o": order_id, "x_w": warehouse_id, "x_p": list(wanted), "x_q": list(wanted.values())},
        extra_events=[NewEvent("inventory.stock.reserved", "reservation", order_id, customer_id=customer_id, data={
            "order_id": order_id, "warehouse_id": warehouse_id,
            "lines": [{"product_id": p, "quantity": q} for p, q in wanted.items()]})],
    )
    return []


def on_order_placed(conn: Connection, event: Envelope, reactions: Reactions) -> None:
    order = event.data
    order_id, customer_id = order["id"], order.get("customer_id") or event.customer_id
    wanted = merge_lines(order["lines"])
    named = order.get("warehouse_id")
    products = list(wanted)
    if named:
        row = conn.execute(_CLAIM_AND_LOCK, {"o": order_id, "c": customer_id, "w": named, "p": products}).one()
    else:
        row = conn.execute(_CLAIM_AND_AVAILABILITY, {"o": order_id, "c": customer_id, "p": products}).one()
    if not row.claimed:
        log.info("order %s already handled by the saga; placed event ignored", order_id)
        return
    emit = Emitter(conn, reactions.outbox, reactions.context)

    def failed(reason: str, short: list[dict]) -> None:
        _set_status(conn, order_id, "failed", reason=reason)
        emit("inventory.stock.reservation_failed", aggregate_type="reservation", aggregate_id=order_id,
             customer_id=customer_id, data={"order_id": order_id, "reason": reason, "short_lines": short})

    if named:
        # One attempt in the named warehouse; its rows are locked already (a shortage writes nothing).
        levels = {(w, p): Level(on_hand, reserved) for w, p, on_hand, reserved in row.rows or []}
        short = _reserve(conn, emit, event, order_id, customer_id, named, wanted, levels)
        if short:
            failed(REASON_SHORT if _warehouse_active(conn, named) else REASON_UNKNOWN_WAREHOUSE, short)
        return

    # Candidates best first; a candidate that fell short meanwhile (its rows are re-read under
    # lock) wrote nothing, so the next one is tried. Every candidate's rows were locked by
    # lock_batch already (the products' rows in every warehouse), so trying them in this
    # order waits for no one.
    for warehouse_id in choose_warehouse(_availability(row.rows), wanted)[:MAX_CANDIDATES]:
        levels = lock_levels(conn, [(warehouse_id, pid) for pid in wanted])
        if not _reserve(conn, emit, event, order_id, customer_id, warehouse_id, wanted, levels):
            return
    candidates = _availability([tuple(r) for r in conn.execute(_AVAILABILITY, {"p": products})])  # fresh figures
    best = best_partial(candidates, wanted)
    if best is None:
        failed(REASON_SHORT, [{"product_id": p, "requested": q, "available": 0} for p, q in wanted.items()])
        return
    short = shortages({(best, p): Level(a, 0) for p, a in candidates[best].items()}, best, wanted)
    failed(REASON_SHORT if short else REASON_NO_SINGLE, short)


def release_order(conn: Connection, reactions: Reactions, order_id: str, customer_id: str | None,
                  *, record_if_unknown: bool) -> None:
    """Release what is still reserved and not shipped; record a cancel seen first."""
    if record_if_unknown and conn.execute(
        _CLAIM, {"o": order_id, "c": customer_id, "s": "cancelled"}
    ).first() is not None:
        log.info("order %s cancelled before it was placed: recorded, nothing to release", order_id)
        return
    row = conn.execute(
        sa.text("SELECT status, warehouse_id, customer_id FROM reservations WHERE order_id = :o FOR UPDATE"),
        {"o": order_id},
    ).first()
    if row is None or row.status != "reserved":
        return
    lines = conn.execute(
        sa.text("SELECT product_id, quantity - shipped - released AS remaining FROM reservation_lines "
                "WHERE order_id = :o ORDER BY product_id"),
        {"o": order_id},
    ).all()
    remaining = {r.product_id: int(r.remaining) for r in lines if r.remaining > 0}
    if not remaining:
        _set_status(conn, order_id, "consumed")
        return
    levels = lock_levels(conn, [(row.warehouse_id, pid) for pid in remaining])
    write_movements(
        conn, Emitter(conn, reactions.outbox, reactions.context), levels, release_movements(row.warehouse_id, remaining),
        ref_type="order", ref_id=order_id, actor_id=reactions.cause.actor_id,
        extra_sql=_RELEASED_CTES, extra_params={"x_o": order_id},
        extra_events=[NewEvent("inventory.stock.released", "reservation", order_id,
                               customer_id=row.customer_id or customer_id, data={
                                   "order_id": order_id, "warehouse_id": row.warehouse_id,
                                   "lines": [{"product_id": p, "quantity": q} for p, q in remaining.items()]})],
    )


def on_order_cancelled(conn: Connection, event: Envelope, reactions: Reactions) -> None:
    order = event.data
    release_order(conn, reactions, order["id"], order.get("customer_id") or event.customer_id,
                  record_if_unknown=True)


def on_order_ended(conn: Connection, event: Envelope, reactions: Reactions) -> None:
    """Rejected or closed: nothing more will ship, so give back what is left."""
    order = event.data
    release_order(conn, reactions, order["id"], order.get("customer_id") or event.customer_id,
                  record_if_unknown=event.event_type == "sales.order.rejected")


def handler_table() -> HandlerTable:
    table = HandlerTable()
    table.add("sales.order.placed", on_order_placed, name="inventory.reserve")
    table.add("sales.order.cancelled", on_order_cancelled, name="inventory.release_cancelled")
    table.add("sales.order.rejected", on_order_ended, name="inventory.release_rejected")
    table.add("sales.order.closed", on_order_ended, name="inventory.release_closed")
    table.add_prelude(lock_batch)
    table.extend(visibility_handlers())
    table.extend(merge_handlers("inventory", MERGED_TABLES))  # issue 17: merges of duplicate customers
    from services.inventory.service_parts import service_part_handlers  # it imports this module

    table.extend(service_part_handlers())
    return table
