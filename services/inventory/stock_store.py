"""Stock levels in the database: lock rows in the one global order, apply movements with
their ledger rows, and publish the changed levels (inventory.stock.changed / .low).

Every writer (saga handlers and HTTP writes) goes through write_movements(), so a level is
always the sum of its ledger rows."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.inventory.domain.stock import (
    Key,
    Level,
    Movement,
    StockError,
    apply_movements,
    crossed_below,
    lock_order,
)
from services.inventory.events_out import Emitter

# Create-or-lock in one statement, row by row in lock order: a missing row is inserted
# (and so held), an existing one is locked by the no-op update.
_UPSERT_LOCK = sa.text(
    "INSERT INTO stock AS s (warehouse_id, product_id) "
    "SELECT w, p FROM unnest(CAST(:w AS varchar[]), CAST(:p AS varchar[])) AS k(w, p) ORDER BY w, p "
    "ON CONFLICT (product_id, warehouse_id) DO UPDATE SET updated_at = s.updated_at "
    "RETURNING s.warehouse_id, s.product_id, s.on_hand, s.reserved"
)
_LOCK = sa.text(
    "SELECT s.warehouse_id, s.product_id, s.on_hand, s.reserved FROM stock s "
    "JOIN unnest(CAST(:w AS varchar[]), CAST(:p AS varchar[])) AS k(w, p) "
    "ON s.warehouse_id = k.w AND s.product_id = k.p "
    "ORDER BY s.warehouse_id, s.product_id FOR UPDATE OF s"
)
# One round trip: update the levels and write the ledger rows; answers how many rows changed.
_UPDATE_AND_LEDGER = sa.text(
    "WITH u AS (UPDATE stock s SET on_hand = s.on_hand + d.oh, reserved = s.reserved + d.r, updated_at = now() "
    "FROM unnest(CAST(:w AS varchar[]), CAST(:p AS varchar[]), CAST(:oh AS int[]), CAST(:r AS int[])) "
    "AS d(w, p, oh, r) WHERE s.warehouse_id = d.w AND s.product_id = d.p RETURNING 1), "
    "l AS (INSERT INTO stock_ledger (product_id, warehouse_id, kind, on_hand_delta, reserved_delta, ref_type, "
    "ref_id, actor_id, note) SELECT p, w, k, oh, r, :ref_type, :ref_id, :actor_id, :note FROM "
    "unnest(CAST(:mp AS varchar[]), CAST(:mw AS varchar[]), CAST(:mk AS varchar[]), CAST(:moh AS int[]), "
    "CAST(:mr AS int[])) WITH ORDINALITY AS m(p, w, k, oh, r, o) ORDER BY o) "
    "SELECT count(*) FROM u"
)
_TOTALS = sa.text(
    "SELECT p.id, p.sku, p.name, p.safety_stock, COALESCE(sum(s.on_hand - s.reserved), 0) AS total "
    "FROM products p LEFT JOIN stock s ON s.product_id = p.id "
    "WHERE p.id = ANY(CAST(:p AS varchar[])) GROUP BY p.id, p.sku, p.name, p.safety_stock"
)


def _split(keys: Iterable[Key]) -> dict[str, list[str]]:
    ordered = lock_order(keys)
    return {"w": [k[0] for k in ordered], "p": [k[1] for k in ordered]}


def lock_levels(conn: Connection, keys: Iterable[Key], *, create: bool = False) -> dict[Key, Level]:
    """Lock the rows (in (warehouse, product) order) and read them. Without create, pairs
    without a row are absent (a zero level); with create, zero rows are made for them."""
    args = _split(keys)
    if not args["w"]:
        return {}
    rows = conn.execute(_UPSERT_LOCK if create else _LOCK, args).all()
    return {(r.warehouse_id, r.product_id): Level(r.on_hand, r.reserved) for r in rows}


def write_movements(
    conn: Connection,
    levels: Mapping[Key, Level],
    movements: list[Movement],
    *,
    ref_type: str,
    ref_id: str,
    actor_id: str | None = None,
    note: str | None = None,
) -> dict[Key, Level]:
    """Apply movements to locked levels (StockError when a rule would break), update the
    rows and write one ledger row per movement. Returns the new levels of touched keys."""
    movements = [m for m in movements if m.on_hand_delta or m.reserved_delta]
    if not movements:
        return {}
    new = apply_movements(levels, movements)
    deltas: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for m in movements:
        deltas[m.key][0] += m.on_hand_delta
        deltas[m.key][1] += m.reserved_delta
    if any(key not in levels for key in deltas):
        missing = sorted(pid for (_w, pid) in deltas if (_w, pid) not in levels)
        raise StockError("no stock row for these products in this warehouse", "insufficient_stock",
                         {pid: {"available": 0} for pid in missing})
    keys = lock_order(deltas)
    changed = conn.execute(_UPDATE_AND_LEDGER, {
        "w": [k[0] for k in keys], "p": [k[1] for k in keys],
        "oh": [deltas[k][0] for k in keys], "r": [deltas[k][1] for k in keys],
        "mp": [m.product_id for m in movements], "mw": [m.warehouse_id for m in movements],
        "mk": [m.kind for m in movements], "moh": [m.on_hand_delta for m in movements],
        "mr": [m.reserved_delta for m in movements],
        "ref_type": ref_type, "ref_id": ref_id, "actor_id": actor_id, "note": note,
    }).scalar_one()
    if changed != len(keys):
        raise RuntimeError("stock rows vanished while locked")
    return {k: new[k] for k in keys}


def publish_levels(conn: Connection, emit: Emitter, before: Mapping[Key, Level], after: Mapping[Key, Level],
                   extra: list[dict[str, Any]] | None = None) -> None:
    """inventory.stock.changed for each touched (product, warehouse), with the product's
    availability across warehouses, and inventory.stock.low when that falls below safety
    stock; written in one batch with any extra events of the same change.

    The per-product event sequence is taken first: it locks the product's sequence row, so
    two writers touching one product in different warehouses publish one after the other,
    and the second reads the first's committed levels for total_available."""
    extra = list(extra or [])
    if not after:
        emit.emit_many(extra)
        return
    product_ids = sorted({pid for (_w, pid) in after})
    counts = Counter(("stock", pid) for (_w, pid) in after)
    counts.update((e["aggregate_type"], str(e["aggregate_id"])) for e in extra)
    first_seq = emit.allocate(counts)
    totals = {r.id: r for r in conn.execute(_TOTALS, {"p": product_ids})}
    change: dict[str, int] = defaultdict(int)
    for key, level in after.items():
        change[key[1]] += level.available - before.get(key, Level()).available
    items: list[dict[str, Any]] = []
    for wid, pid in sorted(after, key=lambda k: (k[1], k[0])):
        level = after[(wid, pid)]
        total = int(totals[pid].total) if pid in totals else level.available
        items.append({"event_type": "inventory.stock.changed", "aggregate_type": "stock", "aggregate_id": pid,
                      "data": {"product_id": pid, "warehouse_id": wid, "on_hand": level.on_hand,
                               "reserved": level.reserved, "available": level.available,
                               "total_available": total}})
    items.extend(extra)
    for pid in product_ids:
        row = totals.get(pid)
        if row is not None and crossed_below(row.safety_stock, int(row.total) - change[pid], int(row.total)):
            items.append({"event_type": "inventory.stock.low", "aggregate_type": "stock_alert", "aggregate_id": pid,
                          "data": {"product_id": pid, "sku": row.sku, "name": row.name,
                                   "available": int(row.total), "safety_stock": row.safety_stock}})
    emit.emit_many(items, first_seq)


def move_stock(
    conn: Connection,
    emit: Emitter,
    movements: list[Movement],
    *,
    ref_type: str,
    ref_id: str,
    actor_id: str | None = None,
    note: str | None = None,
    create_rows: bool = False,
) -> dict[Key, Level]:
    """Lock, apply, ledger and publish in one call (the caller owns the transaction)."""
    before = lock_levels(conn, [m.key for m in movements], create=create_rows)
    after = write_movements(conn, before, movements, ref_type=ref_type, ref_id=ref_id, actor_id=actor_id, note=note)
    publish_levels(conn, emit, before, after)
    return after
