"""Opening balance command: a customer's opening receivable, once per customer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row

from services.billing import store
from services.billing.api.common import FINANCE, check_customer
from services.billing.models import opening_balances
from shared.errors import Conflict
from shared.identity import Principal
from shared.money import fmt
from shared.outbox import EventContext
from shared.service import ServiceContext
from shared.web import require_role


def record_opening_balance(ctx: ServiceContext, events: EventContext, p: Principal,
                           body: Mapping[str, Any]) -> Row:
    """Record it (finance, admin) into the customer's running sums;
    billing.opening_balance.recorded; 409 duplicate_opening_balance for a second one."""
    require_role(FINANCE, "record opening balances", who=p)
    as_of = body["as_of"] or datetime.now(UTC).date()
    with ctx.transaction(events) as (conn, emit):
        check_customer(conn, p, body["customer_id"])
        row = conn.execute(
            pg_insert(opening_balances)
            .values(customer_id=body["customer_id"], amount=body["amount"], as_of=as_of, note=body["note"],
                    created_by=p.user_id)
            .on_conflict_do_nothing().returning(*opening_balances.c)
        ).first()
        if row is None:
            raise Conflict("the customer has an opening balance already", code="duplicate_opening_balance",
                           details={"customer_id": body["customer_id"]})
        store.add_to_receivables(conn, row.customer_id, opening=row.amount)
        emit("billing.opening_balance.recorded", aggregate_type="opening_balance", aggregate_id=row.customer_id,
             data={"customer_id": row.customer_id, "amount": fmt(row.amount),
                   "as_of": row.as_of.isoformat(), "note": row.note},
             customer_id=row.customer_id)
    return row
