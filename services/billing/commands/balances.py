"""Opening balance commands: a customer's opening receivable, once per customer, recorded by
hand (POST /opening-balances) or by an import (services/billing/opening_import.py), and
removed when that import is undone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Row

from services.billing import store
from services.billing.api.common import FINANCE, check_customer
from services.billing.models import opening_balances
from shared.errors import Conflict
from shared.identity import Principal
from shared.money import fmt
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext
from shared.web import require_role


def record_opening_balance(ctx: ServiceContext, events: EventContext, p: Principal,
                           body: Mapping[str, Any]) -> Row:
    """Record it (finance, admin) into the customer's running sums;
    billing.opening_balance.recorded; 409 duplicate_opening_balance for a second one."""
    require_role(FINANCE, "record opening balances", who=p)
    with ctx.transaction(events) as (conn, emit):
        check_customer(conn, p, body["customer_id"])
        row = write_opening_balance(conn, emit, body["customer_id"], body["amount"], body["as_of"], body["note"],
                                    created_by=p.user_id)
        if row is None:
            raise Conflict("the customer has an opening balance already", code="duplicate_opening_balance",
                           details={"customer_id": body["customer_id"]})
    return row


def write_opening_balance(conn: Connection, emit: Emitter, customer_id: str, amount: Decimal, as_of: date | None,
                          note: str | None, *, created_by: str | None, import_id: str | None = None) -> Row | None:
    """The opening balance written in the caller's transaction (the customer checked by the
    caller), added to the receivables, billing.opening_balance.recorded; None when the
    customer has one already (nothing written)."""
    row = conn.execute(
        pg_insert(opening_balances)
        .values(customer_id=customer_id, amount=amount, as_of=as_of or datetime.now(UTC).date(), note=note,
                created_by=created_by, import_id=import_id)
        .on_conflict_do_nothing().returning(*opening_balances.c)
    ).first()
    if row is None:
        return None
    store.add_to_receivables(conn, row.customer_id, opening=row.amount)
    emit("billing.opening_balance.recorded", aggregate_type="opening_balance", aggregate_id=row.customer_id,
         data={"customer_id": row.customer_id, "amount": fmt(row.amount),
               "as_of": row.as_of.isoformat(), "note": row.note},
         customer_id=row.customer_id)
    return row


def remove_imported_balances(conn: Connection, emit: Emitter, import_id: str) -> list[Row]:
    """The import's opening balances deleted in the caller's transaction, taken off the
    receivables, each announced by billing.opening_balance.removed."""
    removed = conn.execute(opening_balances.delete().where(opening_balances.c.import_id == import_id)
                           .returning(*opening_balances.c)).all()
    for row in removed:
        store.add_to_receivables(conn, row.customer_id, opening=-row.amount)
        emit("billing.opening_balance.removed", aggregate_type="opening_balance", aggregate_id=row.customer_id,
             data={"customer_id": row.customer_id, "amount": fmt(row.amount), "as_of": row.as_of.isoformat(),
                   "note": row.note, "import_id": import_id},
             customer_id=row.customer_id)
    return removed
