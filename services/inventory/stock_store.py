"""Stock levels in the database: lock rows in the one global order, apply movements with
their ledger rows, and publish the changed levels (inventory.stock.changed / .low).

Every writer (saga handlers and HTTP writes) goes through write_movements(), so a level is
always the sum of its ledger rows. A change costs two round trips after the lock: the
write (levels, ledger, product availability, the caller's own rows, event sequence
numbers) and the outbox insert."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
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
from shared.outbox import SEQUENCES_CTE, Emitter, NewEvent, first_seqs

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
# One round trip for a change: update the levels, write the ledger rows, run the caller's
# own writes (extra CTEs, e.g. the reservation's status and lines) and take the event
# sequence numbers (locking each aggregate's sequence row, in sorted order).
_WRITE = (
    "WITH u AS (UPDATE stock s SET on_hand = s.on_hand + d.oh, reserved = s.reserved + d.r, updated_at = now() "
    "FROM unnest(CAST(:w AS varchar[]), CAST(:p AS varchar[]), CAST(:oh AS int[]), CAST(:r AS int[])) "
    "AS d(w, p, oh, r) WHERE s.warehouse_id = d.w AND s.product_id = d.p RETURNING 1), "
    "l AS (INSERT INTO stock_ledger (product_id, warehouse_id, kind, on_hand_delta, reserved_delta, ref_type, "
    "ref_id, actor_id, note) SELECT p, w, k, oh, r, :ref_type, :ref_id, :actor_id, :note FROM "
    "unnest(CAST(:mp AS varchar[]), CAST(:mw AS varchar[]), CAST(:mk AS varchar[]), CAST(:moh AS int[]), "
    "CAST(:mr AS int[])) WITH ORDINALITY AS m(p, w, k, oh, r, o) ORDER BY o), "
    "{extra}"
    "t AS (INSERT INTO product_stock AS ps (product_id, available) "
    "SELECT p, d FROM unnest(CAST(:tp AS varchar[]), CAST(:td AS int[])) AS x(p, d) ORDER BY p "
    "ON CONFLICT (product_id) DO UPDATE SET available = ps.available + EXCLUDED.available "
    "RETURNING ps.product_id, ps.available), "
    + SEQUENCES_CTE + " "  # shared.outbox: the events' sequence numbers
    "SELECT (SELECT count(*) FROM u) AS changed, "
    "(SELECT json_agg(json_build_array(aggregate_type, aggregate_id, seq)) FROM q) AS seqs, "
    "(SELECT json_agg(json_build_array(t.product_id, t.available, p.safety_stock, p.sku, p.name)) "
    "FROM t JOIN products p ON p.id = t.product_id) AS totals"
)
@lru_cache(maxsize=32)
def _write_statement(extra_sql: str) -> sa.TextClause:
    return sa.text(_WRITE.format(extra=extra_sql))


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
    emit: Emitter,
    levels: Mapping[Key, Level],
    movements: list[Movement],
    *,
    ref_type: str,
    ref_id: str,
    actor_id: str | None = None,
    note: str | None = None,
    extra_events: list[NewEvent] | None = None,
    extra_sql: str = "",
    extra_params: dict[str, Any] | None = None,
    changed_extra: dict[str, Any] | None = None,
) -> dict[Key, Level]:
    """Apply movements to locked levels (StockError when a rule would break): update the
    rows, write one ledger row per movement, run extra_sql (CTEs "name AS (...), " over
    extra_params), and publish inventory.stock.changed per touched (product, warehouse)
    (.low when a product falls below safety stock; changed_extra added to each stock.changed)
    plus extra_events. Three round trips. Returns the new levels of the touched keys."""
    movements = [m for m in movements if m.on_hand_delta or m.reserved_delta]
    extra_events = list(extra_events or [])
    if not movements:
        if extra_sql:
            conn.execute(sa.text("WITH " + extra_sql + "z AS (SELECT 1) SELECT 1 FROM z"), extra_params or {})
        emit.many(extra_events)
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
    change: dict[str, int] = defaultdict(int)  # availability change per product
    for (_w, pid), (oh, r) in deltas.items():
        change[pid] += oh - r
    counts = Counter(("stock", pid) for (_w, pid) in keys)
    counts.update(e.key for e in extra_events)
    seq_keys = sorted(counts)
    row = conn.execute(_write_statement(extra_sql), {
        "w": [k[0] for k in keys], "p": [k[1] for k in keys],
        "oh": [deltas[k][0] for k in keys], "r": [deltas[k][1] for k in keys],
        "mp": [m.product_id for m in movements], "mw": [m.warehouse_id for m in movements],
        "mk": [m.kind for m in movements], "moh": [m.on_hand_delta for m in movements],
        "mr": [m.reserved_delta for m in movements],
        "ref_type": ref_type, "ref_id": ref_id, "actor_id": actor_id, "note": note,
        "tp": sorted(change), "td": [change[p] for p in sorted(change)],
        "st": [k[0] for k in seq_keys], "si": [k[1] for k in seq_keys], "sn": [counts[k] for k in seq_keys],
        **(extra_params or {}),
    }).one()
    if row.changed != len(keys):
        raise RuntimeError("stock rows vanished while locked")
    first_seq = first_seqs(row.seqs, counts)
    after = {k: new[k] for k in keys}
    totals = {pid: (int(avail), int(safety), sku, name) for pid, avail, safety, sku, name in row.totals}
    _publish(emit, after, change, totals, extra_events, first_seq, changed_extra or {})
    return after


def _publish(emit: Emitter, after: Mapping[Key, Level], change: Mapping[str, int],
             totals: Mapping[str, tuple[int, int, str, str]], extra: list[NewEvent],
             first_seq: dict[tuple[str, str], int], changed_extra: Mapping[str, Any]) -> None:
    """inventory.stock.changed for each touched (product, warehouse), with the product's
    availability across warehouses (its product_stock row, updated and so locked in the
    same statement: writers of one product publish in order, each total exact), and
    inventory.stock.low when that availability falls below safety stock."""
    items: list[NewEvent] = []
    for wid, pid in sorted(after, key=lambda k: (k[1], k[0])):
        level = after[(wid, pid)]
        items.append(NewEvent("inventory.stock.changed", "stock", pid, data={
            "product_id": pid, "warehouse_id": wid, "on_hand": level.on_hand, "reserved": level.reserved,
            "available": level.available, "total_available": totals[pid][0], **changed_extra}))
    items.extend(extra)
    for pid, (total, safety, sku, name) in sorted(totals.items()):
        if crossed_below(safety, total - change[pid], total):
            items.append(NewEvent("inventory.stock.low", "stock_alert", pid, data={
                "product_id": pid, "sku": sku, "name": name, "available": total, "safety_stock": safety}))
    emit.many(items, first_seq)


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
    return write_movements(conn, emit, before, movements, ref_type=ref_type, ref_id=ref_id, actor_id=actor_id,
                           note=note)
