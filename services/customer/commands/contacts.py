"""Contact commands: add (also used when a lead is converted), change, delete; each with its
customer.contact.* event."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.customer.access import require_customer_field, visible_record
from services.customer.domain.normalize import search_text
from services.customer.models import contacts
from services.customer.store import contact_json
from shared.identity import Principal
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext


def _event_data(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in ("id", "customer_id", "name", "title", "phone", "email",
                                         "is_decision_maker")}


def insert_contact(conn: Connection, emit: Emitter, customer_id: str, body: Mapping[str, Any],
                   created_by: str) -> dict[str, Any]:
    """Add a contact and its event in the caller's transaction."""
    row = conn.execute(
        contacts.insert().values(
            id=str(uuid.uuid4()), customer_id=customer_id, name=body["name"].strip(),
            search_text=search_text(body["name"]), title=body.get("title"), phone=body.get("phone"),
            email=body.get("email"), is_decision_maker=bool(body.get("is_decision_maker")),
            created_by=created_by,
        ).returning(*contacts.c)
    ).one()
    emit("customer.contact.created", aggregate_type="contact", aggregate_id=row.id,
         data=_event_data(row), customer_id=customer_id)
    return contact_json(row)


def visible_contact(conn: Connection, p: Principal, contact_id: str, *, for_update: bool = False,
                    read: bool = False) -> Row:
    """The contact of a customer the caller sees (404 otherwise)."""
    return visible_record(conn, p, contacts, contact_id, "contact", for_update=for_update, read=read)


def add_contact(ctx: ServiceContext, events: EventContext, p: Principal, customer_id: str,
                body: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.transaction(events) as (conn, emit):
        customer = require_customer_field(conn, p, customer_id)
        return insert_contact(conn, emit, customer.id, body, p.user_id)


def update_contact(ctx: ServiceContext, events: EventContext, p: Principal, contact_id: str,
                   body: Mapping[str, Any]) -> Row:
    with ctx.transaction(events) as (conn, emit):
        row = visible_contact(conn, p, contact_id, for_update=True)
        changes = dict(body)
        if "name" in changes:
            changes["name"] = changes["name"].strip()
            changes["search_text"] = search_text(changes["name"])
        row = conn.execute(contacts.update().where(contacts.c.id == row.id)
                           .values(**changes, updated_at=sa.func.now()).returning(*contacts.c)).one()
        emit("customer.contact.updated", aggregate_type="contact", aggregate_id=row.id, data=_event_data(row),
             customer_id=row.customer_id)
    return row


def delete_contact(ctx: ServiceContext, events: EventContext, p: Principal, contact_id: str) -> None:
    with ctx.transaction(events) as (conn, emit):
        row = visible_contact(conn, p, contact_id, for_update=True)
        conn.execute(contacts.delete().where(contacts.c.id == row.id))
        emit("customer.contact.deleted", aggregate_type="contact", aggregate_id=row.id, data=_event_data(row),
             customer_id=row.customer_id)
