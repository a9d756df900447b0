"""The activities a lead carries (issue 16): their event data, and their move to the customer
the lead becomes (called by the conversion, commands/leads.py, in its transaction)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from services.customer.models import activities
from shared.outbox import Emitter
from shared.web import iso


def activity_data(row: Any) -> dict[str, Any]:
    return {"id": row.id, "customer_id": row.customer_id, "contact_id": row.contact_id, "kind": row.kind,
            "summary": row.summary, "occurred_at": iso(row.occurred_at), "author_id": row.author_id,
            "lead_id": row.lead_id}


def carry_over_activities(conn: Connection, emit: Emitter, lead_id: str, customer_id: str,
                          contact_id: str | None) -> int:
    """At conversion, in its transaction: the lead's activities become the customer's (same
    ids, still listed on the lead, with the new contact), each announced as
    customer.activity.logged so that the customer's timeline shows them."""
    rows = conn.execute(
        activities.update().where(activities.c.lead_id == lead_id, activities.c.customer_id.is_(None))
        .values(customer_id=customer_id, contact_id=contact_id).returning(*activities.c)).all()
    for row in sorted(rows, key=lambda r: (r.occurred_at, r.id)):
        emit("customer.activity.logged", aggregate_type="activity", aggregate_id=row.id, customer_id=customer_id,
             data=activity_data(row))
    return len(rows)
