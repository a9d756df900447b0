"""rm_customer_ledger: per customer, what was invoiced (issued invoices) and paid (payments
in CNY), with the customer's owner and region: the receivables reports read these thousands
of rows instead of summing every invoice and payment and joining a million customers.

Kept exactly equal to the detail rows: every handler that changes an invoice, a payment or a
customer recomputes the touched customers' rows from rm_invoices / rm_payments / rm_customers
in the same transaction (recompute, not increment: duplicates, redeliveries and any order of
arrival leave the same row). A transaction-scoped advisory lock per customer, taken before the
sums are read, keeps two consumers from writing sums that miss each other's rows."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_LOCK = sa.text("SELECT pg_advisory_xact_lock(hashtext('rm_customer_ledger'), hashtext(c)) "
                "FROM unnest(CAST(:ids AS varchar[])) AS c ORDER BY c")

# the touched customers' rows from the details: none when nothing was invoiced or paid
_RECOMPUTE = sa.text("""
WITH ids AS (SELECT DISTINCT unnest(CAST(:ids AS varchar[])) AS customer_id),
v AS (
    SELECT ids.customer_id, c.owner_id, c.region,
           (SELECT sum(i.amount) FROM rm_invoices i WHERE i.customer_id = ids.customer_id AND i.status <> 'void')
               AS invoiced,
           (SELECT count(*) FROM rm_invoices i WHERE i.customer_id = ids.customer_id AND i.status <> 'void'
                AND i.amount < 0) AS negative_invoices,
           (SELECT sum(p.amount_cny) FROM rm_payments p WHERE p.customer_id = ids.customer_id) AS paid
    FROM ids LEFT JOIN rm_customers c ON c.customer_id = ids.customer_id
),
gone AS (DELETE FROM rm_customer_ledger l USING v
         WHERE l.customer_id = v.customer_id AND v.invoiced IS NULL AND v.paid IS NULL)
INSERT INTO rm_customer_ledger (customer_id, owner_id, region, invoiced, paid, negative_invoices)
SELECT customer_id, owner_id, region, invoiced, paid, negative_invoices FROM v
WHERE invoiced IS NOT NULL OR paid IS NOT NULL
ON CONFLICT (customer_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, region = EXCLUDED.region,
    invoiced = EXCLUDED.invoiced, paid = EXCLUDED.paid, negative_invoices = EXCLUDED.negative_invoices
""")

# every customer's row from the details (migration, benchmarks; a rebuild replays the handlers)
FROM_DETAILS = """
INSERT INTO rm_customer_ledger (customer_id, owner_id, region, invoiced, paid, negative_invoices)
SELECT a.customer_id, c.owner_id, c.region, a.invoiced, a.paid, a.negative_invoices
FROM (SELECT customer_id, sum(invoiced) AS invoiced, sum(paid) AS paid,
             count(*) FILTER (WHERE invoiced < 0) AS negative_invoices
      FROM (SELECT customer_id, amount AS invoiced, CAST(NULL AS numeric) AS paid FROM rm_invoices
            WHERE status <> 'void'
            UNION ALL SELECT customer_id, NULL, amount_cny FROM rm_payments) x
      GROUP BY customer_id) a
LEFT JOIN rm_customers c ON c.customer_id = a.customer_id
"""


def refresh(conn: Connection, customer_ids: Iterable[str | None]) -> None:
    """Recompute the ledger rows of these customers from the detail rows (this transaction)."""
    ids = sorted({c for c in customer_ids if c})
    if not ids:
        return
    conn.execute(_LOCK, {"ids": ids})
    conn.execute(_RECOMPUTE, {"ids": ids})


def refresh_all(conn: Connection) -> None:
    conn.execute(sa.text("DELETE FROM rm_customer_ledger"))
    conn.execute(sa.text(FROM_DETAILS))
