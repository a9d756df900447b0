"""Ownership commands: transfer a customer, share it with a user and stop sharing. Allowed
for the owner, a manager above the owner, or an admin (require_manage); the new owner must
be someone the caller may assign records to (shared.visibility.require_assignable_owner)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.customer import store
from services.customer.access import load_customer, require_manage, require_user, shares
from services.customer.domain.rules import OWNER_ROLES
from services.customer.models import customers
from shared.errors import Conflict, NotFound
from shared.identity import Principal
from shared.outbox import EventContext
from shared.service import ServiceContext
from shared.visibility import require_assignable_owner


def _managed(conn: Connection, p: Principal, customer_id: str) -> Row:
    row = load_customer(conn, p, customer_id, for_update=True)
    if row.deleted_at is not None:
        raise Conflict("the customer is deleted; restore it first", code="customer_deleted")
    require_manage(conn, p, row.owner_id)
    return row


def transfer(ctx: ServiceContext, events: EventContext, p: Principal, customer_id: str,
             owner_id: str) -> dict[str, Any]:
    """The customer to owner_id (nothing changes when it is the owner already);
    customer.customer.transferred."""
    with ctx.transaction(events) as (conn, _emit):
        row = _managed(conn, p, customer_id)
        # the new owner: an active user the caller may assign to (shared rule, every service)
        require_assignable_owner(conn, p, owner_id)
        if owner_id == row.owner_id:
            return store.customer_json(row, store.shared_with(conn, [row.id])[row.id])
        conn.execute(customers.update().where(customers.c.id == row.id)
                     .values(owner_id=owner_id, updated_at=sa.func.now()))
        # the new owner needs no share; the old owner keeps none unless shared again
        conn.execute(sa.delete(shares).where(shares.c.customer_id == row.id, shares.c.user_id == owner_id))
        return store.publish(conn, ctx.outbox, events, "customer.customer.transferred", row.id)


def share(ctx: ServiceContext, events: EventContext, p: Principal, customer_id: str,
          user_id: str) -> dict[str, Any]:
    """Share with an active sales user or manager (409 already_owner for the owner); a
    share that exists changes nothing. The customer's answer (its shared_with)."""
    with ctx.transaction(events) as (conn, _emit):
        row = _managed(conn, p, customer_id)
        require_user(conn, user_id, "user_id", OWNER_ROLES)
        if user_id == row.owner_id:
            raise Conflict("the user owns this customer", code="already_owner")
        added = conn.execute(
            sa.text("INSERT INTO acl_customer_shares (customer_id, user_id) VALUES (:c, :u) "
                    "ON CONFLICT DO NOTHING RETURNING 1"),
            {"c": row.id, "u": user_id},
        ).first()
        if added:
            return store.publish(conn, ctx.outbox, events, "customer.customer.shared", row.id)
        return store.customer_json(row, store.shared_with(conn, [row.id])[row.id])  # already shared


def unshare(ctx: ServiceContext, events: EventContext, p: Principal, customer_id: str, user_id: str) -> None:
    """404 when the customer is not shared with the user; customer.customer.unshared."""
    with ctx.transaction(events) as (conn, _emit):
        row = _managed(conn, p, customer_id)
        removed = conn.execute(
            sa.delete(shares).where(shares.c.customer_id == row.id, shares.c.user_id == user_id)
            .returning(shares.c.user_id)
        ).first()
        if removed is None:
            raise NotFound("the customer is not shared with that user")
        store.publish(conn, ctx.outbox, events, "customer.customer.unshared", row.id)
