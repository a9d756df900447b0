"""Undoing a product import as one step, all or nothing, in the caller's transaction.

The products the import created are removed: deleted here (so their SKUs are free again for a
corrected file) and announced by inventory.product.removed with their last snapshot and
`active: false` — sales and the customer service keep their copy as inactive, so the product
can no longer be quoted or ordered, and anything that kept its id still reads its name. The
products it changed get the values they had before, through catalog.update_product (so the
usual inventory.product.updated event).

Nothing is done when a product it would touch is in use (`blockers`, domain USE_REASONS): a
created product with stock moved, reserved by an order, on a purchase order or with a supplier
price, or a changed product changed again after the import. The caller answers 409 with the
products and reasons. Inventory cannot see quotes (sales' quote events carry no lines): a
created product that is only on a draft quote is removed, and that quote can then no longer be
ordered (sales refuses an inactive product with its usual error)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.inventory import catalog
from services.inventory.domain.importing import restored, undo_refusal
from services.inventory.models import product_import_changes, products
from shared.errors import Conflict
from shared.outbox import Emitter, NewEvent

# (sku, reason) of every product the undo would touch that blocks it
_BLOCKERS = sa.text("""
SELECT p.sku, u.why FROM product_import_changes c JOIN products p ON p.id = c.product_id
CROSS JOIN LATERAL (
    SELECT 'stock' AS why WHERE c.action = 'created' AND (
        EXISTS (SELECT 1 FROM stock_ledger l WHERE l.product_id = c.product_id)
        OR EXISTS (SELECT 1 FROM stock s WHERE s.product_id = c.product_id AND (s.on_hand <> 0 OR s.reserved <> 0)))
    UNION ALL SELECT 'order' WHERE c.action = 'created'
        AND EXISTS (SELECT 1 FROM reservation_lines r WHERE r.product_id = c.product_id)
    UNION ALL SELECT 'purchase' WHERE c.action = 'created'
        AND EXISTS (SELECT 1 FROM purchase_order_lines o WHERE o.product_id = c.product_id)
    UNION ALL SELECT 'supplier_price' WHERE c.action = 'created'
        AND EXISTS (SELECT 1 FROM supplier_prices s WHERE s.product_id = c.product_id)
    UNION ALL SELECT 'changed' WHERE c.action = 'updated' AND CAST(:finished AS timestamptz) IS NOT NULL
        AND p.updated_at > CAST(:finished AS timestamptz)
) AS u
WHERE c.job_id = :job
""")

_LOCK = sa.text("""
SELECT p.id FROM products p JOIN product_import_changes c ON c.product_id = p.id
WHERE c.job_id = :job ORDER BY p.id FOR UPDATE OF p
""")


class UndoRefused(Exception):
    def __init__(self, message: str, products: list[dict[str, str]]):
        super().__init__(message)
        self.message, self.products = message, products


def blockers(conn: Connection, job_id: str, finished_at: datetime | None) -> list[tuple[str, str]]:
    return [(r.sku, r.why) for r in conn.execute(_BLOCKERS, {"job": job_id, "finished": finished_at})]


def check_undo(conn: Connection, job_id: str, finished_at: datetime | None) -> None:
    """UndoRefused when something blocks the undo of the import."""
    refused = undo_refusal(blockers(conn, job_id, finished_at))
    if refused:
        raise UndoRefused(*refused)


def undo_import(conn: Connection, emit: Emitter, job_id: str, finished_at: datetime | None) -> int:
    """Remove what the import created and restore what it changed; the number of products
    undone. UndoRefused (nothing done) when something blocks it."""
    conn.execute(_LOCK, {"job": job_id})  # one lock order (by id) with every other product writer
    check_undo(conn, job_id, finished_at)
    changes = conn.execute(sa.select(product_import_changes).where(product_import_changes.c.job_id == job_id)
                           .order_by(product_import_changes.c.product_id)).all()
    created = [c.product_id for c in changes if c.action == "created"]
    undone = 0
    if created:
        conn.execute(sa.text("DELETE FROM stock WHERE product_id = ANY(:ids)"), {"ids": created})
        conn.execute(sa.text("DELETE FROM product_stock WHERE product_id = ANY(:ids)"), {"ids": created})
        removed = conn.execute(products.delete().where(products.c.id.in_(created)).returning(*products.c)).all()
        emit.many([NewEvent("inventory.product.removed", "product", r.id, {**catalog.snapshot(r), "active": False})
                   for r in removed])
        undone += len(removed)
    for change in changes:
        if change.action != "updated":
            continue
        try:
            savepoint = conn.begin_nested()
            catalog.update_product(conn, emit, change.product_id, restored(change.prior or {}), may_set_prices=True)
            savepoint.commit()
        except Conflict as exc:
            savepoint.rollback()
            sku = conn.execute(sa.select(products.c.sku).where(products.c.id == change.product_id)).scalar() or "?"
            raise UndoRefused(f"the import cannot be undone: {sku} cannot get its prior values back ({exc}); "
                              "nothing was undone", [{"sku": sku, "code": "conflict", "reason": str(exc)}]) from None
        undone += 1
    return undone

