"""Billing's part of a merge of duplicate customers (shared.merges): its order copies,
invoices, payments, prepayment allocations and expenses move to the kept customer, and back
on undo (with them what was issued or paid since on an order that goes back); the running
receivables of both customers are recomputed from those rows afterwards. A duplicate's
opening balance stays with the tombstone (one per customer: the survivor may have its own)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.consumer import HandlerTable
from shared.merges import Moved, merge_handlers

TABLES = (
    Moved("orders"),
    Moved("invoices", follows=("orders", "order_id")),
    Moved("payments", follows=("orders", "order_id")),
    Moved("prepayment_allocations", follows=("orders", "order_id")),
    Moved("expenses"),
    Moved("projects"),  # billing's copy of sales' projects (expenses name them)
    Moved("acl_grants", id_column="record_id"),
)

# receivables (services/billing/domain/receivables.py): invoiced = non-void invoices; paid =
# confirmed payments on orders + allocations; prepaid = confirmed payments without an order;
# allocated = allocations; opening = the opening balance
_RECOMPUTE = sa.text("""
INSERT INTO receivables (customer_id, opening, invoiced, paid, prepaid, allocated, updated_at)
SELECT c.id,
  COALESCE((SELECT amount FROM opening_balances WHERE customer_id = c.id), 0),
  COALESCE((SELECT sum(amount) FROM invoices WHERE customer_id = c.id AND status <> 'void'), 0),
  COALESCE((SELECT sum(amount_cny) FROM payments WHERE customer_id = c.id AND status = 'confirmed'
            AND order_id IS NOT NULL), 0)
    + COALESCE((SELECT sum(amount_cny) FROM prepayment_allocations WHERE customer_id = c.id), 0),
  COALESCE((SELECT sum(amount_cny) FROM payments WHERE customer_id = c.id AND status = 'confirmed'
            AND order_id IS NULL), 0),
  COALESCE((SELECT sum(amount_cny) FROM prepayment_allocations WHERE customer_id = c.id), 0),
  now()
FROM unnest(CAST(:ids AS varchar[])) AS c(id)
ON CONFLICT (customer_id) DO UPDATE SET opening = EXCLUDED.opening, invoiced = EXCLUDED.invoiced,
  paid = EXCLUDED.paid, prepaid = EXCLUDED.prepaid, allocated = EXCLUDED.allocated, updated_at = now()
""")


def recompute_receivables(conn: Connection, duplicate_id: str, survivor_id: str) -> None:
    ids = sorted({duplicate_id, survivor_id})
    conn.execute(sa.text("SELECT 1 FROM receivables WHERE customer_id = ANY(:ids) ORDER BY customer_id FOR UPDATE"),
                 {"ids": ids})
    conn.execute(_RECOMPUTE, {"ids": ids})


def billing_merge_handlers() -> HandlerTable:
    return merge_handlers("billing", TABLES, after=recompute_receivables)
