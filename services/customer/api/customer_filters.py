"""The customer list's query string read into SQL: visibility and filters, the sort, the
search clause (name, phone, a contact's name) and the fast total from the counters."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from flask import current_app, request
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from services.customer.access import customer_clause, granted_customers, shares
from services.customer.domain.competitors import CUSTOMER_KINDS
from services.customer.domain.normalize import phone_query, search_fragment, search_text
from services.customer.models import contacts, customer_counts, customers
from services.customer.search import fragment_match
from shared.errors import ValidationFailed
from shared.identity import Principal
from shared.visibility import sees_all, visible_user_ids
from shared.web import date_arg, uuid_arg

STATUSES = ("active", "lost", "deleted")


def fast_total(conn, who) -> int | None:
    """The total of a list without q, from the counters (owner, status, category, industry)."""
    args = request.args
    if args.get("q") or args.get("created_from") or args.get("created_to") or args.get("kind"):
        return None  # the counters do not count per kind
    status = args.get("status")
    counted = sa.select(sa.func.coalesce(sa.func.sum(customer_counts.c.n), 0)).where(
        customer_counts.c.status.in_([status] if status else ["active", "lost"]))
    for name in ("category", "industry"):
        if args.get(name):
            counted = counted.where(customer_counts.c[name] == args[name])
    owner_id = args.get("owner_id")
    if owner_id:
        counted = counted.where(customer_counts.c.owner_id == owner_id)
    if sees_all(who, "customer"):
        return int(conn.execute(counted).scalar_one())
    same_filters = filters(conn, who)[1:]  # [0] is the visibility clause
    granted = granted_customers(conn, who)  # read access through assignment grants
    if who.role not in ("sales", "manager"):
        if not granted:
            return 0
        return int(conn.execute(sa.select(sa.func.count()).select_from(customers).where(
            customers.c.id.in_(granted), *same_filters)).scalar_one())
    team = visible_user_ids(conn, who)
    owned = int(conn.execute(counted.where(customer_counts.c.owner_id.in_(team))).scalar_one())
    shared = sa.select(shares.c.customer_id).where(shares.c.user_id == who.user_id)
    others = conn.execute(sa.select(sa.func.count()).select_from(customers).where(
        sa.or_(customers.c.id.in_(shared), customers.c.id.in_(granted)) if granted else customers.c.id.in_(shared),
        customers.c.owner_id.not_in(team), *same_filters)).scalar_one()
    return owned + int(others)


def filters(conn: Connection, who: Principal, cols: Any = None, *, search: bool = True) -> list:
    """WHERE conditions of the list's query string (visibility always), on the customers
    table or on columns of the same names (the search CTE)."""
    c = customers.c if cols is None else cols
    args = request.args
    where = [customer_clause(conn, who, c.id, c.owner_id, read=True)]
    details = {}
    status = args.get("status")
    if status and status not in STATUSES:
        details["status"] = [f"must be one of {', '.join(STATUSES)}"]
    if status == "deleted":
        where.append(c.deleted_at.is_not(None))
    else:
        where.append(c.deleted_at.is_(None))
        if status:
            where.append(c.status == status)
    owner_id = uuid_arg(args.get("owner_id"), "owner_id")
    if owner_id:
        where.append(c.owner_id == owner_id)
    for name in ("category", "industry"):
        if args.get(name):
            where.append(c[name] == args[name])
    kind = args.get("kind")
    if kind and kind not in CUSTOMER_KINDS:
        details["kind"] = [f"must be one of {', '.join(CUSTOMER_KINDS)}"]
    elif kind:
        where.append(c.kind == kind)
    start, end = date_arg("created_from"), date_arg("created_to")
    if start and end and end < start:
        details["created_to"] = ["must not be before created_from"]
    if start:
        where.append(c.created_at >= dt.datetime.combine(start, dt.time.min, dt.UTC))
    if end:
        where.append(c.created_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, dt.UTC))
    q = search_query()
    if details:
        raise ValidationFailed("invalid filters", details=details)
    if q and search:
        where.append(search_clause(q))
    return where


SORTS = ("name", "-name", "created_at", "-created_at")


def sort_order(cols: Any = None) -> list:
    """ORDER BY of the list's `sort` (newest first by default; the id breaks ties), 422
    on another value. Served by ix_customers_live_created / ix_customers_live_name."""
    c = customers.c if cols is None else cols
    sort = request.args.get("sort") or "-created_at"
    if sort not in SORTS:
        raise ValidationFailed("invalid sort", details={"sort": [f"must be one of {', '.join(SORTS)}"]})
    column = c.name if sort.lstrip("-") == "name" else c.created_at
    if sort.startswith("-"):
        return [column.desc(), c.id.desc()]
    return [column.asc(), c.id.asc()]


def search_query() -> str:
    q = (request.args.get("q") or "").strip()
    if len(q) > 100:
        raise ValidationFailed("invalid filters", details={"q": ["must be at most 100 characters"]})
    return q


MAX_CONTACT_MATCHES = 100_000


def _search_terms(q: str) -> tuple[str, str]:
    """(name fragment, phone digits) of q; 422 when q is too short or only a suffix."""
    fragment = search_fragment(q)
    digits = phone_query(q)
    if len(fragment) < 2 and not digits:
        if search_text(q) and not fragment:
            raise ValidationFailed("q is too broad", code="search_too_broad",
                                   details={"q": ["is only a company suffix; give part of the name"]})
        raise ValidationFailed("q is too short", details={"q": ["needs at least 2 letters or 3 digits"]})
    return fragment, digits


_EMAIL_CHARS = re.compile(r"[a-z0-9._%+@-]{3,}")


def email_fragment(q: str) -> str:
    """q as a piece of an e-mail address (lowered), or '' when it cannot be one or is
    shorter than a trigram."""
    lowered = q.strip().lower()
    return lowered if _EMAIL_CHARS.fullmatch(lowered) else ""


def _contact_match(fragment: str, email: str):
    conds = []
    if len(fragment) >= 2:
        conds.append(fragment_match(contacts.c.search_text, fragment))
    if email:
        escaped = email.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conds.append(sa.and_(contacts.c.email.is_not(None),
                             sa.func.lower(contacts.c.email).like(f"%{escaped}%", escape="\\")))
    return sa.or_(*conds)


# A search lists the customers whose contacts match q (up to this many contact rows) before
# it looks at customers; past it the contacts' side is too broad to list and is checked row
# by row instead (search_filter with contact_ids None).
CONTACT_LIST_MAX = 20_000
_SUBQUERY = object()  # search_clause's contacts as an id-array sub-query (the exports' path)


def contact_customer_ids(conn: Connection, q: str) -> list[str] | None:
    """The customers of the contacts whose name or e-mail matches q (at most
    CONTACT_LIST_MAX contact rows), or None when more contacts than that match."""
    fragment, _ = _search_terms(q)
    email = email_fragment(q)
    if len(fragment) < 2 and not email:
        return []
    found = conn.execute(sa.select(contacts.c.customer_id).where(_contact_match(fragment, email))
                         .limit(CONTACT_LIST_MAX + 1)).scalars().all()
    return None if len(found) > CONTACT_LIST_MAX else list(dict.fromkeys(found))


def search_clause(q: str, contact_ids: Any = _SUBQUERY):
    """Customers whose name, phone, a contact's name or e-mail matches q, as one OR over indexed
    conditions on customers (the contacts' matches come in as an id array: contact_ids, or
    a sub-query when not given), so PostgreSQL answers it with one bitmap scan of customers."""
    fragment, digits = _search_terms(q)
    email = email_fragment(q)
    conds = []
    if len(fragment) >= 2:
        conds.append(fragment_match(customers.c.search_text, fragment))
    if contact_ids is _SUBQUERY and (len(fragment) >= 2 or email):
        matched = (sa.select(contacts.c.customer_id).where(_contact_match(fragment, email))
                   .limit(MAX_CONTACT_MATCHES).scalar_subquery())
        conds.append(customers.c.id == sa.any_(sa.func.array(matched, type_=ARRAY(sa.String))))
    elif contact_ids:
        conds.append(customers.c.id == sa.any_(sa.cast(list(contact_ids), ARRAY(sa.String))))
    if digits:
        conds.append(customers.c.phone_key.like(f"%{digits}%"))
    return sa.or_(*conds) if conds else sa.false()


def search_filter(q: str, contact_ids: list[str] | None):
    """The same matches as search_clause, in a form no search index can serve: a filter
    checked row by row while the list's order index is walked (used when q matches so many
    customers that the first pages are met within a few thousand rows). The contacts'
    matches: contact_ids as a hashed sub-plan (an array would be compared element by
    element for every row), or, when too many contacts match to list them (None), a lookup
    of the row's own contacts."""
    fragment, digits = _search_terms(q)
    email = email_fragment(q)
    conds = []
    if len(fragment) >= 2:
        conds.append(sa.func.strpos(customers.c.search_text, fragment) > 0)
    if contact_ids is None:
        own = []
        if len(fragment) >= 2:
            own.append(sa.func.strpos(contacts.c.search_text, fragment) > 0)
        if email:
            own.append(sa.func.strpos(sa.func.lower(contacts.c.email), email) > 0)
        # a scalar sub-query, not EXISTS: PostgreSQL may turn an EXISTS into one hash of every
        # matching contact (a scan of all contacts) where a lookup per walked row is meant
        conds.append(sa.select(sa.literal(1)).where(contacts.c.customer_id == customers.c.id, sa.or_(*own))
                     .limit(1).scalar_subquery().is_not(None))
    elif contact_ids:
        conds.append(customers.c.id.in_(sa.select(sa.func.unnest(sa.cast(list(contact_ids), ARRAY(sa.String))))))
    if digits:
        conds.append(sa.func.strpos(customers.c.phone_key, digits) > 0)
    return sa.or_(*conds) if conds else sa.false()


def filter_conditions(conn: Connection, who: Principal, flt: dict[str, Any], keys: tuple[str, ...]) -> list:
    """The list's conditions for a filter given as an object (a bulk change's, a campaign's
    members chosen by the list's filters), read exactly as GET /customers reads its query
    string, so it reaches what the list shows."""
    query = {k: v for k, v in flt.items() if k in keys and isinstance(v, str) and v != ""}
    with current_app.test_request_context(query_string=query):
        return filters(conn, who)
