"""Commands on what the customer records are made of and who sees them: custom field
definitions (admin) and share requests (ask the owner of a customer the caller does not
see)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from services.customer.duplicates import may_see, owner_name
from services.customer.models import custom_fields, customers
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.identity import Principal
from shared.outbox import EventContext
from shared.service import ServiceContext


def define_field(ctx: ServiceContext, events: EventContext, body: Mapping[str, Any]) -> Row:
    """A new custom field (409 duplicate_custom_field for a name in use);
    customer.custom_field.defined."""
    with ctx.transaction(events) as (conn, emit):
        savepoint = conn.begin_nested()
        try:
            row = conn.execute(custom_fields.insert().values(
                id=str(uuid.uuid4()), name=body["name"].strip(), type=body["type"], choices=body.get("choices"),
                required=body["required"],
            ).returning(*custom_fields.c)).one()
            savepoint.commit()
        except IntegrityError:
            savepoint.rollback()
            raise Conflict("a custom field with this name exists", code="duplicate_custom_field") from None
        emit("customer.custom_field.defined", aggregate_type="custom_field", aggregate_id=row.id,
             data={"id": row.id, "name": row.name, "type": row.type, "choices": row.choices,
                   "required": row.required})
    return row


def change_field(ctx: ServiceContext, events: EventContext, field_id: str, body: Mapping[str, Any]) -> Row:
    """Make a field required or optional, or give a choice field its new list of choices
    (values already stored stay as they are); customer.custom_field.changed."""
    with ctx.transaction(events) as (conn, emit):
        row = conn.execute(sa.select(custom_fields).where(custom_fields.c.id == field_id).with_for_update()).first()
        if row is None:
            raise NotFound("custom field not found")
        changes: dict[str, Any] = {}
        if "required" in body:
            changes["required"] = body["required"]
        if "choices" in body:
            if row.type != "choice":
                raise ValidationFailed("only a choice field has choices", details={"choices": ["only a choice field has choices"]})
            if not body["choices"]:
                raise ValidationFailed("a choice field needs choices", details={"choices": ["must not be empty"]})
            changes["choices"] = body["choices"]
        if changes:
            row = conn.execute(custom_fields.update().where(custom_fields.c.id == field_id).values(**changes)
                               .returning(*custom_fields.c)).one()
            emit("customer.custom_field.changed", aggregate_type="custom_field", aggregate_id=row.id,
                 data={"id": row.id, "name": row.name, "type": row.type, "choices": row.choices,
                       "required": row.required})
    return row


def request_share(ctx: ServiceContext, events: EventContext, p: Principal, customer_id: str) -> dict[str, Any]:
    """customer.share.requested for a live customer the caller may not see (404 for none,
    409 already_visible), from which tracking notifies the owner."""
    with ctx.transaction(events) as (conn, emit):
        row = conn.execute(sa.select(customers.c.id, customers.c.name, customers.c.owner_id)
                           .where(customers.c.id == customer_id, customers.c.deleted_at.is_(None))).first()
        if row is None:
            raise NotFound("customer not found")
        if may_see(conn, p, row.id):
            raise Conflict("you can see this customer already", code="already_visible")
        requester = owner_name(conn, p.user_id) or p.user_id
        owner = owner_name(conn, row.owner_id)
        emit("customer.share.requested", aggregate_type="customer", aggregate_id=row.id, customer_id=row.id,
             data={"customer_id": row.id, "customer_name": row.name, "owner_id": row.owner_id,
                   "requester_id": p.user_id, "requester_name": requester})
    return {"customer_id": row.id, "owner_id": row.owner_id, "owner_name": owner, "requested": True}
