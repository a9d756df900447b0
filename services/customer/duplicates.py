"""What a caller may learn about an existing customer of the same normalised name: its
id, who owns it (the owner's name from the local acl_users copy) and whether the caller
may see it; its name only when they may. Nothing else of a customer the caller may not
see ever leaves here (no phone, status, category ...)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.customer.access import customer_clause, users
from services.customer.models import customers
from shared.identity import Principal


def owner_name(conn: Connection, owner_id: str) -> str | None:
    row = conn.execute(sa.select(users.c.username, users.c.full_name).where(users.c.id == owner_id)).first()
    if row is None:
        return None
    return row.full_name or row.username


def may_see(conn: Connection, who: Principal, customer_id: str) -> bool:
    return conn.execute(sa.select(customers.c.id).where(
        customers.c.id == customer_id,
        customer_clause(conn, who, customers.c.id, customers.c.owner_id, read=True))).first() is not None


def duplicate_details(conn: Connection, who: Principal | None, existing_id: str) -> dict[str, Any]:
    """The 409 duplicate_customer details (and the duplicate-check answer) for the caller."""
    details: dict[str, Any] = {"existing_id": existing_id}
    if who is None or not existing_id:
        return details
    row = conn.execute(sa.select(customers.c.name, customers.c.owner_id)
                       .where(customers.c.id == existing_id)).first()
    if row is None:
        return details
    visible = may_see(conn, who, existing_id)
    details.update({"owner_id": row.owner_id, "owner_name": owner_name(conn, row.owner_id), "visible": visible})
    if visible:
        details["existing_name"] = row.name
    return details
