"""Lead commands: create, change, and convert into a customer (new, or one the caller may
fill in) with a contact and optionally an opportunity id for sales."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.customer import store
from services.customer.access import require_customer_field
from services.customer.commands.contacts import insert_contact
from services.customer.domain.normalize import name_key, phone_key
from services.customer.lead_activities import carry_over_activities
from services.customer.models import customers, leads
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.identity import Principal
from shared.money import fmt
from shared.outbox import EventContext
from shared.service import ServiceContext
from shared.visibility import owner_filter


def lead_snapshot(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in ("id", "name", "company", "phone", "email", "source", "owner_id", "status")}


def visible_lead(conn: Connection, p: Principal, lead_id: str, *, for_update: bool = False) -> Row:
    """A lead the caller sees (owner filter; 404 otherwise)."""
    query = sa.select(leads).where(leads.c.id == lead_id, owner_filter(conn, p, leads.c.owner_id, "customer"))
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound("lead not found")
    return row


def create_lead(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any]) -> Row:
    with ctx.transaction(events) as (conn, emit):
        row = conn.execute(leads.insert().values(
            id=str(uuid.uuid4()), name=body["name"].strip(), company=body.get("company"), phone=body.get("phone"),
            email=body.get("email"), source=body.get("source"), owner_id=p.user_id, status="new",
        ).returning(*leads.c)).one()
        emit("customer.lead.created", aggregate_type="lead", aggregate_id=row.id, data=lead_snapshot(row))
    return row


def update_lead(ctx: ServiceContext, events: EventContext, p: Principal, lead_id: str,
                body: Mapping[str, Any]) -> Row:
    """409 lead_already_converted for a converted lead."""
    with ctx.transaction(events) as (conn, emit):
        lead = visible_lead(conn, p, lead_id, for_update=True)
        if lead.status == "converted":
            raise Conflict("a converted lead cannot change", code="lead_already_converted",
                           details={"customer_id": lead.customer_id})
        row = conn.execute(leads.update().where(leads.c.id == lead.id).values(**body).returning(*leads.c)).one()
        emit("customer.lead.updated", aggregate_type="lead", aggregate_id=row.id, data=lead_snapshot(row))
    return row


def _new_customer(conn: Connection, ctx: ServiceContext, events: EventContext, p: Principal, lead: Row) -> str:
    name = (lead.company or lead.name).strip()
    key = name_key(name)
    if not key:
        raise ValidationFailed("the lead has no usable company name", details={"company": ["no letters or digits"]})
    cid = str(uuid.uuid4())
    values = {"id": cid, **store.name_columns(name), "phone": lead.phone, "phone_key": phone_key(lead.phone) or None,
              "owner_id": lead.owner_id, "status": "active", "created_by": p.user_id, "lead_id": lead.id}
    store.guarded_write(conn, customers.insert().values(**values), key, who=p)
    store.publish(conn, ctx.outbox, events, "customer.customer.created", cid)
    return cid


def convert_lead(ctx: ServiceContext, events: EventContext, p: Principal, lead_id: str,
                 body: Mapping[str, Any]) -> dict[str, Any]:
    """The lead becomes a customer (or joins body's customer_id) and a contact, with an
    opportunity id for sales when body has one; customer.lead.converted. 409 for a lead
    converted already or disqualified."""
    with ctx.transaction(events) as (conn, emit):
        lead = visible_lead(conn, p, lead_id, for_update=True)
        if lead.status == "converted":
            raise Conflict("the lead was converted already", code="lead_already_converted",
                           details={"customer_id": lead.customer_id})
        if lead.status == "disqualified":
            raise Conflict("the lead is disqualified", code="lead_disqualified")
        if body.get("customer_id"):
            customer_id = require_customer_field(conn, p, body["customer_id"]).id
        else:
            customer_id = _new_customer(conn, ctx, events, p, lead)
        contact = insert_contact(conn, emit, customer_id, {"name": lead.name, "phone": lead.phone,
                                                           "email": lead.email, "is_decision_maker": False},
                                 p.user_id)
        opportunity = None
        if body.get("opportunity"):
            o = body["opportunity"]
            opportunity = {"id": str(uuid.uuid4()), "name": o["name"].strip(), "amount": fmt(o["amount"]),
                           "expected_close_date": o["expected_close_date"].isoformat()
                           if o.get("expected_close_date") else None}
        # the calls and visits logged on the lead become the customer's (issue 16)
        carry_over_activities(conn, emit, lead.id, customer_id, contact["id"])
        conn.execute(leads.update().where(leads.c.id == lead.id).values(
            status="converted", customer_id=customer_id, contact_id=contact["id"],
            opportunity_id=opportunity["id"] if opportunity else None, converted_at=sa.func.now()))
        emit("customer.lead.converted", aggregate_type="lead", aggregate_id=lead.id, customer_id=customer_id,
             data={"lead_id": lead.id, "customer_id": customer_id, "contact_id": contact["id"],
                   "owner_id": lead.owner_id, "name": lead.name, "opportunity": opportunity})
    return {"customer_id": customer_id, "contact_id": contact["id"],
            "opportunity_id": opportunity["id"] if opportunity else None}
