"""Possible duplicate pairs (GET /customers/duplicates, issue 17): two live customers with the
same normalised name (name_key), the same phone digits (phone_key, 7 digits or more) or a
contact with the same e-mail address (a key more than MAX_GROUP customers share, such as a
switchboard, suggests nothing and is left out). Only customers the caller may change count (the write
visibility rule: a pair the caller could not merge, or half of which they may not see, is
never shown), so a rep never learns of a colleague's customer here. The older customer of a
pair comes first (the one to keep, as a suggestion)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.customer.access import customer_clause
from services.customer.models import contacts, customers
from shared.identity import Principal
from shared.web import iso

MIN_PHONE_DIGITS = 7
MAX_GROUP = 20  # customers sharing one key, at most, for it to suggest duplicates


def _side(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "phone": row.phone, "owner_id": row.owner_id,
            "created_at": iso(row.created_at)}


def duplicate_pairs(conn: Connection, who: Principal, page: int, per_page: int,
                    customer_id: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of pairs (newest pair first) and the total.

    The keys shared by 2..MAX_GROUP visible customers are found first (one hash aggregate over
    the keys), and only their members are paired: never a join of every customer with every
    other. A key shared by more customers (a switchboard, an info@ address) is no sign of a
    duplicate and is left out."""
    v = (sa.select(customers.c.id, customers.c.name_key, customers.c.phone_key, customers.c.created_at)
         .where(customers.c.deleted_at.is_(None), customer_clause(conn, who, customers.c.id, customers.c.owner_id))
         .cte("v").prefix_with("MATERIALIZED"))
    email = sa.func.lower(sa.func.trim(contacts.c.email))
    keys = sa.union(  # union: one row per customer and key (two contacts with one address count once)
        sa.select(v.c.id, v.c.created_at, sa.literal("name").label("reason"), v.c.name_key.label("k")),
        sa.select(v.c.id, v.c.created_at, sa.literal("phone"), v.c.phone_key)
        .where(v.c.phone_key.is_not(None), sa.func.length(v.c.phone_key) >= MIN_PHONE_DIGITS),
        sa.select(v.c.id, v.c.created_at, sa.literal("email"), email)
        .join(contacts, contacts.c.customer_id == v.c.id).where(contacts.c.email.is_not(None), email != ""),
    ).cte("keys").prefix_with("MATERIALIZED")
    shared = (sa.select(keys.c.reason, keys.c.k).group_by(keys.c.reason, keys.c.k)
              .having(sa.func.count().between(2, MAX_GROUP)).cte("shared").prefix_with("MATERIALIZED"))
    members = (sa.select(keys).join(shared, sa.and_(shared.c.reason == keys.c.reason, shared.c.k == keys.c.k))
               .cte("members").prefix_with("MATERIALIZED"))
    a, b = members.alias("a"), members.alias("b")
    pairs = (sa.select(a.c.id.label("first"), b.c.id.label("second"), b.c.created_at.label("newer"),
                       sa.func.array_agg(sa.distinct(a.c.reason)).label("reasons"))
             .join(b, sa.and_(a.c.reason == b.c.reason, a.c.k == b.c.k))
             .where(sa.tuple_(a.c.created_at, a.c.id) < sa.tuple_(b.c.created_at, b.c.id))
             .group_by(a.c.id, b.c.id, b.c.created_at))
    if customer_id:
        pairs = pairs.where(sa.or_(a.c.id == customer_id, b.c.id == customer_id))
    p = pairs.cte("p")
    page_rows = conn.execute(
        sa.select(p.c.first, p.c.second, p.c.reasons, sa.func.count().over().label("total"))
        .order_by(p.c.newer.desc(), p.c.second.desc(), p.c.first)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    if not page_rows:
        return [], 0
    ids = {i for r in page_rows for i in (r.first, r.second)}
    sides = {r.id: _side(r) for r in conn.execute(
        sa.select(customers.c.id, customers.c.name, customers.c.phone, customers.c.owner_id, customers.c.created_at)
        .where(customers.c.id.in_(ids)))}
    items = [{"customer": sides[r.first], "duplicate": sides[r.second], "reasons": sorted(r.reasons),
              "count": len(r.reasons)} for r in page_rows]
    return items, int(page_rows[0].total)
