"""Sales targets in SQL and their commands: set (insert or change) and remove a rep's target
for a month. Each writes its event to the outbox in the caller's transaction
(sales.target.set / sales.target.removed: tracking's attainment report)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from services.sales.models import sales_targets
from services.sales.orders_store import Emit
from shared.money import fmt


def view(row: Any) -> dict[str, Any]:
    """The API's target (and what its events carry)."""
    return {"owner_id": row.owner_id, "month": row.month, "amount": fmt(row.amount), "set_by": row.set_by,
            "updated_at": row.updated_at.isoformat()}


def _publish(emit: Emit, event_type: str, data: dict[str, Any]) -> None:
    emit(event_type, aggregate_type="sales_target", aggregate_id=f"{data['owner_id']}:{data['month']}", data=data)


def set_target(conn: Connection, emit: Emit, *, owner_id: str, month: str, amount: Decimal,
               set_by: str) -> dict[str, Any]:
    """The rep's target for the month, new or changed (sales.target.set)."""
    values = {"owner_id": owner_id, "month": month, "amount": amount, "set_by": set_by,
              "updated_at": datetime.now(UTC)}
    stmt = pg_insert(sales_targets).values(**values)
    row = conn.execute(
        stmt.on_conflict_do_update(index_elements=["owner_id", "month"],
                                   set_={"amount": stmt.excluded.amount, "set_by": stmt.excluded.set_by,
                                         "updated_at": stmt.excluded.updated_at})
        .returning(*sales_targets.c)).one()
    answer = view(row)
    _publish(emit, "sales.target.set", answer)
    return answer


def remove_target(conn: Connection, emit: Emit, *, owner_id: str, month: str, removed_by: str) -> bool:
    """False when there was none; sales.target.removed otherwise."""
    gone = conn.execute(sa.delete(sales_targets).where(sales_targets.c.owner_id == owner_id,
                                                       sales_targets.c.month == month)
                        .returning(sales_targets.c.owner_id)).first()
    if gone is None:
        return False
    _publish(emit, "sales.target.removed", {"owner_id": owner_id, "month": month, "set_by": removed_by})
    return True


def owner_role(conn: Connection, owner_id: str) -> str | None:
    """The role of an active user in the local copy (None: unknown or deactivated)."""
    return conn.execute(sa.text("SELECT role FROM acl_users WHERE id = :id AND active"), {"id": owner_id}).scalar()
