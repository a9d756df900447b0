"""Opening-balance imports (issue 17): a file of customers' opening receivables, done within
the request (at most domain.opening_import.MAX_ROWS rows: a company has one opening balance
per customer, entered once), and its undo.

The import is one transaction: every valid row written by commands.balances.
write_opening_balance (the command behind POST /opening-balances: the same
billing.opening_balance.recorded event, the same receivables sums), the failed rows kept with
their cells for the error file, the import's record. A row's customer is found by its
normalised name among the live customers billing knows and the caller sees (acl_customers,
the copy the opening-balance form's name search reads; deleted ones left out).

The undo is one transaction too: the import's opening balances deleted, taken off the
receivables and announced (billing.opening_balance.removed); refused (409 import_in_use,
nothing done) when a payment on an order or a credit allocation of one of those customers was
recorded after its opening balance — billing's ageing settles the opening balance first with
what is paid, so that money went (partly) against it. A prepayment still unallocated is credit,
not paid (domain/receivables.py), and does not block."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.billing.api.common import DOMAIN, FINANCE
from services.billing.commands.balances import remove_imported_balances, write_opening_balance
from services.billing.domain.opening_import import (
    MAX_ROWS,
    CustomerIndex,
    OpeningRow,
    RowError,
    check_row,
)
from services.billing.models import opening_balance_imports, opening_balances
from shared.errors import Conflict, NotFound
from shared.identity import Principal
from shared.import_mapping import open_file
from shared.outbox import EventContext
from shared.service import ServiceContext
from shared.tabular import ImportLimits
from shared.visibility import customer_filter
from shared.web import require_role

KIND = "opening-balances"
REQUIRED = ("customer_name", "amount")
MAX_STORED_ERRORS = 10000

_ACL = sa.table("acl_customers", sa.column("customer_id"), sa.column("name"), sa.column("status"))

# (customer, name, why) of each opening balance of the import that money went against since
_BLOCKERS = sa.text("""
SELECT o.customer_id, a.name, u.why FROM opening_balances o
LEFT JOIN acl_customers a ON a.customer_id = o.customer_id
CROSS JOIN LATERAL (
    SELECT 'payment' AS why WHERE EXISTS (
        SELECT 1 FROM payments p WHERE p.customer_id = o.customer_id AND p.order_id IS NOT NULL
          AND p.status <> 'rejected' AND p.created_at > o.created_at)
    UNION ALL SELECT 'allocation' WHERE EXISTS (
        SELECT 1 FROM prepayment_allocations l WHERE l.customer_id = o.customer_id AND l.created_at > o.created_at)
) AS u
WHERE o.import_id = :job
ORDER BY a.name, o.customer_id
""")


def run_import(ctx: ServiceContext, events: EventContext, p: Principal, filename: str, content: bytes,
               mapping: Any, limits: ImportLimits) -> str:
    """The file imported (finance, admin): the import's id. MappingProblem for a bad mapping,
    TableError for an unreadable file or one past the caps (nothing is written then)."""
    require_role(FINANCE, "import opening balances", who=p)
    limits = replace(limits, max_rows=min(limits.max_rows, MAX_ROWS))
    opened = open_file(content, filename, limits, kind=KIND, mapping=mapping, required=REQUIRED)
    rows = list(opened.rows)  # TableTooLarge past the cap, before anything is written
    import_id = str(uuid.uuid4())
    errors: list[dict[str, Any]] = []
    created = 0
    with ctx.transaction(events) as (conn, emit):
        index = _customer_index(conn, p)
        for number, cells in rows:
            checked = check_row(opened.plan.values(cells))
            if isinstance(checked, OpeningRow):
                claimed = index.claim(checked.customer_name, number)
                if isinstance(claimed, str):
                    row = write_opening_balance(conn, emit, claimed, checked.amount, checked.as_of, checked.note,
                                                created_by=p.user_id, import_id=import_id)
                    if row is not None:
                        created += 1
                        continue
                    claimed = RowError(f"{checked.customer_name} has an opening balance already", "customer_name",
                                       "has_opening_balance", checked.customer_name)
                checked = claimed
            errors.append({**checked.as_dict(number), "cells": cells})
        conn.execute(opening_balance_imports.insert().values(
            id=import_id, status="done", filename=filename, header=opened.header, total=len(rows),
            processed=len(rows), created=created, error_count=len(errors), errors=errors[:MAX_STORED_ERRORS],
            created_by=p.user_id, finished_at=sa.func.now()))
    return import_id


def _customer_index(conn: Connection, p: Principal) -> CustomerIndex:
    visible = customer_filter(conn, p, _ACL.c.customer_id, DOMAIN)
    # a deleted customer (a merged-away duplicate's tombstone too) is never matched: it would
    # take the name of the live one it was merged into
    customers = conn.execute(sa.select(_ACL.c.customer_id, _ACL.c.name)
                             .where(visible, _ACL.c.status != "deleted")).all()
    with_balance = conn.execute(sa.select(opening_balances.c.customer_id)).scalars()
    return CustomerIndex(((c.customer_id, c.name) for c in customers), with_balance)


def import_visible(p: Principal) -> sa.ColumnElement[bool]:
    """The imports the caller may read: finance and admin all, others their own (none)."""
    return sa.true() if p.role in FINANCE else opening_balance_imports.c.created_by == p.user_id


def undo_import(ctx: ServiceContext, events: EventContext, p: Principal, import_id: str) -> Row:
    """The import's opening balances removed (finance, admin): the import's record after it.
    404 for an import the caller cannot see, 409 import_not_undoable when it is not done,
    409 import_in_use (details.customers [{customer_id, name, code, reason}]) when money was
    recorded against one of its balances since."""
    with ctx.transaction(events) as (conn, emit):
        job = conn.execute(sa.select(opening_balance_imports)
                           .where(opening_balance_imports.c.id == import_id, import_visible(p))
                           .with_for_update()).first()
        if job is None:
            raise NotFound("import not found")
        require_role(FINANCE, "undo an import", who=p)
        if job.status != "done":
            raise Conflict(f"the import is {job.status}: only a finished import can be undone",
                           code="import_not_undoable", details={"status": job.status})
        conn.execute(sa.select(opening_balances.c.customer_id).where(opening_balances.c.import_id == import_id)
                     .order_by(opening_balances.c.customer_id).with_for_update())
        blockers = conn.execute(_BLOCKERS, {"job": import_id}).all()
        if blockers:
            raise Conflict(
                "the import cannot be undone: money was recorded against some of its opening balances since "
                "(a payment or a credit allocation of the customer); nothing was undone",
                code="import_in_use",
                details={"customers": [{"customer_id": b.customer_id, "name": b.name, "code": b.why,
                                        "reason": REASONS[b.why]} for b in blockers]})
        removed = remove_imported_balances(conn, emit, import_id)
        return conn.execute(opening_balance_imports.update().where(opening_balance_imports.c.id == import_id)
                            .values(status="undone", undone=len(removed), undone_at=sa.func.now())
                            .returning(*opening_balance_imports.c)).one()


REASONS = {"payment": "a payment of the customer was recorded after the opening balance",
           "allocation": "credit of the customer was allocated after the opening balance"}
