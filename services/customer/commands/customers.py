"""Customer commands: create, change, soft delete and restore, mark lost and reactivate;
each publishes the customer's full snapshot (store.publish)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.customer import store
from services.customer.access import load_customer, require_manage
from services.customer.api.common import field_defs
from services.customer.domain.competitors import DEFAULT_KIND
from services.customer.domain.normalize import phone_key
from services.customer.domain.rules import merge_custom_fields, validate_custom_fields
from services.customer.models import customers
from shared.errors import Conflict, ValidationFailed
from shared.identity import Principal
from shared.outbox import EventContext
from shared.service import ServiceContext
from shared.visibility import require_assignable_owner


def _custom_values(conn: Connection, values: Any, *, current: dict | None, creating: bool) -> dict:
    clean, errors = validate_custom_fields(field_defs(conn), values, require_all=creating)
    if errors:
        raise ValidationFailed("invalid custom fields", details={"custom_fields": errors})
    return merge_custom_fields(current, clean)


def _live(conn: Connection, p: Principal, customer_id: str) -> Row:
    """The customer, row-locked; 409 customer_deleted for a deleted one."""
    row = load_customer(conn, p, customer_id, for_update=True)
    if row.deleted_at is not None:
        raise Conflict("the customer is deleted; restore it first", code="customer_deleted")
    return row


def create_customer(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any]) -> dict:
    """A new customer (owned by the caller or an owner they may assign), refused as a
    duplicate by its name key; the answer carries phone warnings (same phone elsewhere)."""
    with ctx.transaction(events) as (conn, _emit):
        owner_id = require_assignable_owner(conn, p, body.get("owner_id") or p.user_id)
        cid = str(uuid.uuid4())
        names = store.name_columns(body["name"].strip())
        values = {
            "id": cid, **names, "industry": body.get("industry"), "website": body.get("website"),
            "phone": body.get("phone"), "phone_key": phone_key(body.get("phone")) or None,
            "address": body.get("address"), "category": body.get("category"), "owner_id": owner_id,
            "kind": body.get("kind") or DEFAULT_KIND,
            "status": "active", "created_by": p.user_id,
            "custom_fields": _custom_values(conn, body.get("custom_fields"), current=None, creating=True),
        }
        store.guarded_write(conn, customers.insert().values(**values), names["name_key"], who=p)
        answer = store.publish(conn, ctx.outbox, events, "customer.customer.created", cid)
        answer["warnings"] = store.phone_warnings(conn, body.get("phone"), cid)
    return answer


def update_customer(ctx: ServiceContext, events: EventContext, p: Principal, customer_id: str,
                    body: Mapping[str, Any]) -> dict:
    """Change a live customer's fields (a new name is checked for duplicates)."""
    with ctx.transaction(events) as (conn, _emit):
        row = _live(conn, p, customer_id)
        changes: dict[str, Any] = {k: body[k] for k in ("industry", "website", "phone", "address", "category",
                                                        "kind") if k in body}
        if "phone" in changes:
            changes["phone_key"] = phone_key(changes["phone"]) or None
        if "custom_fields" in body:
            changes["custom_fields"] = _custom_values(conn, body["custom_fields"], current=row.custom_fields,
                                                      creating=False)
        statement = customers.update().where(customers.c.id == row.id)
        if "name" in body:
            changes.update(store.name_columns(body["name"].strip()))
            store.guarded_write(conn, statement.values(**changes, updated_at=sa.func.now()),
                                changes["name_key"], exclude_id=row.id, who=p)
        else:
            conn.execute(statement.values(**changes, updated_at=sa.func.now()))
        answer = store.publish(conn, ctx.outbox, events, "customer.customer.updated", row.id)
        answer["warnings"] = store.phone_warnings(conn, answer["phone"], row.id) if "phone" in changes else []
    return answer


def delete_customer(ctx: ServiceContext, events: EventContext, p: Principal, customer_id: str) -> dict:
    """Soft delete (the owner's managers and admins)."""
    with ctx.transaction(events) as (conn, _emit):
        row = _live(conn, p, customer_id)
        require_manage(conn, p, row.owner_id)
        conn.execute(customers.update().where(customers.c.id == row.id)
                     .values(deleted_at=sa.func.now(), updated_at=sa.func.now()))
        return store.publish(conn, ctx.outbox, events, "customer.customer.deleted", row.id)


def restore_customer(ctx: ServiceContext, events: EventContext, p: Principal, customer_id: str) -> dict:
    """Undo a soft delete, unless a live customer took the name meanwhile."""
    with ctx.transaction(events) as (conn, _emit):
        row = load_customer(conn, p, customer_id, for_update=True)
        require_manage(conn, p, row.owner_id)
        if row.deleted_at is None:
            raise Conflict("the customer is not deleted", code="not_deleted")
        if row.merged_into is not None:  # its records are the survivor's now: undo the merge instead
            raise Conflict("the customer was merged into another one; undo the merge instead",
                           code="customer_merged", details={"merged_into": row.merged_into})
        store.guarded_write(
            conn, customers.update().where(customers.c.id == row.id).values(deleted_at=None, updated_at=sa.func.now()),
            row.name_key, exclude_id=row.id, who=p)
        return store.publish(conn, ctx.outbox, events, "customer.customer.restored", row.id)


def mark_lost(ctx: ServiceContext, events: EventContext, p: Principal, customer_id: str, reason: str) -> dict:
    with ctx.transaction(events) as (conn, _emit):
        row = _live(conn, p, customer_id)
        if row.status == "lost":
            raise Conflict("the customer is already marked lost", code="already_lost")
        conn.execute(customers.update().where(customers.c.id == row.id)
                     .values(status="lost", lost_reason=reason.strip(), updated_at=sa.func.now()))
        return store.publish(conn, ctx.outbox, events, "customer.customer.lost", row.id)


def reactivate(ctx: ServiceContext, events: EventContext, p: Principal, customer_id: str) -> dict:
    with ctx.transaction(events) as (conn, _emit):
        row = _live(conn, p, customer_id)
        if row.status != "lost":
            raise Conflict("the customer is not lost", code="not_lost")
        conn.execute(customers.update().where(customers.c.id == row.id)
                     .values(status="active", lost_reason=None, updated_at=sa.func.now()))
        return store.publish(conn, ctx.outbox, events, "customer.customer.updated", row.id)
