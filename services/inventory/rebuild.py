"""Explain and rebuild stock levels from the ledger.

    python -m services.inventory stock-check      # report levels that differ from their ledger
    python -m services.inventory stock-rebuild    # set those levels to their ledger sums

Every change to a level is a ledger row, so on_hand and reserved of each (product,
warehouse) equal the sums of on_hand_delta and reserved_delta of its rows, and each
product's availability (product_stock) equals the sum of its levels' available. A
difference means a level was written outside the service; stock-rebuild rewrites levels and
totals in one transaction (tables locked against writers); it never touches the ledger.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.db import make_engine

_DIFFS = sa.text(
    "SELECT COALESCE(s.product_id, l.product_id) AS product_id, COALESCE(s.warehouse_id, l.warehouse_id) "
    "AS warehouse_id, s.on_hand, s.reserved, COALESCE(l.oh, 0) AS ledger_on_hand, COALESCE(l.r, 0) AS ledger_reserved "
    "FROM stock s FULL JOIN (SELECT product_id, warehouse_id, sum(on_hand_delta) AS oh, sum(reserved_delta) AS r "
    "FROM stock_ledger GROUP BY product_id, warehouse_id) l "
    "ON l.product_id = s.product_id AND l.warehouse_id = s.warehouse_id "
    "WHERE s.product_id IS NULL OR s.on_hand <> COALESCE(l.oh, 0) OR s.reserved <> COALESCE(l.r, 0) "
    "ORDER BY 2, 1"
)


_TOTAL_DIFFS = sa.text(
    "SELECT p.id AS product_id, ps.available, COALESCE(s.available, 0) AS levels_available FROM products p "
    "LEFT JOIN product_stock ps ON ps.product_id = p.id "
    "LEFT JOIN (SELECT product_id, sum(on_hand - reserved) AS available FROM stock GROUP BY product_id) s "
    "ON s.product_id = p.id WHERE COALESCE(ps.available, 0) <> COALESCE(s.available, 0) ORDER BY p.id"
)


def differences(conn: Connection) -> list[dict]:
    """Levels that differ from the sums of their ledger rows."""
    return [dict(r._mapping) for r in conn.execute(_DIFFS)]


def total_differences(conn: Connection) -> list[dict]:
    """Products whose availability across warehouses differs from the sum of their levels."""
    return [dict(r._mapping) for r in conn.execute(_TOTAL_DIFFS)]


def rebuild(conn: Connection) -> int:
    """Set every differing level to its ledger sums, then every product's availability to
    the sum of its levels; returns how many rows were fixed."""
    conn.execute(sa.text("LOCK TABLE stock, product_stock IN SHARE ROW EXCLUSIVE MODE"))
    diffs = differences(conn)
    for d in diffs:
        conn.execute(sa.text(
            "INSERT INTO stock (product_id, warehouse_id, on_hand, reserved) VALUES (:p, :w, :oh, :r) "
            "ON CONFLICT (product_id, warehouse_id) DO UPDATE SET on_hand = EXCLUDED.on_hand, "
            "reserved = EXCLUDED.reserved, updated_at = now()"),
            {"p": d["product_id"], "w": d["warehouse_id"], "oh": d["ledger_on_hand"], "r": d["ledger_reserved"]})
    totals = total_differences(conn)
    for t in totals:
        conn.execute(sa.text(
            "INSERT INTO product_stock (product_id, available) VALUES (:p, :a) "
            "ON CONFLICT (product_id) DO UPDATE SET available = EXCLUDED.available"),
            {"p": t["product_id"], "a": t["levels_available"]})
    return len(diffs) + len(totals)


def run(database_url: str, *, fix: bool) -> int:
    """Report the differences (exit status 1 when there are any) or, with fix, rewrite the
    differing levels and totals from the ledger (the commands stock-check, stock-rebuild)."""
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.begin() as conn:
            if fix:
                print(f"levels rebuilt from the ledger: {rebuild(conn)}")
                return 0
            diffs = differences(conn)
            totals = total_differences(conn)
        for d in diffs:
            print(f"{d['product_id']} @ {d['warehouse_id']}: level {d['on_hand']}/{d['reserved']}, "
                  f"ledger {d['ledger_on_hand']}/{d['ledger_reserved']}")
        for t in totals:
            print(f"{t['product_id']}: available {t['available']}, levels say {t['levels_available']}")
        print(f"{len(diffs)} level(s) differ from the ledger, {len(totals)} product total(s) from the levels")
        return 1 if diffs or totals else 0
    finally:
        engine.dispose()
