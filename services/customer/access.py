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
from shared.copies import CopyMissing
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.identity import Principal
from shared.visibility import grants_read, has_grant, is_manager_of, sees_all, visible_user_ids
from shared.web import is_uuid, path_id

DOMAIN = "customer"
shares = sa.table("acl_customer_shares", sa.column("customer_id"), sa.column("user_id"))
grants = sa.table("acl_grants", sa.column("record_type"), sa.column("record_id"), sa.column("user_id"),
                  sa.column("customer_id"))
users = sa.table("acl_users", sa.column("id"), sa.column("role"), sa.column("active"),
                 sa.column("manager_id"), sa.column("username"), sa.column("full_name"))


def customer_clause(conn: Connection, who: Principal, id_col: ColumnElement | None = None,
                    owner_col: ColumnElement | None = None, *, read: bool = False) -> ColumnElement:
    """WHERE clause: rows whose customer the caller may see (by id and owner columns);
    read=True on read paths: customers opened by an assignment grant count too
    (shared.visibility: grants give read access, never write).

    With the owner column (the customers table itself) the clause is
    `owner_id = ANY(team) OR id = ANY(shared ids)`, which the planner can answer from
    two indexes; for other tables it is a semi-join on customers."""
    if sees_all(who, DOMAIN):
        return sa.true()
    id_col = customers.c.id if id_col is None else id_col
    granted_ids = granted_customers(conn, who) if grants_read(who, DOMAIN, read) else []
    if who.role not in ("sales", "manager"):
        return id_col.in_(granted_ids) if granted_ids else sa.false()
    team = visible_user_ids(conn, who)
    shared_ids = conn.execute(sa.select(shares.c.customer_id).where(shares.c.user_id == who.user_id)).scalars().all()
    extra_ids = list(dict.fromkeys([*shared_ids, *granted_ids]))
    if owner_col is None:
        owned = sa.select(customers.c.id).where(customers.c.owner_id.in_(team))
        if extra_ids:
            return sa.or_(id_col.in_(owned), id_col.in_(extra_ids))
        return id_col.in_(owned)
    if extra_ids:
        return sa.or_(owner_col.in_(team), id_col.in_(extra_ids))
    return owner_col.in_(team)


def granted_customers(conn: Connection, who: Principal) -> list[str]:
    """The customers the caller may read through assignment grants."""
    return list(conn.execute(sa.select(grants.c.customer_id).distinct().where(grants.c.user_id == who.user_id))
                .scalars())


def load_customer(conn: Connection, who: Principal, customer_id: Any, *, for_update: bool = False,
                  include_deleted: bool = True, read: bool = False) -> sa.Row:
    """The customer row, or 404 when the id is not a UUID, unknown or not visible.
    read=True for a read (assignment grants count); otherwise a customer the caller may
    only read is 403 (they see it, so 404 would be a lie)."""
    customer_id = path_id(customer_id, "customer")
    query = sa.select(customers).where(
        customers.c.id == customer_id,
        customer_clause(conn, who, customers.c.id, customers.c.owner_id, read=read),
    )
    if not include_deleted:
        query = query.where(customers.c.deleted_at.is_(None))
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        if not read and grants_read(who, DOMAIN, True) and has_grant(conn, who.user_id, customer_id):
            raise Forbidden("you may only read this customer (an assignment gives you read access)",
                            code="read_only")
        raise NotFound("customer not found")
    return row


def visible_record(conn: Connection, who: Principal, table: sa.Table, record_id: str, what: str, *,
                   for_update: bool = False, read: bool = False) -> sa.Row:
    """A record hanging off a customer (contact, activity, complaint) when the caller sees
    that customer (load_customer's rule); 404 "<what> not found" otherwise."""
    query = sa.select(table).where(table.c.id == record_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound(f"{what} not found")
    try:
        load_customer(conn, who, row.customer_id, read=read)
    except NotFound:
        raise NotFound(f"{what} not found") from None
    return row


def require_customer_field(conn: Connection, who: Principal, customer_id: Any, field: str = "customer_id") -> sa.Row:
    """A customer named in a body: 422 when missing/not a UUID, 404 when not visible,
    403 when only readable, 409 when deleted."""
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
    """An active, known user named in a body (422 otherwise; a user the local copy does not
    have yet is waited for, shared.copies)."""
    user = get_user(conn, user_id) if isinstance(user_id, str) else None
    refusal = ValidationFailed("unknown or inactive user", details={field: ["unknown or inactive user"]})
    if user is None and isinstance(user_id, str) and is_uuid(user_id):
        raise CopyMissing(refusal, ("acl_users", user_id))
    if user is None or not user.active:
        raise refusal
    if roles and user.role not in roles:
        raise ValidationFailed("user has the wrong role",
                               details={field: [f"must be a user with role {' or '.join(roles)}"]})
    return user
