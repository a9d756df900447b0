"""Who sees which customer here. The customer service owns customers, so its own
queries filter on customers.owner_id (kept equal to acl_customers in the same
transaction) and on acl_customer_shares; the rule is shared.visibility's."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from services.customer.domain.rules import may_manage_customer
from services.customer.models import customers
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.identity import Principal
from shared.visibility import is_manager_of, sees_all, visible_user_ids
from shared.web import is_uuid

DOMAIN = "customer"
shares = sa.table("acl_customer_shares", sa.column("customer_id"), sa.column("user_id"))
users = sa.table("acl_users", sa.column("id"), sa.column("role"), sa.column("active"),
                 sa.column("manager_id"), sa.column("username"))


def customer_clause(conn: Connection, who: Principal, id_col: ColumnElement | None = None,
                    owner_col: ColumnElement | None = None) -> ColumnElement:
    """WHERE clause: rows whose customer the caller may see (by id and owner columns).

    With the owner column (the customers table itself) the clause is
    `owner_id = ANY(team) OR id = ANY(shared ids)`, which the planner can answer from
    two indexes; for other tables it is a semi-join on customers."""
    if sees_all(who, DOMAIN):
        return sa.true()
    if who.role not in ("sales", "manager"):
        return sa.false()
    id_col = customers.c.id if id_col is None else id_col
    team = visible_user_ids(conn, who)
    shared_ids = conn.execute(sa.select(shares.c.customer_id).where(shares.c.user_id == who.user_id)).scalars().all()
    if owner_col is None:
        owned = sa.select(customers.c.id).where(customers.c.owner_id.in_(team))
        if shared_ids:
            return sa.or_(id_col.in_(owned), id_col.in_(shared_ids))
        return id_col.in_(owned)
    if shared_ids:
        return sa.or_(owner_col.in_(team), id_col.in_(shared_ids))
    return owner_col.in_(team)


def load_customer(conn: Connection, who: Principal, customer_id: Any, *, for_update: bool = False,
                  include_deleted: bool = True) -> sa.Row:
    """The customer row, or 404 when the id is not a UUID, unknown or not visible."""
    if not isinstance(customer_id, str) or not is_uuid(customer_id):
        raise NotFound("customer not found")
    query = sa.select(customers).where(
        customers.c.id == customer_id,
        customer_clause(conn, who, customers.c.id, customers.c.owner_id),
    )
    if not include_deleted:
        query = query.where(customers.c.deleted_at.is_(None))
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("customer not found")
    return row


def require_customer_field(conn: Connection, who: Principal, customer_id: Any, field: str = "customer_id") -> sa.Row:
    """A customer named in a body: 422 when missing/not a UUID, 404 when not visible,
    409 when deleted."""
    if not customer_id:
        raise ValidationFailed("customer_id is required", details={field: ["required"]})
    if not isinstance(customer_id, str) or not is_uuid(customer_id):
        raise ValidationFailed("invalid customer_id", details={field: ["must be a UUID"]})
    row = load_customer(conn, who, customer_id)
    if row.deleted_at is not None:
        raise Conflict("the customer is deleted", code="customer_deleted")
    return row


def can_manage(conn: Connection, who: Principal, owner_id: str) -> bool:
    above = who.role == "manager" and is_manager_of(conn, who.user_id, owner_id)
    return may_manage_customer(who.role, who.user_id, owner_id, above)


def require_manage(conn: Connection, who: Principal, owner_id: str) -> None:
    if not can_manage(conn, who, owner_id):
        raise Forbidden("only the owner, a manager above the owner or an admin may do this")


def get_user(conn: Connection, user_id: str) -> sa.Row | None:
    if not is_uuid(user_id):
        return None
    return conn.execute(sa.select(users).where(users.c.id == user_id)).first()


def require_user(conn: Connection, user_id: Any, field: str, roles: tuple[str, ...] | None = None) -> sa.Row:
    """An active, known user named in a body (422 otherwise)."""
    user = get_user(conn, user_id) if isinstance(user_id, str) else None
    if user is None or not user.active:
        raise ValidationFailed("unknown or inactive user", details={field: ["unknown or inactive user"]})
    if roles and user.role not in roles:
        raise ValidationFailed("user has the wrong role",
                               details={field: [f"must be a user with role {' or '.join(roles)}"]})
    return user
