"""Writing customers: the row, the visibility copy (acl_customers / shares) and the
snapshot event, always together in the caller's transaction."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from services.customer.access import shares
from services.customer.domain.normalize import name_key, phone_key, search_text
from services.customer.duplicates import duplicate_details
from services.customer.models import customers
from shared.errors import Conflict
from shared.identity import Principal
from shared.outbox import EventContext, Outbox
from shared.visibility import upsert_customer


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def public_status(row: Any) -> str:
    return "deleted" if row.deleted_at is not None else row.status


def shared_with(conn: Connection, ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        rows = conn.execute(
            sa.select(shares.c.customer_id, shares.c.user_id)
            .where(shares.c.customer_id.in_(ids)).order_by(shares.c.customer_id, shares.c.user_id)
        )
        for cid, uid in rows:
            out[cid].append(uid)
    return out


def customer_json(row: Any, shared: list[str]) -> dict[str, Any]:
    return {
        "id": row.id, "name": row.name, "industry": row.industry, "website": row.website,
        "phone": row.phone, "address": row.address, "category": row.category, "kind": row.kind,
        "owner_id": row.owner_id, "status": public_status(row), "lost_reason": row.lost_reason,
        "custom_fields": row.custom_fields or {}, "shared_with": shared,
        "external_id": row.external_id, "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at),
        "deleted_at": _iso(row.deleted_at),
        "merged_into": getattr(row, "merged_into", None),  # a tombstone: the customer it was merged into
    }


def snapshot(row: Any, shared: list[str]) -> dict[str, Any]:
    """The CustomerSnapshot payload of customer.customer.* events."""
    return {
        "id": row.id, "name": row.name, "owner_id": row.owner_id, "status": public_status(row),
        "category": row.category, "industry": row.industry, "phone": row.phone,
        "shared_with": shared, "lost_reason": row.lost_reason,
        "created_at": _iso(row.created_at), "website": row.website, "address": row.address,
        "custom_fields": row.custom_fields or {}, "updated_at": _iso(row.updated_at), "kind": row.kind,
    }


def load(conn: Connection, customer_id: str) -> Any:
    return conn.execute(sa.select(customers).where(customers.c.id == customer_id)).one()


def publish(conn: Connection, outbox: Outbox, ctx: EventContext, event_type: str, customer_id: str) -> dict:
    """Re-read the customer, refresh the visibility copy, add the snapshot event.
    Returns the customer's JSON."""
    row = load(conn, customer_id)
    shared = shared_with(conn, [customer_id])[customer_id]
    upsert_customer(conn, row.id, row.owner_id, row.name, public_status(row), shared)
    outbox.add(conn, ctx, event_type, aggregate_type="customer", aggregate_id=row.id,
               data=snapshot(row, shared), customer_id=row.id)
    return customer_json(row, shared)


def find_duplicate(conn: Connection, key: str, exclude_id: str | None = None) -> str | None:
    query = sa.select(customers.c.id).where(customers.c.name_key == key, customers.c.deleted_at.is_(None))
    if exclude_id:
        query = query.where(customers.c.id != exclude_id)
    return conn.execute(query.limit(1)).scalar()


def duplicate_conflict(existing_id: str, conn: Connection | None = None, who: Principal | None = None) -> Conflict:
    """409 duplicate_customer: the existing id, and for a caller its owner and whether the
    caller may see it (services.customer.duplicates: never more of a customer they may not see)."""
    details = duplicate_details(conn, who, existing_id) if conn is not None else {"existing_id": existing_id}
    return Conflict("a customer with the same normalised name exists", code="duplicate_customer", details=details)


def phone_warnings(conn: Connection, phone: str | None, exclude_id: str) -> list[dict[str, Any]]:
    """Other live customers with the same phone digits: flagged, not refused (branches
    of one company often share a switchboard)."""
    key = phone_key(phone)
    if not key:
        return []
    ids = conn.execute(
        sa.select(customers.c.id).where(customers.c.phone_key == key, customers.c.deleted_at.is_(None),
                                        customers.c.id != exclude_id)
        .order_by(customers.c.created_at, customers.c.id).limit(5)
    ).scalars().all()
    return [{"code": "duplicate_phone", "message": "another customer has the same phone", "existing_id": i}
            for i in ids]


def name_columns(name: str) -> dict[str, str]:
    return {"name": name, "name_key": name_key(name), "search_text": search_text(name)}


def guarded_write(conn: Connection, statement: Any, key: str, exclude_id: str | None = None,
                  who: Principal | None = None) -> None:
    """Run an INSERT/UPDATE that may hit the live-name unique index; a race with another
    writer becomes 409 duplicate_customer rather than a 500. `who`: the caller, told who
    owns the existing customer."""
    existing = find_duplicate(conn, key, exclude_id)
    if existing:
        raise duplicate_conflict(existing, conn, who)
    savepoint = conn.begin_nested()
    try:
        conn.execute(statement)
    except IntegrityError as exc:
        savepoint.rollback()
        if "uq_customers_name_key_live" in str(exc.orig):
            raise duplicate_conflict(find_duplicate(conn, key, exclude_id) or "", conn, who) from None
        raise
    else:
        savepoint.commit()


def contact_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "customer_id": row.customer_id, "name": row.name, "title": row.title,
            "phone": row.phone, "email": row.email, "is_decision_maker": row.is_decision_maker,
            "superior_id": row.superior_id, "photo_updated_at": _iso(row.photo_updated_at),
            "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at)}
