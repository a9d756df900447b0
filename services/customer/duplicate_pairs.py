"""Possible duplicate pairs (GET /customers/duplicates, issue 17): two live customers with the
same normalised name (name_key), the same phone digits (phone_key, 7 digits or more) or a
contact with the same e-mail address. Only customers the caller may change count (the write
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


def _side(row: Any, prefix: str) -> dict[str, Any]:
    return {"id": getattr(row, f"{prefix}_id"), "name": getattr(row, f"{prefix}_name"),
            "phone": getattr(row, f"{prefix}_phone"), "owner_id": getattr(row, f"{prefix}_owner"),
            "created_at": iso(getattr(row, f"{prefix}_created"))}


def duplicate_pairs(conn: Connection, who: Principal, page: int, per_page: int,
                    customer_id: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of pairs (newest pair first) and the total."""
    v = (sa.select(customers.c.id, customers.c.name, customers.c.name_key, customers.c.phone,
                   customers.c.phone_key, customers.c.owner_id, customers.c.created_at)
         .where(customers.c.deleted_at.is_(None), customer_clause(conn, who, customers.c.id, customers.c.owner_id))
         .cte("v"))
    email = sa.func.lower(sa.func.trim(contacts.c.email))
    keys = sa.union_all(
        sa.select(v.c.id, sa.literal("name").label("reason"), v.c.name_key.label("k")),
        sa.select(v.c.id, sa.literal("phone"), v.c.phone_key)
        .where(v.c.phone_key.is_not(None), sa.func.length(v.c.phone_key) >= MIN_PHONE_DIGITS),
        sa.select(contacts.c.customer_id, sa.literal("email"), email).distinct()
        .join(v, v.c.id == contacts.c.customer_id).where(contacts.c.email.is_not(None), email != ""),
    ).cte("k")
    a, b = keys.alias("a"), keys.alias("b")
    va, vb = v.alias("va"), v.alias("vb")
    pairs = (sa.select(a.c.id.label("first"), b.c.id.label("second"),
                       sa.func.array_agg(sa.distinct(a.c.reason)).label("reasons"))
             .join(b, sa.and_(a.c.reason == b.c.reason, a.c.k == b.c.k, a.c.id != b.c.id))
             .join(va, va.c.id == a.c.id).join(vb, vb.c.id == b.c.id)
             .where(sa.tuple_(va.c.created_at, va.c.id) < sa.tuple_(vb.c.created_at, vb.c.id))
             .group_by(a.c.id, b.c.id))
    if customer_id:
        pairs = pairs.where(sa.or_(a.c.id == customer_id, b.c.id == customer_id))
    p = pairs.cte("p")
    rows = conn.execute(
        sa.select(p.c.reasons, sa.func.count().over().label("total"),
                  *[c.label(f"a_{n}") for n, c in (("id", va.c.id), ("name", va.c.name), ("phone", va.c.phone),
                                                  ("owner", va.c.owner_id), ("created", va.c.created_at))],
                  *[c.label(f"b_{n}") for n, c in (("id", vb.c.id), ("name", vb.c.name), ("phone", vb.c.phone),
                                                  ("owner", vb.c.owner_id), ("created", vb.c.created_at))])
        .join(va, va.c.id == p.c.first).join(vb, vb.c.id == p.c.second)
        .order_by(vb.c.created_at.desc(), vb.c.id.desc(), va.c.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    total = int(rows[0].total) if rows else 0
    items = [{"customer": _side(r, "a"), "duplicate": _side(r, "b"),
              "reasons": sorted(r.reasons), "count": len(r.reasons)} for r in rows]
    return items, total
