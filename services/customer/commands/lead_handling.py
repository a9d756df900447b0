"""Working a lead before it is a customer (issue 16): assign it to another rep (the new owner
is notified by tracking from customer.lead.assigned; who sees the lead follows its owner, as
every lead's visibility does), log calls, visits and notes on it, and carry those activities
over to the customer the lead becomes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection, Row

from services.customer.api.common import aware
from services.customer.commands.leads import lead_snapshot, visible_lead
from services.customer.lead_activities import activity_data
from services.customer.models import activities, leads
from shared.errors import Conflict
from shared.identity import Principal
from shared.outbox import EventContext
from shared.service import ServiceContext
from shared.visibility import require_assignable_owner


def _open(lead: Row) -> None:
    if lead.status == "converted":
        raise Conflict("the lead was converted; work on its customer instead", code="lead_already_converted",
                       details={"customer_id": lead.customer_id})


def assign_lead(ctx: ServiceContext, events: EventContext, p: Principal, lead_id: str, owner_id: str) -> Row:
    """The lead to owner_id: by whoever sees it (its owner, a manager above, an admin), to a
    user they may assign to (the shared rule: yourself, a manager their team, an admin anyone;
    403 otherwise, 422 unknown/inactive). Nothing changes when owner_id owns it already."""
    with ctx.transaction(events) as (conn, emit):
        lead = visible_lead(conn, p, lead_id, for_update=True)
        _open(lead)
        owner_id = require_assignable_owner(conn, p, owner_id)
        if owner_id == lead.owner_id:
            return lead
        row = conn.execute(leads.update().where(leads.c.id == lead.id).values(owner_id=owner_id)
                           .returning(*leads.c)).one()
        emit("customer.lead.assigned", aggregate_type="lead", aggregate_id=row.id,
             data={**lead_snapshot(row), "previous_owner_id": lead.owner_id})
    return row


def log_lead_activity(ctx: ServiceContext, events: EventContext, p: Principal, lead_id: str,
                      body: Mapping[str, Any]) -> Row:
    """A call, visit, email, meeting or note on a lead the caller sees (404 otherwise; 409 once
    converted: the customer has it); customer.lead_activity.logged."""
    with ctx.transaction(events) as (conn, emit):
        lead = visible_lead(conn, p, lead_id)
        _open(lead)
        occurred = aware(body["occurred_at"]) if body.get("occurred_at") else dt.datetime.now(dt.UTC)
        row = conn.execute(activities.insert().values(
            id=str(uuid.uuid4()), customer_id=None, lead_id=lead.id, contact_id=None, kind=body["kind"],
            summary=body["summary"].strip(), occurred_at=occurred, author_id=p.user_id,
        ).returning(*activities.c)).one()
        data = activity_data(row)
        emit("customer.lead_activity.logged", aggregate_type="activity", aggregate_id=row.id,
             data={k: data[k] for k in ("id", "lead_id", "kind", "summary", "occurred_at", "author_id")}
             | {"lead_name": lead.name})
    return row


def lead_of_activity(conn: Connection, p: Principal, row: Row) -> Row:
    """The lead a lead-only activity belongs to, when the caller sees it (404 otherwise)."""
    return visible_lead(conn, p, row.lead_id)


def no_customer_yet() -> Conflict:
    return Conflict("comments are for activities of customers; this one is a lead's", code="lead_activity")

